"""What one simple command does, once its words are expanded.

In bash's order: an alias, a function defined on the line, a builtin; then wrappers that run shell code
(`su -c`, `ssh host cmd`) or another command (`sudo`, `env`, `timeout`), shells, the handler of the command's
family, and last any other program (a shell script named by path is read and walked).
"""

from __future__ import annotations

import os
import re
import shlex
from typing import TYPE_CHECKING

from agentguard.analysis import paths, programs, registry, wrappers
from agentguard.analysis.shell_builtins import (
    BUILTINS,
    UNKNOWN_ALIAS,
    exists,
    missing_script,
    shell_command,
    shell_stdin,
)
from agentguard.analysis.types import Invocation, Word
from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from agentguard.analysis.shell import Walker

SHELLS = frozenset(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "fish", "rbash"])
WHICH = re.compile(r'"?(?:\$\(|`)\s*(?:which|command\s+-v|type\s+-P)\s+([A-Za-z0-9][A-Za-z0-9._+-]*)\s*(?:\)|`)"?')


def command(walker: Walker, inv: Invocation) -> list[Effect]:
    """Effects of one simple command, after unwrapping wrappers and shells."""
    if not inv.words:
        return []
    first = inv.words[0]
    located = WHICH.fullmatch(first.text) if not first.known else None
    if located is not None:  # `$(which python3) -m pytest` runs python3, wherever it lives
        inv = inv.with_words([Word.literal(located.group(1)), *inv.words[1:]])
        first = inv.words[0]
    if not first.known:
        return [Effect.unknown(f"the command name is computed at run time ({first.why})", inv.source)]
    name = inv.name
    split = _custom_ifs_split(walker, inv)
    if split is not None:
        return [split]
    if "/" not in first.text and name in walker.aliases:
        return _call_alias(walker, name, inv)
    if "/" not in first.text and name in walker.functions:
        return _call_function(walker, name, inv)
    builtin = BUILTINS.get(name)
    if builtin is not None:
        return builtin(walker, inv)
    text = wrappers.shell_text(inv.words, name)
    if text is not None:
        return _shell_text(walker, inv, text)
    unwrapped = wrappers.unwrap(inv.words, name)
    if unwrapped is not None:
        return _unwrapped(walker, inv, unwrapped)
    if name in SHELLS:
        return shell_command(walker, inv)
    handler = registry.handler_for(name)
    if handler is not None:  # a command never vanishes: a handler that finds nothing still runs a program
        return list(handler(inv, walker)) or [Effect.make(Kind.EXEC_PROGRAM, inv.name, "runs a program",
                                                          source=inv.source)]  # fmt: skip
    return _program(walker, inv)


def _shell_text(walker: Walker, inv: Invocation, found: wrappers.ShellText) -> list[Effect]:
    """Shell code another command runs: `su -c`, `script -c`, `watch`, `ssh host cmd`, `at` …"""
    if not found.known:
        return [Effect.unknown(f"{inv.name} runs shell code not known before it runs ({found.why})", inv.source)]
    if found.text is None:
        return shell_stdin(walker, inv)
    if found.remote is None:  # the code reads the same stdin its shell was given (`… | sh -c 'psql'`)
        return walker.shell(found.text, inv, stdin=inv.stdin)
    # On another machine: its files are not ours to resolve (cwd unknown), but what the code does is.
    remote = Invocation(inv.words, None, inv.source, inv.stdin, inv.assignments)
    return [_with_context(e, {"host": found.remote}) for e in walker.shell(found.text, remote, stdin=inv.stdin)]


