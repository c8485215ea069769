"""The shell walker: a bash command line, parsed by tree-sitter-bash, turned into effects.

Every simple command is found wherever it hides (lists, pipelines, subshells, functions, loops, command
substitutions, heredocs fed to shells, `bash -c` strings, `eval` of literals), expanded, unwrapped and handed
to the handler of its family. State that changes what later commands touch is tracked in order: the cwd
(`cd`), variables assigned on the line, and functions defined on it.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shlex
from collections.abc import Callable, Iterable

import tree_sitter
from tree_sitter import Node

from agentguard.analysis import grammar, paths, programs, registry, wrappers
from agentguard.analysis.types import CONTEXT_VARIABLES, Invocation, Stdin, Target, Word
from agentguard.analysis.words import Expander
from agentguard.models import Effect, Kind

MAX_DEPTH = 12
MAX_LOOP_VALUES = 16
SHELLS = frozenset(["sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "fish", "rbash"])
NETWORK_FETCHERS = frozenset(["curl", "wget", "fetch", "http", "https", "aria2c", "lwp-request", "GET"])
DEV_SINKS = frozenset(
    ["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero", "/dev/random", "/dev/urandom"]
)
NO_STDIN = Stdin()
WHICH = re.compile(r'"?(?:\$\(|`)\s*(?:which|command\s+-v|type\s+-P)\s+([A-Za-z0-9][A-Za-z0-9._+-]*)\s*(?:\)|`)"?')
DATE_FORMAT = re.compile(r"(?:%[YmdHMSFTjuVGgyebBaAsz]|[-_.:T0-9A-Za-z])+")
# Tools whose output is shell code that only sets the environment (their documented `eval "$(…)"` use).
ENV_EMITTERS = frozenset(
    """direnv:export ssh-agent pyenv:init rbenv:init nodenv:init goenv:init jenv:init starship:init zoxide:init
    conda:shell.bash conda:shell.zsh brew:shellenv fnm:env mise:activate rtx:activate opam:env dircolors
    keychain:--eval thefuck:--alias pip:completion npm:completion kubectl:completion gh:completion
    helm:completion register-python-argcomplete devbox:shellenv nix:print-dev-env pdm:venv poetry:env""".split()
)


def _parser() -> tree_sitter.Parser:
    return grammar.parser()  # built once; skips tree_sitter_bash's costly __init__


def parse(script: str) -> tree_sitter.Tree:
    return _parser().parse(grammar.shield(script).encode("utf-8", "surrogatepass"))


def _text(node: Node) -> str:
    return grammar.unshield((node.text or b"").decode("utf-8", "replace"))


class Walker:
    """Walks one shell script. Implements the `Context` that command handlers receive."""

    def __init__(
        self,
        *,
        cwd: str | None,
        home: str,
        project_root: str,
        variables: dict[str, str | None],
        functions: dict[str, Node] | None = None,
        depth: int = 0,
        aliases: dict[str, str] | None = None,
    ) -> None:
        self.cwd = cwd
        self.home = home
        self.project_root = project_root
        self.variables = variables
        self.functions = functions if functions is not None else {}
        self.aliases = aliases if aliases is not None else {}
        self.depth = depth
        self.effects: list[Effect] = []
        self._calls: list[str] = []
        self._dirs: list[str | None] = []

    # ---- entry points -------------------------------------------------------------------------------

    def walk_script(self, script: str, stdin: Stdin = NO_STDIN) -> list[Effect]:
        tree = parse(script)
        if tree.root_node.has_error:
            self.effects.append(Effect.unknown(_parse_error(tree.root_node), source=script.strip()))
        self.visit(tree.root_node, stdin)
        return self.effects

    def child(self, cwd: str | None) -> Walker:
        """A walker for a child shell (`bash -c`): it inherits state, but its `cd` does not leak back."""
        return Walker(
            cwd=cwd,
            home=self.home,
            project_root=self.project_root,
            variables=dict(self.variables),
            functions=dict(self.functions),
            depth=self.depth + 1,
            aliases=dict(self.aliases),
        )

    # ---- Context protocol -------------------------------------------------------------------------

    def targets(self, word: Word, cwd: str | None) -> list[Target] | None:
        return paths.resolve(word, cwd)

    def file_effects(
        self, kind: Kind, word: Word, inv: Invocation, detail: str, *, recursive: bool = False
    ) -> list[Effect]:
        found = paths.resolve(word, inv.cwd)
        if found is None:
            why = word.why or ("the working directory is not known" if inv.cwd is None else "empty path")
            return [Effect.unknown(f"{detail}: path not known ({why})", source=inv.source)]
        effects = []
        for t in found:
            if kind == Kind.FILE_DELETE and not t.exists and not t.pattern and self._created_here(t.path):
                effects.append(Effect.make(Kind.FILE_WRITE, t.display, "deletes a file this command line "
                                           "creates (nothing that exists now is lost)", source=inv.source,
                                           path=t.path, real_path=t.real, exists=False))  # fmt: skip
                continue
            # A path that does not exist yet may be a tree by the time this runs: keep the flag for it.
            deep = recursive and (t.is_dir or not t.exists)
            effects.append(Effect.make(
                kind, t.display, detail, source=inv.source, path=t.path, real_path=t.real, recursive=deep,
                is_dir=t.is_dir, exists=t.exists, size=t.size, pattern=t.pattern,
            ))  # fmt: skip
            if t.is_dir and (deep or kind == Kind.FILE_MOVE):
                effects += self._enclosed(kind, t, detail, inv)
        return effects

    def _enclosed(self, kind: Kind, target: Target, detail: str, inv: Invocation) -> list[Effect]:
        """A tree that holds the project or the home directory takes it along: say so, with their paths, so
        that `rm -rf ..` is judged as deleting the project and `rm -rf /home/me/..` as deleting home."""
        out = []
        for place, name in ((self.project_root, "the project"), (self.home, "the home directory")):
            inside = any(place.startswith(p.rstrip("/") + "/") for p in (target.path, target.real))
            if inside:
                out.append(Effect.make(kind, place, f"{detail} {target.display}, which holds {name}",
                                       source=inv.source, path=place, real_path=os.path.realpath(place),
                                       recursive=True, is_dir=True, exists=True))  # fmt: skip
        return out

    def shell(self, script: str, inv: Invocation, *, stdin: Stdin | None = None) -> list[Effect]:
        if self.depth >= MAX_DEPTH:
            return [Effect.unknown("shell code nested too deeply to follow", source=inv.source)]
        return self.child(inv.cwd).walk_script(script, stdin or NO_STDIN)

    def run(self, inv: Invocation) -> list[Effect]:
        if self.depth >= MAX_DEPTH:
            return [Effect.unknown("commands nested too deeply to follow", source=inv.source)]
        return self.dispatch(inv)

    def read_text(self, path: str, cwd: str | None) -> str | None:
        return paths.read_small_text(path, cwd)

    # ---- tree walk ----------------------------------------------------------------------------------

    def visit(self, node: Node, stdin: Stdin = NO_STDIN) -> None:
        method = getattr(self, "_visit_" + node.type, None)
        if method is not None:
            method(node, stdin)
        elif node.type == "ERROR":
            for child in node.named_children:
                self.visit(child, stdin)
        else:
            for child in node.named_children:
                self.visit(child, NO_STDIN)

    def _visit_program(self, node: Node, stdin: Stdin) -> None:
        """A script's commands all read the shell's stdin (`… | sh -c 'psql'`): each may be the one that does."""
        for child in node.named_children:
            self.visit(child, stdin)

    def _visit_comment(self, node: Node, stdin: Stdin) -> None:
        return None

    def _visit_heredoc_body(self, node: Node, stdin: Stdin) -> None:
        return None

    def _visit_subshell(self, node: Node, stdin: Stdin) -> None:
        saved = (self.cwd, dict(self.variables), list(self._dirs))
        for child in node.named_children:
            self.visit(child, stdin)
        self.cwd, self.variables, self._dirs = saved[0], saved[1], saved[2]

    def _visit_pipeline(self, node: Node, stdin: Stdin) -> None:
        self._pipeline([c for c in node.named_children], stdin)

    def _pipeline(self, stages: list[Node], stdin: Stdin) -> None:
        current = stdin
        saved_cwd = self.cwd
        for stage in stages:
            # Each stage of a pipeline runs in its own subshell: a `cd` there does not leak.
            self.cwd = saved_cwd
            self.visit(stage, current)
            current = self._stdout(stage, current)
        self.cwd = saved_cwd

    def _visit_redirected_statement(self, node: Node, stdin: Stdin) -> None:
        body = node.child_by_field_name("body")
        redirects = [c for c in node.children if c.type.endswith("_redirect")]
        piped = [c for r in redirects for c in r.named_children if c.type == "pipeline"]
        if body is not None and body.type == "list" and not piped:
            # tree-sitter hangs `a && b < f` on the whole list; bash gives the redirect to b alone, after a ran.
            *first, last = body.named_children
            for child in first:
                self.visit(child, stdin)
            self.visit(last, self._stdin_from(redirects) or stdin)
            for redirect in redirects:
                self._redirect_effects(redirect, _text(node))
            return
        own_stdin = self._stdin_from(redirects) or stdin
        if body is not None:
            if piped:  # `cat <<EOF | bash`: tree-sitter hangs the pipeline under the heredoc
                stages = [body] + [c for p in piped for c in p.named_children]
                self._pipeline(stages, own_stdin)
            else:
                self.visit(body, own_stdin)
        for redirect in redirects:
            self._redirect_effects(redirect, _text(node))

    def _visit_command(self, node: Node, stdin: Stdin) -> None:
        expander = self._expander()
        assignments: list[tuple[str, str]] = []
        words: list[Word] = []
        redirects: list[Node] = []
        for child in node.named_children:
            if child.type == "variable_assignment":
                name, value = self._assignment(child, expander)
                assignments.append((name, value or ""))
            elif child.type.endswith("_redirect"):
                redirects.append(child)
            elif child.type == "command_name":
                words.extend(expander.expand(c) for c in child.named_children)
            else:
                words.append(expander.expand(child))
        own_stdin = self._stdin_from(redirects) or stdin
        source = _text(node)
        for redirect in redirects:
            self._redirect_effects(redirect, source)
        if not words:
            for name, value in assignments:
                self.variables[name] = value
            return
        inv = Invocation(tuple(words), self.cwd, source, own_stdin, self._environment(assignments))
        self.effects.extend(self.dispatch(inv))

    def _environment(self, prefixes: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """What the command's environment says about where it runs (see Invocation.assignments)."""
        inherited = tuple((name, value) for name in CONTEXT_VARIABLES if (value := self.variables.get(name)))
        return inherited + tuple(prefixes)

    def _visit_variable_assignment(self, node: Node, stdin: Stdin) -> None:
        name, value = self._assignment(node, self._expander())
        self.variables[name] = value

    def _visit_declaration_command(self, node: Node, stdin: Stdin) -> None:
        expander = self._expander()
        for child in node.named_children:
            if child.type == "variable_assignment":
                name, value = self._assignment(child, expander)
                self.variables[name] = value
            elif child.type == "variable_name":
                self.variables.setdefault(_text(child), None)

    def _visit_unset_command(self, node: Node, stdin: Stdin) -> None:
        for child in node.named_children:
            self.variables[_text(child)] = None  # unset: "" at run time, which `rm -rf "$X/"` makes `/`

    def _visit_function_definition(self, node: Node, stdin: Stdin) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("body")
        if name_node is None or body is None:
            return
        name = _text(name_node)
        self.functions[name] = body
        if _is_fork_bomb(name, body):
            self.effects.append(
                Effect.make(Kind.SYSTEM_DESTROY, "processes", "fork bomb: a function that spawns "
                            f"copies of itself ({name})", source=_text(node))
            )  # fmt: skip

    def _visit_for_statement(self, node: Node, stdin: Stdin) -> None:
        var = node.child_by_field_name("variable")
        body = node.child_by_field_name("body")
        values = [c for c in node.children_by_field_name("value")]
        if var is None or body is None:
            return
        items = self._loop_items(values)
        name = _text(var)
        for item in items or [None]:
            self.variables[name] = item
            self.visit(body, stdin)

    def _loop_items(self, values: list[Node]) -> list[str | None]:
        if not values:
            return [None]
        items: list[str | None] = []
        expander = self._expander()
        for node in values:
            word = expander.expand(node)
            found = paths.resolve(word, self.cwd) if word.glob else None
            if not word.known:
                return [None]
            items.extend(t.display for t in found) if found else items.append(word.text)
        return items if len(items) <= MAX_LOOP_VALUES else [None]

    # ---- dispatch -----------------------------------------------------------------------------------

    def dispatch(self, inv: Invocation) -> list[Effect]:
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
        split = self._custom_ifs_split(inv)
        if split is not None:
            return [split]
        if "/" not in first.text and name in self.aliases:
            return self._call_alias(name, inv)
        if "/" not in first.text and name in self.functions:
            return self._call_function(name, inv)
        method = "_builtin_source" if name == "." else "_builtin_" + name.replace("-", "_")
        builtin = getattr(self, method, None) if name.isidentifier() or name == "." else None
        if builtin is not None:
            result: list[Effect] = builtin(inv)
            return result
        text = wrappers.shell_text(inv.words, name)
        if text is not None:
            return self._shell_text(inv, text)
        unwrapped = wrappers.unwrap(inv.words, name)
        if unwrapped is not None:
            return self._unwrapped(inv, unwrapped)
        if name in SHELLS:
            return self._shell_command(inv)
        handler = registry.handler_for(name)
        if handler is not None:  # a command never vanishes: a handler that finds nothing still runs a program
            return list(handler(inv, self)) or [Effect.make(Kind.EXEC_PROGRAM, inv.name, "runs a program",
                                                            source=inv.source)]  # fmt: skip
        return self._program(inv)

    def _shell_text(self, inv: Invocation, found: wrappers.ShellText) -> list[Effect]:
        """Shell code another command runs: `su -c`, `script -c`, `watch`, `ssh host cmd`, `at` …"""
        if not found.known:
            return [Effect.unknown(f"{inv.name} runs shell code not known before it runs ({found.why})", inv.source)]
        if found.text is None:
            return self._shell_stdin(inv)
        if found.remote is None:  # the code reads the same stdin its shell was given (`… | sh -c 'psql'`)
            return self.shell(found.text, inv, stdin=inv.stdin)
        # On another machine: its files are not ours to resolve (cwd unknown), but what the code does is.
        remote = Invocation(inv.words, None, inv.source, inv.stdin, inv.assignments)
        return [_with_context(e, {"host": found.remote}) for e in self.shell(found.text, remote, stdin=inv.stdin)]

    def _unwrapped(self, inv: Invocation, unwrapped: wrappers.Unwrapped) -> list[Effect]:
        if unwrapped.reads_only:
            return [Effect.make(Kind.READ, inv.name, "reports only", source=inv.source)]
        if not unwrapped.words and inv.name in ("sudo", "doas"):  # `sudo -s` / `sudo -i`: a root shell on stdin
            return self._shell_stdin(inv)
        if not unwrapped.words:  # `nohup`, `docker-compose exec web`: runs nothing, or an interactive session
            return [Effect.make(Kind.EXEC_PROGRAM, inv.name, "runs no command of its own", source=inv.source)]
        cwd = inv.cwd
        if unwrapped.chdir is not None:
            cwd = paths.absolute(os.path.expanduser(unwrapped.chdir), cwd) if cwd else None
        inner = Invocation(unwrapped.words, cwd, inv.source, inv.stdin,
                           inv.assignments + unwrapped.assignments)  # fmt: skip
        effects = self.run(inner)
        if unwrapped.context:
            return [_with_context(e, unwrapped.context) for e in effects]
        return effects

    def _program(self, inv: Invocation) -> list[Effect]:
        first = inv.words[0].text
        if "/" in first and not self._exists(inv.words[0], inv):
            return self._missing_script(inv.words[0], inv)  # made by this line (a clone, a download) or nothing
        if "/" in first:
            script = self.read_text(first, inv.cwd)
            if script is not None and _is_shell_script(first, script):
                return [
                    Effect.make(Kind.EXEC_PROGRAM, first, "runs a shell script", source=inv.source),
                    *self.shell(script, inv),
                ]
        kind = programs.classify(inv.name)
        detail = {Kind.READ: "reads", Kind.EXEC_TEST: "runs checks", Kind.EXEC_BUILD: "builds or installs"}
        return [Effect.make(kind, inv.name, detail.get(kind, "runs a program"), source=inv.source)]

    def _custom_ifs_split(self, inv: Invocation) -> Effect | None:
        """With IFS set to other characters, `$cmd` splits where we would not: `IFS=,; c=rm,-rf,x; $c`."""
        ifs = self.variables.get("IFS", " ")
        separators = set(ifs or "") - set(" \t\n") if "IFS" in self.variables else set()
        if ifs is None or any(separators & set(w.text) for w in inv.words):
            return Effect.unknown("words split on a custom IFS are not known before it runs", inv.source)
        return None

    def _builtin_alias(self, inv: Invocation) -> list[Effect]:
        for word in inv.args:
            if "=" in word.text and not word.text.startswith("-"):
                name, value = word.text.split("=", 1)
                self.aliases[name] = value if word.known else "__agentguard_unknown_alias__"
        return [Effect.make(Kind.READ, "aliases", "defines or lists aliases", source=inv.source)]

    def _call_alias(self, name: str, inv: Invocation) -> list[Effect]:
        """An alias is text put in front of the arguments (if aliases are on); it does not expand itself."""
        value = self.aliases[name]
        if value == "__agentguard_unknown_alias__" or not all(w.known for w in inv.args):
            return [Effect.unknown(f"alias {name} expands to text not known before it runs", inv.source)]
        child = self.child(inv.cwd)
        child.depth = self.depth
        del child.aliases[name]
        return child.walk_script(" ".join([value, *(shlex.quote(w.text) for w in inv.args)]), inv.stdin)

    def _call_function(self, name: str, inv: Invocation) -> list[Effect]:
        if name in self._calls or self.depth >= MAX_DEPTH:
            return []  # recursion: the body is being analysed already
        self._calls.append(name)
        saved = self.effects
        self.effects = []
        try:
            self.visit(self.functions[name], inv.stdin)
            return self.effects
        finally:
            self.effects = saved
            self._calls.pop()

    # ---- shells and builtins ------------------------------------------------------------------------

    def _startup_files(self, inv: Invocation) -> list[Effect]:
        """Files a shell sources before its code: BASH_ENV / ENV, --rcfile / --init-file."""
        settings = dict(inv.assignments)
        words = [Word.literal(settings[k]) for k in ("BASH_ENV", "ENV") if settings.get(k)]
        words += [inv.args[i + 1] for i, w in enumerate(inv.args[:-1]) if w.text in ("--rcfile", "--init-file")]
        return [e for w in words for e in self._builtin_source(inv.with_words([Word.literal("source"), w]))]

    def _shell_command(self, inv: Invocation) -> list[Effect]:
        return self._startup_files(inv) + self._shell_code(inv)

    def _shell_code(self, inv: Invocation) -> list[Effect]:
        args = inv.args
        script_word: Word | None = None
        i = 0
        while i < len(args):
            text = args[i].text
            if text in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
                i += 2
                continue
            if text.startswith("-") and "c" in text[1:] and not text.startswith("--"):
                if i + 1 >= len(args):
                    return [Effect.unknown("shell -c without a script", inv.source)]
                script_word = args[i + 1]
                break
            if text.startswith("-") and not text.startswith("--") and "s" in text[1:]:
                return self._shell_stdin(inv)  # `bash -s -- ARGS`: code on stdin, the rest are its arguments
            if text.startswith(("-", "+")) and text not in ("-", "--"):
                i += 1
                continue
            if text == "--":
                i += 1
            return self._shell_file(inv, args[i:]) if i < len(args) else self._shell_stdin(inv)
        if script_word is None:
            return self._shell_stdin(inv)
        if not script_word.known:
            return [Effect.unknown(f"shell code not known before it runs ({script_word.why})", inv.source)]
        return self.shell(script_word.text, inv, stdin=inv.stdin)

    def _shell_file(self, inv: Invocation, rest: Iterable[Word]) -> list[Effect]:
        script_word = next(iter(rest))
        if not script_word.known:
            return [Effect.unknown(f"runs a script whose name is not known ({script_word.why})", inv.source)]
        if script_word.text.startswith("/dev/fd/") or script_word.text.startswith("/proc/self/fd/"):
            return [Effect.unknown("runs shell code from a process substitution", inv.source)]
        script = self.read_text(script_word.text, inv.cwd)
        effects = [Effect.make(Kind.EXEC_PROGRAM, script_word.text, "runs a shell script", source=inv.source)]
        if script is None:
            return effects if self._exists(script_word, inv) else self._missing_script(script_word, inv)
        return effects + self.shell(script, inv, stdin=inv.stdin)

    def _exists(self, word: Word, inv: Invocation) -> bool:
        found = paths.resolve(word, inv.cwd) if word.known else None
        return bool(found) and all(t.exists for t in found or [])

    def _missing_script(self, word: Word, inv: Invocation) -> list[Effect]:
        """A script that is not there runs nothing, unless this command line makes it first (a download, a
        heredoc, a process substitution): then it runs code nobody can read now."""
        inner = word.text[2:-1].strip() if word.text.startswith("<(") and word.text.endswith(")") else ""
        if inner.split(" ", 1)[0] in NETWORK_FETCHERS:
            return [Effect.make(Kind.EXEC_REMOTE, inner, "runs shell code downloaded from the network",
                                source=inv.source)]  # fmt: skip
        found = paths.resolve(word, inv.cwd) if word.known and not inner else None
        if found is None or any(self._written_here(t.path) for t in found):
            return [Effect.unknown(f"runs {word.text}, which cannot be read before it runs", inv.source)]
        return [Effect.make(Kind.EXEC_PROGRAM, word.text, "runs a script that does not exist (nothing runs)",
                            source=inv.source)]  # fmt: skip

    def _created_here(self, path: str) -> bool:
        """Whether an earlier command of this line creates `path` (it does not exist now)."""
        return any(e.kind == Kind.FILE_WRITE and e.path == path and e.exists is False for e in self.effects)

    def _written_here(self, path: str) -> bool:
        """Whether an earlier command of this line writes `path` (or writes somewhere not known)."""
        writes = (Kind.FILE_WRITE, Kind.FILE_OVERWRITE, Kind.FILE_MOVE, Kind.UNKNOWN)
        return any(e.kind in writes and (e.path is None or e.path == path or path.startswith(e.path + "/"))
                   for e in self.effects if e.kind != Kind.UNKNOWN or "path" in e.detail)  # fmt: skip

    def _shell_stdin(self, inv: Invocation) -> list[Effect]:
        return self.code_from_stdin(inv, "shell", lambda text: self.shell(text, inv))

    def code_from_stdin(self, inv: Invocation, language: str, analyse: Callable[[str], list[Effect]]) -> list[Effect]:
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

    def _builtin_cd(self, inv: Invocation) -> list[Effect]:
        self.cwd = self._new_dir(inv)
        return []

    def _builtin_pushd(self, inv: Invocation) -> list[Effect]:
        self._dirs.append(self.cwd)
        self.cwd = self._new_dir(inv)
        return []

    def _builtin_popd(self, inv: Invocation) -> list[Effect]:
        self.cwd = self._dirs.pop() if self._dirs else None
        return []

    def _new_dir(self, inv: Invocation) -> str | None:
        operands = [w for w in inv.args if not (w.text.startswith("-") and w.text != "-")]
        if not operands:
            return self.home
        word = operands[0]
        if not word.known or word.text == "-" or word.glob:
            return None
        if self.cwd is None and not os.path.isabs(word.text):
            return None
        return paths.absolute(word.text, self.cwd or "/")

    def _builtin_eval(self, inv: Invocation) -> list[Effect]:
        if not all(w.known for w in inv.args):
            emitter = _env_emitter(inv.args)
            if emitter is not None:
                return [Effect.make(Kind.EXEC_PROGRAM, emitter, "loads environment settings printed by",
                                    source=inv.source)]  # fmt: skip
            why = next(w.why for w in inv.args if not w.known)
            return [Effect.unknown(f"eval of text not known before it runs ({why})", inv.source)]
        tree_text = " ".join(w.text for w in inv.args if w.text != "--")
        if self.depth >= MAX_DEPTH:
            return [Effect.unknown("eval nested too deeply to follow", inv.source)]
        saved = self.effects
        self.effects = []
        try:
            self.depth += 1
            return self.walk_script(tree_text, inv.stdin)
        finally:
            self.depth -= 1
            self.effects = saved

    def _builtin_source(self, inv: Invocation) -> list[Effect]:
        if not inv.args:
            return []
        word = inv.args[0]
        script = self.read_text(word.text, inv.cwd) if word.known else None
        if script is None:
            if not word.known or not self._exists(word, inv):
                return self._missing_script(word, inv)
            return [Effect.make(Kind.EXEC_PROGRAM, word.text, "sources a shell file", source=inv.source)]
        return self._builtin_eval(inv.with_words([inv.words[0], Word.literal(script)]))

    def _builtin_trap(self, inv: Invocation) -> list[Effect]:
        """`trap 'CODE' EXIT` runs CODE later in this shell: it is judged now."""
        args = [w for w in inv.args if w.text != "--"]
        if not args or args[0].text in ("-l", "-p", "-", ""):
            return []
        return self._builtin_eval(inv.with_words([inv.words[0], args[0]]))

    def _builtin_read(self, inv: Invocation) -> list[Effect]:
        for word in inv.args:
            if not word.text.startswith("-") and word.text.isidentifier():
                self.variables[word.text] = None
        return []

    def _builtin_xargs(self, inv: Invocation) -> list[Effect]:
        from agentguard.analysis.xargs import inner_commands

        return [e for inner in inner_commands(inv) for e in self.run(inner)]

    _builtin_parallel = _builtin_xargs

    # ---- redirections and pipes -------------------------------------------------------------------

    def _stdin_from(self, redirects: list[Node]) -> Stdin | None:
        for redirect in redirects:
            if redirect.type == "heredoc_redirect":
                return self._heredoc(redirect)
            if redirect.type == "herestring_redirect":
                word = self._expander().expand(redirect.named_children[-1])
                return Stdin("literal", word.text + "\n") if word.known else Stdin("pipe")
            if redirect.type == "file_redirect" and _operator(redirect) == "<":
                dest = redirect.child_by_field_name("destination")
                word = self._expander().expand(dest) if dest is not None else Word("", False, "?")
                text = self.read_text(word.text, self.cwd) if word.known else None
                return Stdin("file", text, word.text)
        return None

    def _heredoc(self, redirect: Node) -> Stdin:
        """A heredoc's text, cut from the source between its first line and its delimiter: tree-sitter-bash
        turns a first line that starts with a backslash into stray words and leaves it out of heredoc_body.
        Unquoted, the outer shell expands it first, running every $(…) in it: those are walked here."""
        start = next((c for c in redirect.children if c.type == "heredoc_start"), None)
        end = next((c for c in redirect.children if c.type == "heredoc_end"), None)
        source, base = redirect.text or b"", redirect.start_byte
        first_break = source.find(b"\n", start.end_byte - base if start is not None else 0)
        stop = end.start_byte - base if end is not None else len(source)
        text = source[first_break + 1 : stop] if 0 <= first_break < stop else b""
        delimiter = _text(start) if start is not None else ""
        if not any(q in delimiter for q in "'\"\\"):
            for node in _descendants(redirect, ("command_substitution", "process_substitution")):
                self.visit(node)
        return Stdin("literal", grammar.unshield(text.decode("utf-8", "replace")))

    def _redirect_effects(self, redirect: Node, source: str) -> None:
        if redirect.type != "file_redirect":
            return
        op = _operator(redirect)
        if op not in (">", ">|", "&>", ">>", "&>>", "<>"):
            return
        dest = redirect.child_by_field_name("destination")
        if dest is None:
            return
        word = self._expander().expand(dest)
        if word.known and (word.text in DEV_SINKS or word.text.startswith("/dev/fd/")):
            return
        found = paths.resolve(word, self.cwd)
        if found is None:
            self.effects.append(Effect.unknown(f"writes to a path not known before it runs ({word.why})", source))
            return
        for t in found:
            append = op in (">>", "&>>")
            kind = Kind.FILE_OVERWRITE if t.exists and not append else Kind.FILE_WRITE
            detail = "appends to" if append else ("truncates and overwrites" if t.exists else "creates")
            self.effects.append(
                Effect.make(kind, t.display, detail, source=source, path=t.path, real_path=t.real,
                            is_dir=t.is_dir, exists=t.exists, size=t.size, pattern=t.pattern)
            )  # fmt: skip

    def _stdout(self, stage: Node, stdin: Stdin) -> Stdin:
        """What a pipeline stage writes, as far as can be known without running it."""
        node = stage
        if node.type == "redirected_statement":
            body = node.child_by_field_name("body")
            redirects = [c for c in node.children if c.type.endswith("_redirect")]
            stdin = self._stdin_from(redirects) or stdin
            if body is None:
                return Stdin("pipe")
            node = body
        if node.type != "command":
            return Stdin("pipe")
        words = [self._expander().expand(c) for c in _command_words(node)]
        from agentguard.analysis.stdout import stdout_of

        return stdout_of(words, stdin, self, self.cwd)

    # ---- helpers ------------------------------------------------------------------------------------

    def _expander(self) -> Expander:
        env = dict(self.variables)
        if self.cwd is not None:
            env["PWD"] = self.cwd
        return Expander(env, self.home, self._substitution, self._known_output)

    def _known_output(self, node: Node) -> str | None:
        """What a substitution prints when that is certain beforehand: `$(pwd)` is the cwd, `$(mktemp)` a new
        temp path, `$(date +%F)` the date. (`$(which X)` is only known as a command name: see `dispatch`.)"""
        text = _text(node)
        words = (text[2:-1] if text.startswith("$(") else text[1:-1]).split()
        if words and words[0] == "pwd" and all(w in ("-L", "-P") for w in words[1:]) and self.cwd is not None:
            return os.path.realpath(self.cwd) if "-P" in words else self.cwd
        if words[:1] == ["mktemp"]:
            return self._mktemp_output(words[1:])
        return _date_output(words)

    def _mktemp_output(self, args: list[str]) -> str | None:
        """`$(mktemp)` / `$(mktemp -d)`: a fresh name in the temp dir (the X's stand for random letters)."""
        names = [a for a in args if not a.startswith("-")]
        if any(a not in ("-d", "-q", "-u", "-t", "--directory", "--quiet", "--dry-run") for a in args if
               a.startswith("-")) or len(names) > 1 or any("/" in n for n in names):  # fmt: skip
            return None
        tmpdir = self.variables.get("TMPDIR") or "/tmp"
        return os.path.join(tmpdir, names[0] if names else "tmp.XXXXXXXXXX")

    def _substitution(self, node: Node) -> None:
        saved = (self.cwd, dict(self.variables))
        for child in node.named_children:
            self.visit(child, NO_STDIN)
        self.cwd, self.variables = saved

    def _assignment(self, node: Node, expander: Expander) -> tuple[str, str | None]:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = _text(name_node) if name_node is not None else "?"
        if value_node is None:
            return name, ""
        word = expander.expand(value_node)
        return name, word.text if word.known else None


