"""The file system as a later command of the same line (or script) will see it.

`ln -s .agentic-qe/memory.db n && : > n` truncates the database: the link does not exist when the gate looks,
but it will when `: >` runs. Commands that make one name stand for other data mark their effect with
`stands_for` (a link's target: the data behind the new name), and a move with `moved_to` (its destination
then holds the source's data). A later operand under such a name resolves to the data behind it, so policy
judges, and protect.py saves, what will really be touched.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable

from agentguard.analysis.paths import target_of
from agentguard.analysis.types import Target
from agentguard.models import Effect, Kind

STANDS_FOR = "stands_for"
MOVED_TO = "moved_to"


def names(effects: Iterable[Effect]) -> dict[str, str]:
    """Path made on the line -> the absolute path of the data it stands for (later entries win)."""
    found: dict[str, str] = {}
    for effect in effects:
        behind = effect.ctx(STANDS_FOR)
        if behind and effect.path:
            found[effect.path] = follow(behind, found)
        moved = effect.ctx(MOVED_TO)
        if moved:
            found[moved] = follow(effect.real_path or effect.path or moved, found)
    return found


def follow(path: str, made: dict[str, str]) -> str:
    """`path` with a name made earlier on the line (itself, or a directory above it) replaced by its data."""
    probe = path
    while probe not in made:
        parent = os.path.dirname(probe)
        if parent == probe:
            return path
        probe = parent
    return os.path.normpath(made[probe] + path[len(probe) :])


def view(targets: list[Target] | None, made: dict[str, str]) -> list[Target] | None:
    """Targets as the line will see them: a name made earlier on it resolves to the data behind it."""
    if targets is None or not made:
        return targets
    out = []
    for t in targets:
        behind = follow(t.path, made)
        if behind == t.path:
            out.append(t)
            continue
        seen = target_of(t.display, behind)
        out.append(dataclasses.replace(seen, path=t.path, real=seen.real, pattern=t.pattern))
    return out


def written(effects: Iterable[Effect], path: str) -> bool:
    """Whether an effect on the line writes `path`, moves a file onto it or makes it a link."""
    changing = (Kind.FILE_WRITE, Kind.FILE_OVERWRITE)
    return any((e.kind in changing and path in (e.path, e.real_path)) or e.ctx(MOVED_TO) == path for e in effects)


def mark(effects: list[Effect], key: str, value: str) -> list[Effect]:
    return [dataclasses.replace(e, context=tuple(sorted((*e.context, (key, value))))) for e in effects]
