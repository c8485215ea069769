"""Mirrors built from the `[[ledger.mirror]]` entries of a configuration."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agentguard.ledger import config
from agentguard.ledger.mirror.base import Mirror, MirrorError, MirrorFailure
from agentguard.ledger.mirror.directory import DirectoryMirror
from agentguard.ledger.mirror.git import GitMirror
from agentguard.ledger.mirror.http import HttpMirror


def mirror_from_spec(spec: config.MirrorSpec, environ: Mapping[str, str] | None = None) -> Mirror:
    """ConfigError when a `{ env = … }` value is not set (or a URL taken from the environment is not http)."""
    if spec.type == "dir":
        return DirectoryMirror(spec.path)
    if spec.type == "git":
        return GitMirror(spec.path)
    url = config.resolve(spec.url, f"{spec.where}.url", environ)
    headers = {k: config.resolve(v, f"{spec.where}.headers.{k}", environ) for k, v in spec.headers}
    try:
        return HttpMirror(url, headers, timeout=spec.timeout)
    except MirrorError as exc:
        raise config.ConfigError(f"{spec.where}.url: {exc.message}") from None


def mirrors_from_specs(specs: Iterable[config.MirrorSpec], environ: Mapping[str, str] | None = None) -> list[Mirror]:
    """Every mirror, or ConfigError for the first that cannot be built."""
    return [mirror_from_spec(spec, environ) for spec in specs]


def build_mirrors(
    specs: Iterable[config.MirrorSpec], environ: Mapping[str, str] | None = None
) -> tuple[list[Mirror], tuple[MirrorFailure, ...]]:
    """The mirrors that can be built and a failure (named by its config key) for each that cannot: a hook
    started without MIRROR_TOKEN still mirrors to the directory, and the ledger records the missing one."""
    mirrors: list[Mirror] = []
    failed: list[MirrorFailure] = []
    for spec in specs:
        try:
            mirrors.append(mirror_from_spec(spec, environ))
        except config.ConfigError as exc:
            failed.append(MirrorFailure(mirror=spec.where, error=exc.message.removeprefix(spec.where).lstrip(".")))
    return mirrors, tuple(failed)


def mirrors_from_config(table: Mapping[str, Any], *, source: str = "<config>",
                        environ: Mapping[str, str] | None = None) -> list[Mirror]:  # fmt: skip
    """Mirrors from a `[ledger]` table (its `[[ledger.mirror]]` entries); ConfigError names what is wrong."""
    return mirrors_from_specs(config.parse_ledger(table, source).mirrors, environ)