def _unwrapped(walker: Walker, inv: Invocation, unwrapped: wrappers.Unwrapped) -> list[Effect]:
    if unwrapped.reads_only:
        return [Effect.make(Kind.READ, inv.name, "reports only", source=inv.source)]
    if not unwrapped.words and inv.name in ("sudo", "doas"):  # `sudo -s` / `sudo -i`: a root shell on stdin
        return shell_stdin(walker, inv)
    if not unwrapped.words:  # `nohup`, `docker-compose exec web`: runs nothing, or an interactive session
        return [Effect.make(Kind.EXEC_PROGRAM, inv.name, "runs no command of its own", source=inv.source)]
    cwd = inv.cwd
    if unwrapped.chdir is not None:
        cwd = paths.absolute(os.path.expanduser(unwrapped.chdir), cwd) if cwd else None
    inner = Invocation(unwrapped.words, cwd, inv.source, inv.stdin,
                       inv.assignments + unwrapped.assignments)  # fmt: skip
    effects = walker.run(inner)
    if unwrapped.context:
        return [_with_context(e, unwrapped.context) for e in effects]
    return effects


def _program(walker: Walker, inv: Invocation) -> list[Effect]:
    first = inv.words[0].text
    if "/" in first and not exists(inv.words[0], inv):
        return missing_script(walker, inv.words[0], inv)  # made by this line (a clone, a download) or nothing
    if "/" in first:
        script = walker.read_text(first, inv.cwd)
        if script is not None and _is_shell_script(first, script):
            return [
                Effect.make(Kind.EXEC_PROGRAM, first, "runs a shell script", source=inv.source),
                *walker.shell(script, inv),
            ]
    if "/" in first and inv.cwd is not None and walker.agent_wrote(paths.absolute(first, inv.cwd)):
        return [
            Effect.unknown(f"runs {first}, which the agent wrote in this session: not readable as code", inv.source)
        ]
    kind = programs.classify(inv.name)
    detail = {Kind.READ: "reads", Kind.EXEC_TEST: "runs checks", Kind.EXEC_BUILD: "builds or installs"}
    return [Effect.make(kind, inv.name, detail.get(kind, "runs a program"), source=inv.source)]


def _custom_ifs_split(walker: Walker, inv: Invocation) -> Effect | None:
    """With IFS set to other characters, `$cmd` splits where we would not: `IFS=,; c=rm,-rf,x; $c`."""
    ifs = walker.variables.get("IFS", " ")
    separators = set(ifs or "") - set(" \t\n") if "IFS" in walker.variables else set()
    if ifs is None or any(separators & set(w.text) for w in inv.words):
        return Effect.unknown("words split on a custom IFS are not known before it runs", inv.source)
    return None


def _call_alias(walker: Walker, name: str, inv: Invocation) -> list[Effect]:
    """An alias is text put in front of the arguments (if aliases are on); it does not expand itself."""
    value = walker.aliases[name]
    if value == UNKNOWN_ALIAS or not all(w.known for w in inv.args):
        return [Effect.unknown(f"alias {name} expands to text not known before it runs", inv.source)]
    child = walker.child(inv.cwd)
    child.depth = walker.depth
    del child.aliases[name]
    return child.walk_script(" ".join([value, *(shlex.quote(w.text) for w in inv.args)]), inv.stdin)


def _call_function(walker: Walker, name: str, inv: Invocation) -> list[Effect]:
    if name in walker.calls or walker.too_deep:
        return []  # recursion: the body is being analysed already
    walker.calls.append(name)
    saved = walker.effects
    walker.effects = []
    try:
        walker.visit(walker.functions[name], inv.stdin)
        return walker.effects
    finally:
        walker.effects = saved
        walker.calls.pop()


def _is_shell_script(path: str, text: str) -> bool:
    first = text.split("\n", 1)[0]
    if first.startswith("#!"):
        return any(sh in first for sh in ("sh", "bash", "zsh", "dash", "ksh"))
    return path.endswith(".sh")


def _with_context(effect: Effect, extra: dict[str, str]) -> Effect:
    merged = dict(effect.context)
    for key, value in extra.items():
        merged.setdefault(key, value)
    return Effect.make(
        effect.kind, effect.target, effect.detail, context=merged, source=effect.source,
        path=effect.path, real_path=effect.real_path, recursive=effect.recursive,
        is_dir=effect.is_dir, exists=effect.exists, size=effect.size, pattern=effect.pattern,
    )  # fmt: skip
