"""A plan file read as a scope: the list items under a heading that names files and under one that names
commands. Everything else in the plan is prose for the human.

    ## Files
    - src/app.py
    - `src/utils/`          (a trailing slash: everything below)
    ## Commands
    - `pytest -q`
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(.*?)\s*$")


@dataclass(frozen=True, slots=True)
class PlanScope:
    """What a plan file names: the paths it may write and the commands it may run, with the file's hash."""

    path: str  # the plan file
    sha256: str  # of its bytes, as approved
    files: tuple[str, ...]  # absolute; a trailing "/" means the directory and everything below
    commands: tuple[str, ...]  # exact command lines


def read_plan(path: str, project_root: str) -> PlanScope:
    with open(path, "rb") as handle:
        data = handle.read()
    text = data.decode("utf-8")
    files, commands = _sections(text)
    return PlanScope(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        files=tuple(_absolute(f, project_root) for f in files),
        commands=tuple(commands),
    )


def _sections(text: str) -> tuple[list[str], list[str]]:
    files: list[str] = []
    commands: list[str] = []
    into: list[str] | None = None
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        heading = None if fenced else _HEADING.match(line)
        if heading:
            title = heading.group(1).lower()
            into = files if re.search(r"\bfiles?\b|\bpaths?\b", title) else (
                commands if re.search(r"\bcommands?\b", title) else None)  # fmt: skip
            continue
        item = _ITEM.match(line)
        if into is not None and item and not fenced:
            value = _unquote(item.group(1))
            if value:
                into.append(value)
    return files, commands


def _unquote(text: str) -> str:
    """`- `src/app.py` (the entry point)` → src/app.py: the first code span when there is one."""
    span = re.search(r"`([^`]+)`", text)
    return (span.group(1) if span else text).strip()


def _absolute(path: str, project_root: str) -> str:
    directory = path.endswith("/")
    full = os.path.normpath(os.path.join(project_root, os.path.expanduser(path)))
    return full + "/" if directory else full


def covers_path(scope_files: tuple[str, ...], path: str) -> bool:
    target = os.path.normpath(path)
    for allowed in scope_files:
        if allowed.endswith("/"):
            if target == allowed.rstrip("/") or target.startswith(allowed):
                return True
        elif target == allowed:
            return True
    return False
