"""Operands to paths: what a command would actually touch on this file system.

Globs are expanded the way bash would (hidden files only when the pattern asks for them, an unmatched pattern
stays literal), and each path is kept both as written-and-normalised and with symlinks resolved, because a
policy must see through a link to the protected file behind it.
"""

from __future__ import annotations

import glob as globmod
import itertools
import os
import re
import stat

from agentguard.analysis.types import Target, Word

MAX_GLOB_MATCHES = 2000
MAX_TEXT_BYTES = 256 * 1024


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
    # `**` comes from find's patterns: crawling a tree (node_modules…) on every tool call costs too much,
    # so the pattern itself is the target and policy matches it like a path.
    matches = [] if "**" in word.glob else _expand_glob(word.glob, base)
    if not matches:
        return [target_of(word.text, absolute(word.text, base), pattern=True)]
    return [target_of(m, absolute(m, base)) for m in matches]


def _expand_glob(pattern: str, cwd: str) -> list[str]:
    try:
        found = globmod.iglob(pattern, root_dir=cwd)
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
