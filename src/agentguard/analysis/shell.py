"""The shell walker: a bash command line, parsed by tree-sitter-bash, turned into effects.

Every simple command is found wherever it hides (lists, pipelines, subshells, functions, loops, command
substitutions, heredocs fed to shells, `bash -c` strings, `eval` of literals), expanded, unwrapped and handed
to the handler of its family. State that changes what later commands touch is tracked in order: the cwd
(`cd`), variables assigned on the line, and functions defined on it.

This module holds the walk itself and the `Context` handlers receive; what one simple command does is in
dispatch.py, the shell builtins and shell code that commands run in shell_builtins.py, redirections and pipelines in
pipes.py.
"""

from __future__ import annotations

import os

import tree_sitter
from tree_sitter import Node

from agentguard.analysis import dispatch, grammar, paths, pipes, stdout, watch
from agentguard.analysis.grammar import node_text as _text
from agentguard.analysis.types import CONTEXT_VARIABLES, Invocation, Stdin, Target, Word
from agentguard.analysis.words import Expander
from agentguard.models import Effect, Kind

MAX_DEPTH = 12
MAX_LOOP_VALUES = 16
NO_STDIN = Stdin()


def _parser() -> tree_sitter.Parser:
    return grammar.parser()  # built once; skips tree_sitter_bash's costly __init__


