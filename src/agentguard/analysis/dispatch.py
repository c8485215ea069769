"""What one simple command does, once its words are expanded.

In bash's order: an alias, a function defined on the line, a builtin; then wrappers that run shell code
(`su -c`, `ssh host cmd`) or another command (`sudo`, `env`, `timeout`), shells, the handler of the command's
family, and last any other program (a shell script named by path is read and walked).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shlex
from typing import TYPE_CHECKING

from agentguard.analysis import paths, programs, registry, secrets, wrappers
from agentguard.analysis.shell_builtins import (
    BUILTINS,
    UNKNOWN_ALIAS,
    exists,
    missing_script,
    shell_command,
    shell_stdin,
)
from agentguard.analysis.types import Invocation, Word
from agentguard.analysis.watch import (
    AGENT_CLIS,
    ENVIRONMENT_DUMPS,
    EX_EDITORS,
    FETCHERS,
    INTERPRETERS,
    NETWORKED,
    PROBES,
    READERS,
    RUNNERS,
)
from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from tree_sitter import Node

    from agentguard.analysis.shell import Walker

SHELLS = frozenset(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "fish", "rbash"])
WHICH = re.compile(r'"?(?:\$\(|`)\s*(?:which|command\s+-v|type\s+-P)\s+([A-Za-z0-9][A-Za-z0-9._+-]*)\s*(?:\)|`)"?')


def command(walker: Walker, inv: Invocation) -> list[Effect]:
    """Effects of one simple command, after unwrapping wrappers and shells."""
    if not inv.words:
        return []
    effects = _command(walker, inv)
    if not inv.words[0].known:
        return effects
    if inv.name in RUNNERS:
        effects += _runs_a_download(walker, inv)
    # The checks below import their modules only for the commands they concern (see watch.py).
    if inv.name in READERS or inv.name == "git":
        from agentguard.analysis import secrets

        effects += secrets.git_staging(inv) if inv.name == "git" else secrets.reader_effects(inv)
    if inv.name in NETWORKED:
        effects += _network(walker, inv)
    if inv.name in INTERPRETERS or inv.name in EX_EDITORS:
        from agentguard.analysis import code_scan

        effects += code_scan.scan(inv, walker) if inv.name in INTERPRETERS else []
        effects += [e for code in code_scan.embedded_shell(inv) for e in walker.shell(code, inv)]
    runs_something = [w for w in inv.args if w.text[:1] != "-" or w.text.startswith(("-S", "--split-string"))]
    if inv.name in ENVIRONMENT_DUMPS and not runs_something:
        effects.append(Effect.make(Kind.READ, "environment", "prints every environment variable (tokens among them)",
                                   source=inv.source, context={"holds_secret": "the environment"}))  # fmt: skip
    return effects


def _runs_a_download(walker: Walker, inv: Invocation) -> list[Effect]:
    """`wget -O x.py URL && python3 x.py`, `curl -o p.ps1 URL; pwsh -File p.ps1`, `… && sudo dpkg -i x.deb`: a file
    an earlier command of this line downloaded, given to a program that runs or installs it, is remote code."""
    fetched = {e.path for e in walker.effects if e.path and e.kind in (Kind.FILE_WRITE, Kind.FILE_OVERWRITE)
               and os.path.basename(e.source.split(" ", 1)[0]) in FETCHERS}  # fmt: skip
    if not fetched:
        return []
    for word in _run_operands(inv):
        found = paths.resolve(word, inv.cwd) if word.known and not word.text.startswith("-") else None
        hit = next((t.path for t in found or [] if t.path in fetched), None)
        if hit is not None:
            return [Effect.make(Kind.EXEC_REMOTE, hit, f"{inv.name} runs a file downloaded on this line",
                                source=inv.source)]  # fmt: skip
    return []


def _agent_reports(inv: Invocation) -> bool:
    """`claude --version`, `codex --help`, `claude mcp list`, `gemini config get x`: an agent CLI that only reports."""
    texts = [w.text for w in inv.args]
    if not texts:
        return False
    if all(t in ("--version", "-v", "-V", "--help", "-h", "help", "version") for t in texts):
        return True
    operands = [t for t in texts if not t.startswith("-")]
    return len(operands) >= 2 and operands[1] in ("list", "ls", "get", "show", "status") and operands[0] in (
        "mcp", "config", "plugin", "plugins", "auth", "models")  # fmt: skip


def _run_operands(inv: Invocation) -> list[Word]:
    """The operands a runner runs: an installer's every package; an interpreter's script (the word after
    -File/-jar, else its first operand), none when its code is inline or a module (`python3 -m json.tool x`)."""
    if inv.name not in INTERPRETERS and inv.name not in SHELLS and inv.name not in ("java", "dotnet", "wine"):
        return list(inv.args)
    texts = [w.text for w in inv.args]
    if any(
        t in ("-m", "-c", "-e", "-E", "-r", "--eval", "-p", "--print", "-Command", "-EncodedCommand") for t in texts
    ):
        return []
    named = [inv.args[i + 1] for i, t in enumerate(texts[:-1]) if t.lower() in ("-file", "-jar", "-f")]
    return named or [w for w in inv.args if not w.text.startswith("-")][:1]


def _network(walker: Walker, inv: Invocation) -> list[Effect]:
    """What a networked command sends, and the shell code it runs here (`rsync -e CMD`, `-o ProxyCommand=CMD`,
    socat's EXEC address unless joined to the network: that one is a remote shell)."""
    from agentguard.analysis import network

    handler = network.HANDLERS.get(inv.name)
    effects = handler(inv) if handler is not None else []
    if inv.name in PROBES:
        effects += network.contact(inv)
    if any(e.kind == Kind.NETWORK_SHELL for e in effects):
        return effects
    for code in network.local_code(inv):
        effects += walker.shell(code, inv, stdin=inv.stdin)
    return effects


def _command(walker: Walker, inv: Invocation) -> list[Effect]:
    first = inv.words[0]
    located = WHICH.fullmatch(first.text) if not first.known else None
    if located is not None:  # `$(which python3) -m pytest` runs python3, wherever it lives
        inv = inv.with_words([Word.literal(located.group(1)), *inv.words[1:]])
        first = inv.words[0]
    if not first.known:
        return [Effect.unknown(f"the command name is computed at run time ({first.why})", inv.source)]
    if first.glob is not None:  # `/* -D main`, `/usr/bin/r? -rf x`: whatever the pattern matches first runs
        return [Effect.unknown(f"the command name is a pattern ({first.text}): what runs is whatever it matches",
                               inv.source)]  # fmt: skip
    if any(c in first.text for c in " \t\n"):  # `c="agentguard mode"; $c shadow`: the value splits into words
        return walker.run(inv.with_words([*(Word.literal(t) for t in first.text.split()), *inv.words[1:]]))
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
    # `./bash` is a file in this directory (downloaded, maybe), not the system's shell.
    if name in SHELLS and not first.text.startswith("."):
        return shell_command(walker, inv)
    handler = registry.handler_for(name)
    if handler is not None and _only_help(inv, getattr(handler, "__module__", None) or ""):
        return [Effect.make(Kind.READ, inv.name, "prints its help", source=inv.source)]
    if handler is not None:  # a command never vanishes: a handler that finds nothing still runs a program
        return list(handler(inv, walker)) or [Effect.make(Kind.EXEC_PROGRAM, inv.name, "runs a program",
                                                          source=inv.source), *programs.verb_effects(
                                                              Kind.EXEC_PROGRAM, inv)]  # fmt: skip
    return _program(walker, inv)


def _only_help(inv: Invocation, module: str) -> bool:
    """`aws s3 rm --help`, `kubectl delete --help`: a CLI asked for help prints it and does nothing else. Not for
    interpreters and file tools, whose last word may be an argument of the code or script they run."""
    family = module.split(".")[2] if module.count(".") >= 2 else ""
    return bool(inv.args) and inv.args[-1].text == "--help" and family not in ("interpreters", "files")


def _shell_text(walker: Walker, inv: Invocation, found: wrappers.ShellText) -> list[Effect]:
    """Shell code another command runs: `su -c`, `script -c`, `watch`, `ssh host cmd`, `at` …"""
    if not found.known:
        return [Effect.unknown(f"{inv.name} runs shell code not known before it runs ({found.why})", inv.source)]
    if found.text is None:
        return shell_stdin(walker, inv)
    if found.remote is None:  # the code reads the same stdin its shell was given (`… | sh -c 'psql'`)
        return walker.shell(found.text, inv, stdin=inv.stdin)
    # On another machine: its files are not ours to resolve (cwd unknown), but what the code does is; and
    # sending a command (with this side's stdin) to another host is a send in itself.
    remote = Invocation(inv.words, None, inv.source, inv.stdin, inv.assignments)
    from agentguard.analysis import network

    sent = network.send(network.host_of(found.remote), f"runs a command on {found.remote}", inv)
    return [
        sent,
        *(_with_context(e, {"host": found.remote}) for e in walker.shell(found.text, remote, stdin=inv.stdin)),
    ]


def _unwrapped(walker: Walker, inv: Invocation, unwrapped: wrappers.Unwrapped) -> list[Effect]:
    if unwrapped.reads_only:
        return [Effect.make(Kind.READ, inv.name, "reports only", source=inv.source)]
    if not unwrapped.words and inv.name in ("sudo", "doas"):  # `sudo -s` / `sudo -i`: a root shell on stdin
        return shell_stdin(walker, inv)
    if not unwrapped.words:  # `nohup`, `docker-compose exec web`: runs nothing, or an interactive session
        return [Effect.make(Kind.EXEC_PROGRAM, inv.name, "runs no command of its own", source=inv.source)]
    leading = _leading_assignments(unwrapped.words)  # `sudo PAGER=… git log`: sudo sets them, as env does
    if leading:
        unwrapped = dataclasses.replace(unwrapped, words=unwrapped.words[len(leading):],
                                        assignments=unwrapped.assignments + tuple(leading))  # fmt: skip
        if not unwrapped.words:
            return [Effect.make(Kind.READ, inv.name, "only sets variables", source=inv.source)]
    effects: list[Effect] = []
    if unwrapped.assignments:
        from agentguard.analysis import code_variables

        effects = [e for k, v in unwrapped.assignments for e in code_variables.effects_of(walker, k, v, inv)]
    return effects + _run_unwrapped(walker, inv, unwrapped)


def _leading_assignments(words: tuple[Word, ...]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for word in words:
        match = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", word.text, re.DOTALL)
        if match is None:
            break
        found.append((match.group(1), match.group(2) if word.known else ""))
    return found


def _run_unwrapped(walker: Walker, inv: Invocation, unwrapped: wrappers.Unwrapped) -> list[Effect]:
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
    if "command_not_found_handle" in walker.functions and "/" not in first:
        # bash runs this function for any name it cannot find: whether `first` exists is not known here.
        return _call_function(walker, "command_not_found_handle", inv) + _plain_program(walker, inv)
    return _plain_program(walker, inv)


def _plain_program(walker: Walker, inv: Invocation) -> list[Effect]:
    first = inv.words[0].text
    if inv.name in AGENT_CLIS and not _agent_reports(inv):
        return [Effect.unknown(f"starts another coding agent ({inv.name}): its own actions happen outside this "
                               "gate", inv.source)]  # fmt: skip
    if "/" in first and not exists(inv.words[0], inv):
        return missing_script(walker, inv.words[0], inv)  # made by this line (a clone, a download) or nothing
    if "/" in first:
        script = walker.read_text(first, inv.cwd)
        if script is not None and _is_shell_script(first, script):
            return [
                Effect.make(Kind.EXEC_PROGRAM, first, "runs a shell script", source=inv.source),
                *walker.shell(script, inv),
            ]
    if inv.name == "fzf":
        actions = programs.fzf_actions(inv)
        if actions:
            return [e for code in actions for e in walker.shell(code, inv)]
    if "/" in first and inv.cwd is not None and walker.agent_wrote(paths.absolute(first, inv.cwd)):
        return [
            Effect.unknown(f"runs {first}, which the agent wrote in this session: not readable as code", inv.source)
        ]
    kind = programs.classify(inv.name)
    detail = {Kind.READ: "reads", Kind.EXEC_TEST: "runs checks", Kind.EXEC_BUILD: "builds or installs"}
    effects = [Effect.make(kind, inv.name, detail.get(kind, "runs a program"), source=inv.source)]
    if kind == Kind.EXEC_PROGRAM:  # a program nobody modelled, handed a credential store: it may print or send it
        effects += secrets.read_effects(inv.args, inv, f"{inv.name} is given a credential store")
    return effects + programs.verb_effects(kind, inv)


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
    if name in walker.calls:  # recursion: the body is being analysed already
        cycle = walker.calls[walker.calls.index(name) :]
        if any(_backgrounds(walker.functions[f]) for f in cycle):  # `a(){ b & }; b(){ a; }; a`
            return [Effect.make(Kind.SYSTEM_DESTROY, "processes", "fork bomb: functions that call each other "
                                f"in the background ({' -> '.join([*cycle, name])})", source=inv.source)]  # fmt: skip
        return []
    if walker.too_deep:
        return []
    walker.calls.append(name)
    walker.local_frames.append({})
    saved = walker.effects
    walker.effects = []
    try:
        walker.visit(walker.functions[name], inv.stdin)
        return walker.effects
    finally:
        walker.effects = saved
        walker.calls.pop()
        walker.return_from_function()


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


def _backgrounds(body: Node) -> bool:
    """Whether a function body starts a background job (a `&` that is not part of `&&`)."""
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "&":
            return True
        stack.extend(node.children)
    return False