def _command_words(node: Node) -> list[Node]:
    out: list[Node] = []
    for child in node.named_children:
        if child.type == "command_name":
            out.extend(child.named_children)
        elif child.type != "variable_assignment" and not child.type.endswith("_redirect"):
            out.append(child)
    return out


def _operator(redirect: Node) -> str:
    for child in redirect.children:
        if not child.is_named:
            return child.type
    return ""


def _parse_error(root: Node) -> str:
    def first_error(node: Node) -> Node | None:
        if node.type == "ERROR" or node.is_missing:
            return node
        for child in node.children:
            found = first_error(child)
            if found is not None:
                return found
        return None

    bad = first_error(root)
    where = f" near {_text(bad)[:40]!r}" if bad is not None and _text(bad) else ""
    return f"the command line does not parse as shell{where}"


def _date_output(words: list[str]) -> str | None:
    """`$(date +%F)` in a file name: the time now stands for the time it runs (same shape, same directory).
    Only plain `+FORMAT` (and -u) with a format that cannot make a path separator or a quote."""
    import time

    options = [w for w in words[1:] if w != "-u"]
    if words[:1] != ["date"] or len(options) != 1 or not options[0].startswith("+"):
        return None
    fmt = options[0][1:].strip("'\"")
    if not DATE_FORMAT.fullmatch(fmt):
        return None
    now = time.gmtime() if "-u" in words else time.localtime()
    return str(int(time.time())) if fmt == "%s" else time.strftime(fmt, now)


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


def _is_fork_bomb(name: str, body: Node) -> bool:
    """A function that starts itself more than once per call (`:(){ :|:& }`) multiplies without end."""
    calls = 0
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type == "command":
            name_node = node.child_by_field_name("name")
            if name_node is not None and _text(name_node) == name:
                calls += 1
        stack.extend(node.named_children)
    return calls >= 2 or (calls == 1 and "&" in _text(body))


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


def decode_base64(text: str) -> str | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def _descendants(node: Node, types: tuple[str, ...]) -> list[Node]:
    """The outermost descendants of these types (a $(…) inside one is walked with it)."""
    found: list[Node] = []
    for child in node.named_children:
        if child.type in types:
            found.append(child)
        else:
            found.extend(_descendants(child, types))
    return found
