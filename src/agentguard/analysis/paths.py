"""Operands to paths: what a command would actually touch on this file system.

Globs are expanded the way bash would (hidden files only when the pattern asks for them, an unmatched pattern
stays literal), and each path is kept both as written-and-normalised and with symlinks resolved, because a
policy must see through a link to the protected file behind it.
"""

from __future__ import annotations

import fnmatch
import glob as globmod
import itertools
import os
import re
import stat
import time

from agentguard.analysis.types import Target, Word

MAX_GLOB_MATCHES = 2000
MAX_TEXT_BYTES = 256 * 1024
# A recursive pattern (`find . -name "*.db"`) is expanded by walking the tree for at most this long; past it,
# the whole tree stands for what it matches, so a protected file in the unwalked part is never missed.
TREE_BUDGET_SECONDS = 0.4


# Devices a write to loses nothing: the null device, the terminal streams.
DEV_SINKS = frozenset(
    ["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero", "/dev/random", "/dev/urandom"]
)


WINDOWS_DRIVE = re.compile(r"^([A-Za-z]):[\\/]")
# A Windows user's temp dir in any case (Windows paths are case-insensitive), as Git Bash (`/c/…`) or WSL
# (`/mnt/c/…`) spell it: written in one case, so the policy's @temp can name it without a regex per letter.
WINDOWS_TEMP = re.compile(r"^(/mnt)?/([a-z])/users/([^/]+)/appdata/local/temp(?=/|$)", re.IGNORECASE)


def absolute(path: str, cwd: str) -> str:
    """`path` made absolute against `cwd`. A Windows path (`C:\\Users\\x`, `C:/Users/x`, as Git Bash passes them
    through) is the drive's MSYS spelling, `/c/Users/x`, so the policy judges it as the place it is."""
    drive = WINDOWS_DRIVE.match(path)
    if drive is not None:
        path = f"/{drive.group(1).lower()}/" + path[3:].replace("\\", "/")
    joined = os.path.normpath(os.path.join(cwd, path))
    temp = WINDOWS_TEMP.match(joined)
    if temp is not None:
        mnt, letter, user = temp.group(1) or "", temp.group(2).lower(), temp.group(3)
        joined = f"{mnt}/{letter}/Users/{user}/AppData/Local/Temp" + joined[temp.end() :]
    return joined


def target_of(display: str, path: str, *, pattern: bool = False) -> Target:
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return Target(display, path, _real(path), exists=False, is_dir=False, size=None, pattern=pattern)
    is_dir = stat.S_ISDIR(info.st_mode) or (stat.S_ISLNK(info.st_mode) and os.path.isdir(path))
    size = info.st_size if stat.S_ISREG(info.st_mode) else None
    return Target(display, path, _real(path), exists=True, is_dir=is_dir, size=size, pattern=pattern)


def _real(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path


def resolve(word: Word, cwd: str | None) -> list[Target] | None:
    """The paths `word` names, or None when its value (or the cwd it is relative to) is unknown."""
    if not word.known or not word.text:
        return None
    if cwd is None and not os.path.isabs(word.text):
        return None
    base = cwd or "/"
    if word.glob is None:
        return [target_of(word.text, absolute(word.text, base))]
    if "**" in word.glob:
        return _resolve_deep(word, base)
    matches = _expand_glob(word.glob, base)
    if not matches:
        return [target_of(word.text, absolute(word.text, base), pattern=True)]
    return [target_of(m, absolute(m, base)) for m in matches]


def _resolve_deep(word: Word, base: str) -> list[Target]:
    """`ROOT/**/NAME` (find's patterns, `**` globs): every match under ROOT, found by walking it within a time
    budget. When the walk cannot finish, the pattern itself is a target too: policy judges it as a path, and
    protect.py looks through the rest of the tree for protected files it matches."""
    assert word.glob is not None
    matches, root = expand_deep(word.glob, base)
    found = [target_of(m, absolute(m, base)) for m in matches]
    if root is not None or not found:
        found.append(target_of(word.text, absolute(word.text, base), pattern=True))
    return found


def expand_deep(pattern: str, cwd: str) -> tuple[list[str], str | None]:
    """The paths a recursive pattern matches now, and the root left unwalked (None when the walk finished)."""
    head, sep, name = pattern.partition("/**/")
    if not sep and pattern.startswith("**/"):
        head, name = ".", pattern[3:]
    if not name or "/" in name or "**" in name or globmod.has_magic(head):
        return _expand_glob(pattern, cwd, recursive=True), None
    deadline = time.monotonic() + TREE_BUDGET_SECONDS
    found: list[str] = []
    stack = [head]
    while stack:
        folder = stack.pop()
        if time.monotonic() > deadline or len(found) > MAX_GLOB_MATCHES:
            return sorted(found), head
        try:
            entries = list(os.scandir(absolute(folder, cwd)))
        except (OSError, ValueError):
            continue
        for entry in entries:
            shown = os.path.join(folder, entry.name) if folder != "." else entry.name
            if fnmatch.fnmatchcase(entry.name, name):
                found.append(shown)
            if entry.is_dir(follow_symlinks=False):
                stack.append(shown)
    return sorted(found), None


def _expand_glob(pattern: str, cwd: str, *, recursive: bool = False) -> list[str]:
    try:
        found = globmod.iglob(pattern, root_dir=cwd, recursive=recursive, include_hidden=recursive)
        return sorted(itertools.islice(found, MAX_GLOB_MATCHES))
    except (OSError, ValueError, RecursionError):
        return []


def read_small_text(path: str, cwd: str | None) -> str | None:
    if cwd is None and not os.path.isabs(path):
        return None
    full = absolute(os.path.expanduser(path), cwd or "/")
    try:
        # Regular files only: /dev/zero, a FIFO or /proc/kmsg report size 0 and never end (or block).
        if not stat.S_ISREG(os.stat(full).st_mode) or os.path.getsize(full) > MAX_TEXT_BYTES:
            return None
        with open(full, "rb") as handle:
            data = handle.read(MAX_TEXT_BYTES + 1)
        return data.decode("utf-8") if len(data) <= MAX_TEXT_BYTES else None
    except (OSError, UnicodeDecodeError, ValueError):
        return None
