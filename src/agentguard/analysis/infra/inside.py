"""Commands that run somewhere else: inside a container, a pod, a VM, a dyno or a remote host.

The inner command is analysed like any other (`ctx.run`), then its effects are moved to where they happen.
A file path inside a container is not the host's path: the host's path rules must not judge it, so the
effect loses its `path` and its target names the place (`/data (in container db)`). Two exceptions:
- a path under a bind mount (`docker run -v "$PWD/data:/data"`) is the host's file: it is mapped back and
  the host rules apply to it, so `-v /:/host … rm -rf /host/etc` is judged as `rm -rf /etc`;
- in a long-lived container or machine (`docker exec`, `kubectl exec`, `fly ssh`) a recursive delete may hit
  a volume that holds the service's data: it becomes `destroy_kind` (asked), unless it is under /tmp.
Effects that are not about files (SQL through psql, a cloud CLI) keep their kind: the database is real.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from collections.abc import Iterable, Mapping

from agentguard.analysis.infra.cli import with_context
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

FILE_KINDS = frozenset({Kind.FILE_WRITE, Kind.FILE_OVERWRITE, Kind.FILE_DELETE, Kind.FILE_MOVE, Kind.FILE_PERMS})
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")


def run_inside(
    words: Iterable[Word],
    inv: Invocation,
    ctx: Context,
    where: str,
    *,
    workdir: str | None = None,
    mounts: Mapping[str, str] | None = None,
    persistent: bool = True,
    destroy_kind: Kind = Kind.CONTAINER_DESTROY,
    context: Mapping[str, str | None] | None = None,
) -> list[Effect]:
    """Effects of running `words` in `where` (e.g. "container db"), mapped as described in the module doc.

    A working directory that is a bind mount of a host folder (`-v "$PWD":/app -w /app … pytest`) is that
    folder: the inner command runs there for the analysis, so a runner reads the project's own files (its
    conftest.py, Makefile, package.json) and what it names relative to it are the host's paths."""
    inner = inv.with_words(list(words))
    host_cwd = _host_folder(workdir, mounts or {})
    inner = Invocation(inner.words, host_cwd or workdir or "/", inv.source, inner.stdin, ())
    effects = ctx.run(inner)
    if host_cwd is None:
        return relocate(effects, where, mounts=mounts, persistent=persistent, destroy_kind=destroy_kind,
                        context=context)  # fmt: skip
    here = [e for e in effects if _under(e.path, host_cwd)]  # already the host's paths
    elsewhere = [e for e in effects if not _under(e.path, host_cwd)]
    moved = relocate(elsewhere, where, mounts=mounts, persistent=persistent, destroy_kind=destroy_kind)
    return with_context([*here, *moved], context or {})


def _host_folder(workdir: str | None, mounts: Mapping[str, str]) -> str | None:
    host = _host_path(posixpath.normpath(workdir), mounts) if workdir and workdir.startswith("/") else None
    return host if host is not None and host.startswith("/") and os.path.isdir(host) else None


def _under(path: str | None, folder: str) -> bool:
    return path is not None and (path == folder or path.startswith(folder.rstrip("/") + "/"))


def relocate(
    effects: Iterable[Effect],
    where: str,
    *,
    mounts: Mapping[str, str] | None = None,
    persistent: bool = True,
    destroy_kind: Kind = Kind.CONTAINER_DESTROY,
    context: Mapping[str, str | None] | None = None,
) -> list[Effect]:
    """Move effects an inner command would have on "its" files to `where` (see the module doc)."""
    moved = [_move(e, where, mounts or {}, persistent, destroy_kind) for e in effects]
    return with_context(moved, context or {})


def _move(effect: Effect, where: str, mounts: Mapping[str, str], persistent: bool, destroy_kind: Kind) -> Effect:
    if effect.kind not in FILE_KINDS or effect.path is None:
        return effect
    host = _host_path(effect.path, mounts)
    if host is not None and host.startswith("/"):
        exists, is_dir = os.path.lexists(host), os.path.isdir(host)  # the host's file, not the container path
        return dataclasses.replace(
            effect,
            target=host,
            path=host,
            real_path=os.path.realpath(host),
            exists=exists,
            is_dir=is_dir,
            size=None,
            recursive=_recursive(effect) and is_dir,
        )
    if host is not None and effect.kind != Kind.FILE_WRITE:
        if host.startswith("volume:"):
            detail = f"{effect.detail} in volume {host[7:]} (its data outlives the container)"
            return dataclasses.replace(
                effect,
                kind=destroy_kind,
                target=f"volume {host[7:]}: {effect.path}",
                detail=detail,
                path=None,
                real_path=None,
                exists=None,
                size=None,
            )
        return Effect.unknown(
            f"{effect.path} in {where} is a bind mount of a host directory that is not known before it runs",
            effect.source,
        )
    target = f"{effect.path} (in {where})"
    moved = dataclasses.replace(effect, target=target, path=None, real_path=None, exists=None, size=None)
    if persistent and effect.kind == Kind.FILE_DELETE and _recursive(effect) and not _scratch(effect.path):
        detail = f"deletes a directory tree inside {where} (it may hold a data volume)"
        return dataclasses.replace(moved, kind=destroy_kind, detail=detail)
    return moved


def _host_path(path: str, mounts: Mapping[str, str]) -> str | None:
    """The host path behind a container path, through the longest matching mount: an absolute host path,
    `volume:NAME` for a named volume, "" when the mount's source is not known; None when not mounted."""
    best: tuple[str, str] | None = None
    for dest, source in mounts.items():
        dest = posixpath.normpath(dest)
        if (path == dest or path.startswith(dest.rstrip("/") + "/")) and (best is None or len(dest) > len(best[0])):
            best = (dest, source)
    if best is None:
        return None
    dest, source = best
    tail = path[len(dest) :].lstrip("/")
    if not source.startswith("/"):
        return source
    return posixpath.normpath(posixpath.join(source, tail)) if tail else posixpath.normpath(source)


def _scratch(path: str) -> bool:
    return any(path == s or path.startswith(s + "/") for s in SCRATCH)


def _recursive(effect: Effect) -> bool:
    """The host cannot tell whether a container path is a directory (it looked at its own file system), so the
    command's own words decide: `rm -r` says "recursively" whatever the host has at that path."""
    return effect.recursive or "recursive" in effect.detail
