"""The shell builtins that change what later commands do or run code themselves, and shell code run by commands.

Builtins: `cd`/`pushd`/`popd` move the walker's cwd, `eval`/`source`/`.`/`trap` run text as shell code now,
`read` makes variables unknown, `alias` defines aliases, `xargs`/`parallel` run the command they are given.
Shell code: what a shell runs, given as `-c` text, a script file or stdin (and the startup files it sources).
Functions of the `Walker`, named in `BUILTINS` for dispatch.py.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from agentguard.analysis import paths
from agentguard.analysis.types import Invocation, Word
from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from agentguard.analysis.shell import Walker

NETWORK_FETCHERS = frozenset(["curl", "wget", "fetch", "http", "https", "aria2c", "lwp-request", "GET"])
# Tools whose output is shell code that only sets the environment (their documented `eval "$(…)"` use).
ENV_EMITTERS = frozenset(
    """direnv:export ssh-agent pyenv:init rbenv:init nodenv:init goenv:init jenv:init starship:init zoxide:init
    conda:shell.bash conda:shell.zsh brew:shellenv fnm:env mise:activate rtx:activate opam:env dircolors
    keychain:--eval thefuck:--alias pip:completion npm:completion kubectl:completion gh:completion
    helm:completion register-python-argcomplete devbox:shellenv nix:print-dev-env pdm:venv poetry:env""".split()
)
UNKNOWN_ALIAS = "__agentguard_unknown_alias__"
STDIN_FILES = frozenset(["/dev/stdin", "/dev/fd/0", "/proc/self/fd/0", "-"])  # an alias whose text is not known

# ---- shell code -------------------------------------------------------------------------------------


def shell_command(walker: Walker, inv: Invocation) -> list[Effect]:
    """A shell started as a command (`bash -c CODE`, `sh script.sh`, `bash -s`, `… | sh`)."""
    return _startup_files(walker, inv) + _shell_code(walker, inv)


def _startup_files(walker: Walker, inv: Invocation) -> list[Effect]:
    """Files a shell sources before its code: BASH_ENV / ENV, --rcfile / --init-file."""
    settings = dict(inv.assignments)
    words = [Word.literal(settings[k]) for k in ("BASH_ENV", "ENV") if settings.get(k)]
    words += [inv.args[i + 1] for i, w in enumerate(inv.args[:-1]) if w.text in ("--rcfile", "--init-file")]
    return [e for w in words for e in _source(walker, inv.with_words([Word.literal("source"), w]))]


def _shell_code(walker: Walker, inv: Invocation) -> list[Effect]:
    args = inv.args
    script_word: Word | None = None
    i = 0
    while i < len(args):
        text = args[i].text
        # `-o NAME` takes the next word, bundled too (`bash -euo pipefail`).
        if text in ("--rcfile", "--init-file") or (text[:1] in "-+" and text[1:2] != "-" and text[-1:] in "oO"):
            i += 2
            continue
        if text.startswith("-") and "c" in text[1:] and not text.startswith("--"):
            if i + 1 >= len(args):
                return [Effect.unknown("shell -c without a script", inv.source)]
            script_word = args[i + 2] if args[i + 1].text == "--" and i + 2 < len(args) else args[i + 1]
            break
        if text.startswith("-") and not text.startswith("--") and "s" in text[1:]:
            return shell_stdin(walker, inv)  # `bash -s -- ARGS`: code on stdin, the rest are its arguments
        if text.startswith(("-", "+")) and text not in ("-", "--"):
            i += 1
            continue
        if text == "--":
            i += 1
        if i < len(args) and args[i].text in STDIN_FILES:  # `bash -`, `sh /dev/stdin`: the script is stdin
            return shell_stdin(walker, inv)
        return _shell_file(walker, inv, args[i:]) if i < len(args) else shell_stdin(walker, inv)
    if script_word is None:
        return shell_stdin(walker, inv)
    if not script_word.known:
        return [Effect.unknown(f"shell code not known before it runs ({script_word.why})", inv.source)]
    return walker.shell(script_word.text, inv, stdin=inv.stdin)


def _shell_file(walker: Walker, inv: Invocation, rest: Iterable[Word]) -> list[Effect]:
    script_word = next(iter(rest))
    if not script_word.known:
        return [Effect.unknown(f"runs a script whose name is not known ({script_word.why})", inv.source)]
    if script_word.glob is not None:  # `find . | xargs bash`: whichever file comes first runs as a script
        return [Effect.unknown(f"runs files matched at run time ({script_word.text}) as shell scripts", inv.source)]
    if script_word.text.startswith("/dev/fd/") or script_word.text.startswith("/proc/self/fd/"):
        return [Effect.unknown("runs shell code from a process substitution", inv.source)]
    from agentguard.analysis import secrets

    # `bash /etc/shadow`, `sh .env`: each line that is not a command comes back in an error message, whole
    leaked = secrets.read_effects([script_word], inv, f"{inv.name} runs a credential store as a script")
    script = walker.read_text(script_word.text, inv.cwd)
    effects = [Effect.make(Kind.EXEC_PROGRAM, script_word.text, "runs a shell script", source=inv.source), *leaked]
    if script is None:
        return effects if exists(script_word, inv) else [*missing_script(walker, script_word, inv), *leaked]
    return effects + walker.shell(script, inv, stdin=inv.stdin)


def exists(word: Word, inv: Invocation) -> bool:
    found = paths.resolve(word, inv.cwd) if word.known else None
    return bool(found) and all(t.exists for t in found or [])


def missing_script(walker: Walker, word: Word, inv: Invocation) -> list[Effect]:
    """A script that is not there runs nothing, unless this command line makes it first (a download, a
    heredoc, a process substitution): then it runs code nobody can read now."""
    inner = word.text[2:-1].strip() if word.text.startswith("<(") and word.text.endswith(")") else ""
    if inner.split(" ", 1)[0] in NETWORK_FETCHERS:
        return [Effect.make(Kind.EXEC_REMOTE, inner, "runs shell code downloaded from the network",
                            source=inv.source)]  # fmt: skip
    found = paths.resolve(word, inv.cwd) if word.known and not inner else None
    if found is None or any(_written_here(walker, t.path) for t in found):
        return [Effect.unknown(f"runs {word.text}, which cannot be read before it runs", inv.source)]
    return [Effect.make(Kind.EXEC_PROGRAM, word.text, "runs a script that does not exist (nothing runs)",
                        source=inv.source)]  # fmt: skip


def _written_here(walker: Walker, path: str) -> bool:
    """Whether an earlier command of this line writes `path` (or writes somewhere not known)."""
    writes = (Kind.FILE_WRITE, Kind.FILE_OVERWRITE, Kind.FILE_MOVE, Kind.UNKNOWN)
    return any(e.kind in writes and (e.path is None or e.path == path or path.startswith(e.path + "/"))
               for e in walker.effects if e.kind != Kind.UNKNOWN or "path" in e.detail)  # fmt: skip


def shell_stdin(walker: Walker, inv: Invocation) -> list[Effect]:
    return code_from_stdin(inv, "shell", lambda text: walker.shell(text, inv))


def code_from_stdin(inv: Invocation, language: str, analyse: Callable[[str], list[Effect]]) -> list[Effect]:
    """Code an interpreter reads on stdin: analysed when known, else remote or unknown."""
    stdin = inv.stdin
    if stdin.origin == "network":
        return [Effect.make(Kind.EXEC_REMOTE, stdin.path or "network", f"runs {language} code "
                            "downloaded from the network", source=inv.source)]  # fmt: skip
    if stdin.text is not None:
        return analyse(stdin.text)
    if stdin.origin == "none":
        return [Effect.make(Kind.EXEC_PROGRAM, inv.name, f"starts an interactive {language}",
                            source=inv.source)]  # fmt: skip
    return [Effect.unknown(f"runs {language} code from a pipe whose content is not known", inv.source)]


# ---- builtins ---------------------------------------------------------------------------------------


def _cd(walker: Walker, inv: Invocation) -> list[Effect]:
    walker.cwd = _new_dir(walker, inv)
    return []


def _pushd(walker: Walker, inv: Invocation) -> list[Effect]:
    walker.dirs.append(walker.cwd)
    walker.cwd = _new_dir(walker, inv)
    return []


def _popd(walker: Walker, inv: Invocation) -> list[Effect]:
    walker.cwd = walker.dirs.pop() if walker.dirs else None
    return []


def _new_dir(walker: Walker, inv: Invocation) -> str | None:
    operands = [w for w in inv.args if not (w.text.startswith("-") and w.text != "-")]
    if not operands:
        return walker.home
    word = operands[0]
    if not word.known or word.text == "-" or word.glob:
        return None
    if walker.cwd is None and not os.path.isabs(word.text):
        return None
    return paths.absolute(word.text, walker.cwd or "/")


def _eval(walker: Walker, inv: Invocation) -> list[Effect]:
    if not all(w.known for w in inv.args):
        emitter = _env_emitter(inv.args)
        if emitter is not None:
            return [Effect.make(Kind.EXEC_PROGRAM, emitter, "loads environment settings printed by",
                                source=inv.source)]  # fmt: skip
        why = next(w.why for w in inv.args if not w.known)
        return [Effect.unknown(f"eval of text not known before it runs ({why})", inv.source)]
    tree_text = " ".join(w.text for w in inv.args if w.text != "--")
    if walker.too_deep:
        return [Effect.unknown("eval nested too deeply to follow", inv.source)]
    saved = walker.effects
    walker.effects = []
    try:
        walker.depth += 1
        return walker.walk_script(tree_text, inv.stdin)
    finally:
        walker.depth -= 1
        walker.effects = saved


def _env_emitter(args: tuple[Word, ...]) -> str | None:
    """`eval "$(direnv export bash)"` and its kin: one substitution of a tool that prints only settings."""
    if len(args) != 1:
        return None
    match = re.fullmatch(r'"?(?:\$\(|`)\s*([^()`;|&<>$]*?)\s*(?:\)|`)"?', args[0].text)
    words = match.group(1).split() if match else []
    if not words:
        return None
    name = os.path.basename(words[0])
    keys = {name, f"{name}:{words[1]}" if len(words) > 1 else name}
    return " ".join(words) if keys & ENV_EMITTERS else None


def _source(walker: Walker, inv: Invocation) -> list[Effect]:
    if not inv.args:
        return []
    word = inv.args[0]
    if word.text in STDIN_FILES:  # `. /dev/stdin <<< CODE`, `source /dev/stdin < /dev/tcp/…`: the code is stdin
        return shell_stdin(walker, inv)
    script = walker.read_text(word.text, inv.cwd) if word.known else None
    if script is None:
        if not word.known or not exists(word, inv):
            return missing_script(walker, word, inv)
        return [Effect.make(Kind.EXEC_PROGRAM, word.text, "sources a shell file", source=inv.source)]
    return _eval(walker, inv.with_words([inv.words[0], Word.literal(script)]))


def _trap(walker: Walker, inv: Invocation) -> list[Effect]:
    """`trap 'CODE' EXIT` runs CODE later in this shell: it is judged now."""
    args = [w for w in inv.args if w.text != "--"]
    if not args or args[0].text in ("-l", "-p", "-", ""):
        return []
    return _eval(walker, inv.with_words([inv.words[0], args[0]]))


def _read(walker: Walker, inv: Invocation) -> list[Effect]:
    for word in inv.args:
        if not word.text.startswith("-") and word.text.isidentifier():
            walker.variables[word.text] = None
    return []


def _xargs(walker: Walker, inv: Invocation) -> list[Effect]:
    from agentguard.analysis.xargs import inner_commands

    return [e for inner in inner_commands(inv) for e in walker.run(inner)]


def _alias(walker: Walker, inv: Invocation) -> list[Effect]:
    for word in inv.args:
        if "=" in word.text and not word.text.startswith("-"):
            name, value = word.text.split("=", 1)
            walker.aliases[name] = value if word.known else UNKNOWN_ALIAS
    return [Effect.make(Kind.READ, "aliases", "defines or lists aliases", source=inv.source)]


def _hash(walker: Walker, inv: Invocation) -> list[Effect]:
    """`hash -p /bin/mv wipe` makes `wipe` run /bin/mv: an alias by another name. Else it only lists or
    forgets remembered paths."""
    args = [w for w in inv.args if w.text != "--"]
    if args and args[0].text == "-p":
        if len(args) < 3 or not all(w.known for w in args[1:3]):
            return [Effect.unknown("hash -p maps a name to a program not known before it runs", inv.source)]
        walker.aliases[args[2].text] = shlex.quote(args[1].text)
    return [Effect.make(Kind.READ, "hash", "remembers or lists command paths", source=inv.source)]


def _coproc(walker: Walker, inv: Invocation) -> list[Effect]:
    """`coproc CMD`, `coproc NAME { CMD; }`: CMD runs now, in the background. (tree-sitter-bash does not know
    the keyword: it sees `coproc` as a command name and cuts a braced body at its first `;`.)"""
    words = list(inv.args)
    if len(words) > 1 and words[0].text.isidentifier() and words[1].text == "{":
        words = words[1:]
    words = [w for w in words if w.text not in ("{", "}")]
    if not words:
        return [Effect.unknown("coproc with a body that is not a simple command", inv.source)]
    return walker.run(inv.with_words(words))


BUILTINS: dict[str, Callable[[Walker, Invocation], list[Effect]]] = {
    "coproc": _coproc, "hash": _hash,
    "cd": _cd, "pushd": _pushd, "popd": _popd, "eval": _eval, "source": _source, ".": _source, "trap": _trap,
    "read": _read, "xargs": _xargs, "parallel": _xargs, "alias": _alias,
}  # fmt: skip
