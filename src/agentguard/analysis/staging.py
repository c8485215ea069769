"""Scripts written on the command line: `echo 'rm -rf /' > clean.sh` stages a payload for later.

Writing a file is judged by where it goes; what a shell script *says* matters too, because the next call (or a
hook, a cron job, a CI step) runs it. When the text a command prints into a script is known (echo, printf, cat
of a heredoc or here-string, also through `bash -c "echo …"` and wrappers such as timeout or nice), it is
analysed as shell code; if running it would wreck the machine, its data or the guard, writing it is
`exec.mutate` (asked). Ordinary scripts (`echo 'npm test' > ci.sh`, `rm -rf build`) stay plain writes.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentguard.analysis import wrappers
from agentguard.analysis.paths import DEV_SINKS
from agentguard.analysis.stdout import stdout_of
from agentguard.analysis.types import Stdin, Word
from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from agentguard.analysis.shell import Walker

SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh", ".command", ".bashrc", ".zshrc", ".profile")
SEVERE = frozenset({Kind.SYSTEM_DESTROY, Kind.GUARD_TAMPER, Kind.NETWORK_SHELL, Kind.NETWORK_EXFILTRATE,
                    Kind.EXEC_REMOTE})  # fmt: skip
FILE_KINDS = frozenset({Kind.FILE_DELETE, Kind.FILE_OVERWRITE, Kind.FILE_MOVE, Kind.FILE_PERMS})
SYSTEM_DIRS = frozenset(
    "/ /etc /usr /bin /sbin /lib /lib64 /boot /var /home /root /opt /srv /sys /proc /dev /System /Users".split()
)


def is_script(path: str) -> bool:
    return path.endswith(SCRIPT_SUFFIXES)


def printed_text(words: Sequence[Word], stdin: Stdin, walker: Walker, depth: int = 0) -> str | None:
    """What a command prints when it is known: echo/printf/cat, through wrappers and `sh -c 'echo …'`."""
    if not words or not words[0].known or depth > 4:
        return None
    name = os.path.basename(words[0].text)
    unwrapped = wrappers.unwrap(words, name)
    if unwrapped is not None and unwrapped.words:
        return printed_text(unwrapped.words, stdin, walker, depth + 1)
    from agentguard.analysis.dispatch import SHELLS

    if name in SHELLS:
        code = _shell_code(words) or stdin.text  # `bash <<< 'echo x'`: the code comes on stdin
        if code is None:
            return None
        stdin = Stdin()
        try:
            inner = [Word.literal(t) for t in shlex.split(code)]
        except ValueError:
            return None
        return printed_text(inner, stdin, walker, depth + 1) if ";" not in code and "|" not in code else None
    found = stdout_of(words, stdin, walker, walker.cwd)
    return found.text if found.origin in ("literal", "file") else None


def _shell_code(words: Sequence[Word]) -> str | None:
    for i, word in enumerate(words[1:-1], 1):
        if word.text.startswith("-") and not word.text.startswith("--") and "c" in word.text[1:]:
            return words[i + 1].text if words[i + 1].known else None
    return None


def staged(walker: Walker, text: str, path: str, source: str) -> list[Effect]:
    """`exec.mutate` when the script text, run, would do something severe; else nothing."""
    child = walker.child(walker.cwd)
    child.depth = walker.depth + 1
    if walker.too_deep:
        return []
    effects = child.walk_script(text)
    worst = next((e for e in effects if _severe(e, walker.home)), None)
    if worst is None:
        return []
    return [Effect.make(Kind.EXEC_MUTATE, path, f"writes a script that would {worst.detail} {worst.target}",
                        source=source)]  # fmt: skip


def _severe(effect: Effect, home: str) -> bool:
    if effect.kind in SEVERE:
        return True
    if effect.kind in FILE_KINDS:
        where = (effect.path or "").rstrip("/") or "/"
        device = where.startswith("/dev/") and where not in DEV_SINKS
        return where in SYSTEM_DIRS or where == home.rstrip("/") or device
    return effect.kind.destructive


def check(walker: Walker, words: Sequence[Word], stdin: Stdin, destination: Word, source: str) -> list[Effect]:
    """The staged-script effect of `COMMAND > DESTINATION`, if the destination is a script."""
    if not destination.known or not is_script(destination.text):
        return []
    text = printed_text(words, stdin, walker)
    return staged(walker, text, destination.text, source) if text else []
