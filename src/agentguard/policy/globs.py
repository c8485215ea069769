"""Path globs for policies: `**` crosses directories, `*` and `?` do not.

A pattern that is not anchored (`*.db`, `**/.env`) matches at any directory depth, as .gitignore does.
Placeholders are substituted before compiling: `~` (home), `$PROJECT`, `$STATE`, `$CONFIG`, `$TMPDIR`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache


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


def matches(path: str, patterns: Iterable[str]) -> bool:
    return any(compile_glob(p).match(path) for p in patterns)
