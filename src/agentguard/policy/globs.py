"""Path globs for policies: `**` crosses directories, `*` and `?` do not.

A pattern that is not anchored (`*.db`, `**/.env`) matches at any directory depth, as .gitignore does.
Placeholders are substituted before compiling: `~` (home), `$PROJECT`, `$STATE`, `$CONFIG`, `$TMPDIR`,
`$INSTALL` (agentguard's own virtualenv, or its package).

The hook runs in a fresh process per tool call, and compiling a policy's ~150 path globs to regexes took
~25 ms there. So a pattern set is compiled once into plain string tests for the shapes policies use
(`/a/b`, `/a/**`, `/a/*`, `/dev/sd*`, `*.db`, `id_rsa*`, `.env`, `**/x/**`); only other shapes become a regex,
and only when a path gets past the string tests. The regex (`compile_glob`) stays the definition: the string
tests give exactly its answers (tests/policy/test_glob_sets.py checks that), and a path with a newline in it
always goes to the regex, whose `.` and `$` treat newlines specially.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

WILDCARDS = frozenset("*?[")


def expand(pattern: str, places: Mapping[str, str]) -> str:
    if pattern == "~" or pattern.startswith("~/"):
        pattern = places["HOME"] + pattern[1:]
    for name, value in places.items():
        pattern = pattern.replace("$" + name, value.rstrip("/") or "/")
    return pattern


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/")
    body = pattern.rstrip("/") or "/"
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif ch == "*":
            out.append("[^/]*")
            i += 1
        elif ch == "?":
            out.append("[^/]")
            i += 1
        elif ch == "[":
            end = body.find("]", i + 1)
            if end == -1:
                out.append(re.escape(ch))
                i += 1
            else:
                inner = body[i + 1 : end].replace("\\", "\\\\")
                out.append("[" + ("^" + inner[1:] if inner.startswith("!") else inner) + "]")
                i = end + 1
        else:
            out.append(re.escape(ch))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile("^" + prefix + "".join(out) + "$")


def fixed_prefix(pattern: str) -> str:
    """The absolute folder path before a pattern's first wildcard (`~/.claude/**` -> `~/.claude`); "" for a
    pattern that starts with one (`**/.claude/settings.json` could be anywhere)."""
    cut = min((i for i, c in enumerate(pattern) if c in WILDCARDS), default=len(pattern))
    fixed = pattern[:cut]
    if cut < len(pattern):
        fixed = fixed.rpartition("/")[0]
    return fixed if fixed.startswith("/") and fixed != "/" else ""


def _literal(text: str) -> bool:
    return not WILDCARDS.intersection(text)


class _Builder:
    """Accumulates a pattern set's string tests while it is being compiled.

    Plain classes, not dataclasses, here: creating a dataclass costs the hook ~0.6 ms at import."""

    __slots__ = ("dir_inside", "dir_starts", "exact", "name_ends", "name_starts", "names", "one_level",
                 "prefixes", "regex", "suffixes")  # fmt: skip

    def __init__(self) -> None:
        self.exact: set[str] = set()
        self.prefixes: list[str] = []  # path starts with it (anchored `/a/**`)
        self.one_level: list[str] = []  # path starts with it and the rest has no `/` (anchored `/a/*`, `/dev/sd*`)
        self.suffixes: list[str] = []  # path ends with it (unanchored literal with a `/`: `a/b`)
        self.names: set[str] = set()  # basename equals it (unanchored literal: `.env`)
        self.name_ends: list[str] = []  # basename ends with it (`*.db`)
        self.name_starts: list[str] = []  # basename starts with it (`id_rsa*`)
        self.dir_starts: list[str] = []  # path starts with it (unanchored `x/**`: `x/`)
        self.dir_inside: list[str] = []  # path contains it (unanchored `x/**`: `/x/`)
        self.regex: list[str] = []

    def add(self, pattern: str) -> None:
        anchored = pattern.startswith("/")
        body = pattern.rstrip("/") or "/"
        if anchored:
            self._add_anchored(pattern, body)
            return
        while body.startswith("**/"):  # `(?:.*/)?(?:.*/)?x` is `(?:.*/)?x`
            body = body[3:]
        if body.startswith("/"):  # `**//x`: rare enough for the regex
            self.regex.append(pattern)
        elif _literal(body):
            self.exact.add(body) if "/" in body else self.names.add(body)
            if "/" in body:
                self.suffixes.append("/" + body)
        elif body.startswith("*") and _literal(body[1:]) and "/" not in body:
            self.name_ends.append(body[1:])
        elif body.endswith("*") and not body.endswith("**") and _literal(body[:-1]) and "/" not in body:
            self.name_starts.append(body[:-1])
        elif body.endswith("/**") and _literal(body[:-3]) and body[:-3]:
            self.dir_starts.append(body[:-2])
            self.dir_inside.append("/" + body[:-2])
        else:
            self.regex.append(pattern)

    def _add_anchored(self, pattern: str, body: str) -> None:
        if _literal(body):
            self.exact.add(body)
        elif body.endswith("/**") and _literal(body[:-3]):
            self.prefixes.append(body[:-2])
        elif body.endswith("*") and not body.endswith("**") and _literal(body[:-1]):
            self.one_level.append(body[:-1])
        else:
            self.regex.append(pattern)


class GlobSet(NamedTuple):
    """A compiled set of globs: `matches(path)` is true when any of them matches, as `compile_glob` would."""

    patterns: tuple[str, ...]
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    one_level: tuple[str, ...]
    suffixes: tuple[str, ...]
    names: frozenset[str]
    name_ends: tuple[str, ...]
    name_starts: tuple[str, ...]
    dir_starts: tuple[str, ...]
    dir_inside: tuple[str, ...]
    regex: tuple[str, ...]

    def matches(self, path: str) -> bool:
        if "\n" in path:
            return any(compile_glob(p).match(path) for p in self.patterns)
        if path in self.exact or path.startswith(self.prefixes) or path.endswith(self.suffixes):
            return True
        name = path[path.rfind("/") + 1 :]
        if name in self.names or name.endswith(self.name_ends) or name.startswith(self.name_starts):
            return True
        if path.startswith(self.dir_starts) or any(part in path for part in self.dir_inside):
            return True
        if any(path.startswith(p) and "/" not in path[len(p) :] for p in self.one_level):
            return True
        return any(compile_glob(p).match(path) for p in self.regex)


@lru_cache(maxsize=1024)
def compile_set(patterns: tuple[str, ...]) -> GlobSet:
    b = _Builder()
    for pattern in patterns:
        b.add(pattern)
    return GlobSet(
        patterns, frozenset(b.exact), tuple(b.prefixes), tuple(b.one_level), tuple(b.suffixes),
        frozenset(b.names), tuple(b.name_ends), tuple(b.name_starts), tuple(b.dir_starts), tuple(b.dir_inside),
        tuple(b.regex),
    )  # fmt: skip


def matches(path: str, patterns: Iterable[str]) -> bool:
    if not patterns:
        return False
    return compile_set(patterns if isinstance(patterns, tuple) else tuple(patterns)).matches(path)


def matches_in(path: str, patterns: Iterable[str], root: str) -> bool:
    """`matches`, except that inside `root` (the project) a pattern that is not anchored (`**/.cache/**`,
    `*.pyc`, `build`) looks only at the part of the path below `root`: a project that itself lives in ~/.cache,
    a `build` or an `out` folder is not a cache or build output."""
    if not root or not (path == root or path.startswith(root + "/")):
        return matches(path, patterns)
    anchored, loose = _anchored_and_loose(patterns if isinstance(patterns, tuple) else tuple(patterns))
    return matches(path, anchored) or matches(path[len(root) :] or "/", loose)


@lru_cache(maxsize=256)
def _anchored_and_loose(patterns: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(p for p in patterns if p.startswith("/")), tuple(p for p in patterns if not p.startswith("/"))


def name_matches(value: str, pattern: str) -> bool:
    """`fnmatch.fnmatchcase(value, pattern)` (where `*` crosses everything), without a regex for the shapes
    policies use for kinds, targets and context: `file.*`, `*prod*`, `prod*`, `*x`, literals."""
    inner = pattern.strip("*")
    if _literal(inner):
        starts, ends = pattern.startswith("*"), pattern.endswith("*") and len(pattern) > 1
        if not starts and not ends:
            return value == pattern
        if starts and ends:
            return inner in value
        return value.endswith(inner) if starts else value.startswith(inner)
    import fnmatch

    return fnmatch.fnmatchcase(value, pattern)