def parse(script: str) -> tree_sitter.Tree:
    return _parser().parse(grammar.shield(script).encode("utf-8", "surrogatepass"))


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
        self.calls: list[str] = []  # functions whose body is being walked (a recursive call is not followed)
        self.dirs: list[str | None] = []  # the pushd stack
        # Words tree-sitter hung on a redirect (`rm -rf >/dev/null /`: `/` is rm's argument, not the file's).
        self.stray_arguments: list[Node] = []
        # Per function call being walked: the values `local` names had before, put back when it returns.
        self.local_frames: list[dict[str, str | None]] = []
        self.unset_before: set[str] = set()
        self.network_fds: dict[str, str] = {}  # descriptors `exec N<>/dev/tcp/…` connected, to their path
        self.agent_files: frozenset[str] = frozenset()  # what the agent wrote this session (agent_writes.py)

    @property
    def too_deep(self) -> bool:
        """Nested shells, evals and calls are followed this far: deeper, what runs is unknown."""
        return self.depth >= MAX_DEPTH

    # ---- entry points -------------------------------------------------------------------------------

    def walk_script(self, script: str, stdin: Stdin = NO_STDIN) -> list[Effect]:
        tree = parse(script)
        if tree.root_node.has_error:
            self.effects.append(Effect.unknown(_parse_error(tree.root_node), source=script.strip()))
        self.visit(tree.root_node, stdin)
        return self.effects

    def child(self, cwd: str | None) -> Walker:
        """A walker for a child shell (`bash -c`): it inherits state, but its `cd` does not leak back."""
        child = Walker(
            cwd=cwd,
            home=self.home,
            project_root=self.project_root,
            variables=dict(self.variables),
            functions=dict(self.functions),
            depth=self.depth + 1,
            aliases=dict(self.aliases),
        )
        child.agent_files = self.agent_files
        return child

    # ---- Context protocol -------------------------------------------------------------------------

    def targets(self, word: Word, cwd: str | None) -> list[Target] | None:
        from agentguard.analysis import line_fs  # links and moves made earlier on the line are followed

        return line_fs.view(paths.resolve(word, cwd), line_fs.names(self.effects))

    def file_effects(
        self, kind: Kind, word: Word, inv: Invocation, detail: str, *, recursive: bool = False
    ) -> list[Effect]:
        found = self.targets(word, inv.cwd)
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

    def _created_here(self, path: str) -> bool:
        """Whether an earlier command of this line creates `path` (it does not exist now)."""
        return any(e.kind == Kind.FILE_WRITE and e.path == path and e.exists is False for e in self.effects)

    def shell(self, script: str, inv: Invocation, *, stdin: Stdin | None = None) -> list[Effect]:
        if self.too_deep:
            return [Effect.unknown("shell code nested too deeply to follow", source=inv.source)]
        return self.child(inv.cwd).walk_script(script, stdin or NO_STDIN)

    def run(self, inv: Invocation) -> list[Effect]:
        if self.too_deep:
            return [Effect.unknown("commands nested too deeply to follow", source=inv.source)]
        return dispatch.command(self, inv)

    def read_text(self, path: str, cwd: str | None) -> str | None:
        return paths.read_small_text(path, cwd)

    def agent_wrote(self, path: str) -> bool:
        return path in self.agent_files or os.path.realpath(path) in self.agent_files

    def written(self, path: str) -> bool:
        from agentguard.analysis import line_fs

        return line_fs.written(self.effects, path)

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
        saved = (self.cwd, dict(self.variables), list(self.dirs))
        for child in node.named_children:
            self.visit(child, stdin)
        self.cwd, self.variables, self.dirs = saved[0], saved[1], saved[2]

    def _visit_pipeline(self, node: Node, stdin: Stdin) -> None:
        pipes.pipeline(self, list(node.named_children), stdin)

    def _visit_redirected_statement(self, node: Node, stdin: Stdin) -> None:
        pipes.redirected_statement(self, node, stdin)

    def _visit_command(self, node: Node, stdin: Stdin) -> None:
        stray, self.stray_arguments = self.stray_arguments, []  # taken before a $(…) inside runs a command
        expander = self.expander()
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
        words.extend(expander.expand(c) for c in stray)
        own_stdin = pipes.stdin_from(self, redirects) or stdin
        source = _text(node)
        for redirect in redirects:
            pipes.redirect_effects(self, redirect, source)
        if not words:
            for name, value in assignments:
                self.variables[name] = value
                self._code_variable(name, value, source)
            return
        inv = Invocation(tuple(words), self.cwd, source, own_stdin, self._environment(assignments))
        if assignments:
            from agentguard.analysis import code_variables

            for name, value in assignments:
                if not value and name in watch.SEARCH_PATHS:
                    value = code_variables.written_value(name, source) or ""
                self.effects.extend(code_variables.effects_of(self, name, value, inv))
        self.effects.extend(dispatch.command(self, inv))

    def _code_variable(self, name: str, value: str | None, source: str) -> None:
        """`export PAGER='sh -c …'`: judged where it is set, since any later program may run it."""
        if name in watch.WATCHED_VARIABLES:
            from agentguard.analysis import code_variables

            inv = Invocation((), self.cwd, source)
            if value is None and name in watch.SEARCH_PATHS:  # `PATH=/tmp/x:$PATH`: its known head
                value = code_variables.written_value(name, source)
            self.effects.extend(code_variables.effects_of(self, name, value, inv))

    def _environment(self, prefixes: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """What the command's environment says about where it runs (see Invocation.assignments)."""
        inherited = tuple((name, value) for name in CONTEXT_VARIABLES if (value := self.variables.get(name)))
        return inherited + tuple(prefixes)

    def _visit_variable_assignment(self, node: Node, stdin: Stdin) -> None:
        name, value = self._assignment(node, self.expander())
        self.variables[name] = value
        self._code_variable(name, value, _text(node))

    def _visit_declaration_command(self, node: Node, stdin: Stdin) -> None:
        expander = self.expander()
        # `declare -n ref=x` (a name reference), -l/-u/-c (case changed on every assignment), -i (arithmetic):
        # the value later read is not the text written here.
        hidden = any(c.type == "word" and _text(c).startswith(("-", "+")) and set(_text(c)[1:]) & set("nluci")
                     for c in node.named_children)  # fmt: skip
        keyword = node.children[0].type if node.children else ""
        scoped = (
            keyword in ("local", "declare", "typeset")
            and bool(self.local_frames)
            and not any(c.type == "word" and _text(c).startswith("-") and "g" in _text(c) for c in node.named_children)
        )
        for child in node.named_children:
            if scoped and child.type in ("variable_assignment", "variable_name"):
                self._remember_outer(_text(child.child_by_field_name("name") or child))
            if child.type == "variable_assignment":
                name, value = self._assignment(child, expander)
                self.variables[name] = None if hidden else value
                self._code_variable(name, value, _text(node))
            elif child.type == "variable_name":
                self.variables[_text(child)] = None if hidden else self.variables.get(_text(child))

    def _remember_outer(self, name: str) -> None:
        """`local NAME`: the caller's NAME comes back when the function returns."""
        frame = self.local_frames[-1]
        if name not in frame and name not in self.unset_before:
            if name in self.variables:
                frame[name] = self.variables[name]
            else:
                frame[name] = None
                self.unset_before.add(name)

    def return_from_function(self) -> None:
        frame = self.local_frames.pop()
        for name, value in frame.items():
            if name in self.unset_before:
                self.variables.pop(name, None)
                self.unset_before.discard(name)
            else:
                self.variables[name] = value

    def _visit_unset_command(self, node: Node, stdin: Stdin) -> None:
        for child in node.named_children:
            self.variables[_text(child)] = None  # unset: "" at run time, which `rm -rf "$X/"` makes `/`

    def _visit_while_statement(self, node: Node, stdin: Stdin) -> None:
        if _endless_spawner(node):
            self.effects.append(Effect.make(Kind.SYSTEM_DESTROY, "processes", "fork bomb: an endless loop that "
                                            "starts a background job each time round", source=_text(node)))  # fmt: skip
        for child in node.named_children:
            self.visit(child, NO_STDIN)

    _visit_c_style_for_statement = _visit_while_statement

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
        expander = self.expander()
        for node in values:
            word = expander.expand(node)
            found = paths.resolve(word, self.cwd) if word.glob else None
            if not word.known:
                return [None]
            items.extend(t.display for t in found) if found else items.append(word.text)
        return items if len(items) <= MAX_LOOP_VALUES else [None]

    # ---- words --------------------------------------------------------------------------------------

    def expander(self) -> Expander:
        """Expands words with the variables and cwd at this point of the line."""
        env = dict(self.variables)
        if self.cwd is not None:
            env["PWD"] = self.cwd
        return Expander(env, self.home, self._substitution, self._known_output)

    def _known_output(self, node: Node) -> str | None:
        return stdout.substitution_output(_text(node), self.cwd, self.variables.get("TMPDIR"))

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


ALWAYS_TRUE = frozenset(["true", ":", "[ true ]", "[ 1 ]", "[[ 1 ]]", "[[ true ]]", "(( 1 ))", "((1))"])
ALWAYS_FALSE = frozenset(["false", "[ ]", "! true", "[[ 0 -eq 1 ]]"])


def _endless_spawner(node: Node) -> bool:
    """`while true; do work & done`, `until false; …`, `for ((;;)); …` with a background job in the body: new
    processes without end, as a fork bomb makes them."""
    body = node.child_by_field_name("body")
    if body is None or not any(c.type == "&" for c in _all_nodes(body)):
        return False
    if node.type == "c_style_for_statement":
        return node.child_by_field_name("condition") is None
    condition = node.child_by_field_name("condition")
    text = " ".join(_text(condition).rstrip(";").split()) if condition is not None else ""
    keyword = node.children[0].type if node.children else "while"
    return text in (ALWAYS_FALSE if keyword == "until" else ALWAYS_TRUE)


def _all_nodes(node: Node) -> list[Node]:
    found: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(current.children)
    return found
