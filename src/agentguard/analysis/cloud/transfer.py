"""Copies between buckets (or remotes) and local paths, shared by aws s3, gsutil, gcloud storage, azcopy, s3cmd
and rclone.

An upload is a cloud write; a download is a file write (or overwrite) in the workspace, so fetching over a
protected local file is caught by the file rules. A move takes the data away from its source, and a sync that
deletes what the source lacks is destructive at the destination: both are destructive there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agentguard.analysis.cloud.common import Scope, effects, local_delete, local_write, read, unknown
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind


@dataclass(frozen=True, slots=True)
class Copy:
    """One copy command: `sources` go to `dest`; `delete` removes at dest what the sources lack; `move` removes
    the sources; `tree` copies directories."""

    tool: str  # "aws s3 sync", "gsutil cp": for details
    sources: Sequence[Word]
    dest: Word
    tree: bool = False
    delete: bool = False
    move: bool = False


def transfer(inv: Invocation, ctx: Context, copy: Copy, scope: Scope, remote: Callable[[Word], bool]) -> list[Effect]:
    out: list[Effect] = []
    dest = copy.dest
    if remote(dest):
        kind = Kind.CLOUD_DESTROY if copy.delete else Kind.CLOUD_WRITE
        what = "writes objects, deleting those the source lacks" if copy.delete else "writes objects"
        out += effects(inv, kind, [_name(dest)], f"{copy.tool}: {what}", scope, operands=[dest])
    else:
        for source in copy.sources:
            path = _download_path(ctx, inv, source, dest, copy.tree, remote)
            out += local_write(inv, ctx, path, f"{copy.tool} downloads here", recursive=copy.tree)
        if copy.delete:
            out += local_delete(inv, ctx, dest, f"{copy.tool} removes local files the source lacks")
    if copy.move:
        for source in copy.sources:
            if remote(source):
                out += effects(inv, Kind.CLOUD_DESTROY, [_name(source)], f"{copy.tool}: removes the source", scope,
                               operands=[source])  # fmt: skip
            else:
                out += ctx.file_effects(Kind.FILE_MOVE, source, inv, f"{copy.tool} moves the local file away",
                                        recursive=copy.tree)  # fmt: skip
    return out or read(inv, ",".join(_name(w) for w in copy.sources), f"{copy.tool} to standard output", scope)


def copy_or_unknown(
    inv: Invocation, ctx: Context, copy: Copy | None, scope: Scope, remote: Callable[[Word], bool]
) -> list[Effect]:
    if copy is None or not copy.sources:
        return unknown(inv, "a copy needs a source and a destination")
    return transfer(inv, ctx, copy, scope, remote)


def _name(word: Word) -> str:
    """A bucket or remote as a person names it: no SAS token or other query string, no trailing slash."""
    text = word.text.split("?", 1)[0]
    return text.rstrip("/") if text.count("/") <= 3 else text


def _download_path(
    ctx: Context, inv: Invocation, source: Word, dest: Word, tree: bool, remote: Callable[[Word], bool]
) -> Word:
    """`cp s3://b/k.txt .` writes ./k.txt: name the file that is written when it can be known."""
    if tree or not remote(source) or not dest.known or not source.known:
        return dest
    name = source.text.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    found = ctx.targets(dest, inv.cwd)
    into_dir = dest.text.endswith("/") or (found is not None and len(found) == 1 and found[0].is_dir)
    return Word(dest.text.rstrip("/") + "/" + name) if into_dir and name and ":" not in name else dest
