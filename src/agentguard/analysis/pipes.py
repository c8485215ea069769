"""Redirections and pipelines: what a command reads besides its arguments, and the files it writes through `>`.

A pipeline stage reads what the stage before it writes (known text, a download, or an unknown pipe); a heredoc,
here-string or `< file` gives a command known stdin; `>` and `>>` write files. Functions of the `Walker`, whose
state (cwd, variables, effects) they read and add to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tree_sitter import Node

from agentguard.analysis import grammar
from agentguard.analysis.grammar import node_text as _text
from agentguard.analysis.stdout import stdout_of
from agentguard.analysis.types import Stdin, Word
from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from agentguard.analysis.shell import Walker

DEV_SINKS = frozenset(
    ["/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero", "/dev/random", "/dev/urandom"]
)


def pipeline(walker: Walker, stages: list[Node], stdin: Stdin) -> None:
    current = stdin
    saved_cwd = walker.cwd
    for stage in stages:
        # Each stage of a pipeline runs in its own subshell: a `cd` there does not leak.
        walker.cwd = saved_cwd
        walker.visit(stage, current)
        current = _stdout(walker, stage, current)
    walker.cwd = saved_cwd


def redirected_statement(walker: Walker, node: Node, stdin: Stdin) -> None:
    body = node.child_by_field_name("body")
    redirects = [c for c in node.children if c.type.endswith("_redirect")]
    piped = [c for r in redirects for c in r.named_children if c.type == "pipeline"]
    if body is not None and body.type == "list" and not piped:
        # tree-sitter hangs `a && b < f` on the whole list; bash gives the redirect to b alone, after a ran.
        *first, last = body.named_children
        for child in first:
            walker.visit(child, stdin)
        walker.visit(last, stdin_from(walker, redirects) or stdin)
        for redirect in redirects:
            redirect_effects(walker, redirect, _text(node))
        return
    own_stdin = stdin_from(walker, redirects) or stdin
    if body is not None:
        if piped:  # `cat <<EOF | bash`: tree-sitter hangs the pipeline under the heredoc
            stages = [body] + [c for p in piped for c in p.named_children]
            pipeline(walker, stages, own_stdin)
        else:
            walker.visit(body, own_stdin)
    for redirect in redirects:
        redirect_effects(walker, redirect, _text(node))


def stdin_from(walker: Walker, redirects: list[Node]) -> Stdin | None:
    for redirect in redirects:
        if redirect.type == "heredoc_redirect":
            return _heredoc(walker, redirect)
        if redirect.type == "herestring_redirect":
            word = walker.expander().expand(redirect.named_children[-1])
            return Stdin("literal", word.text + "\n") if word.known else Stdin("pipe")
        if redirect.type == "file_redirect" and _operator(redirect) == "<":
            dest = redirect.child_by_field_name("destination")
            word = walker.expander().expand(dest) if dest is not None else Word("", False, "?")
            text = walker.read_text(word.text, walker.cwd) if word.known else None
            return Stdin("file", text, word.text)
    return None


def _heredoc(walker: Walker, redirect: Node) -> Stdin:
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
            walker.visit(node)
    return Stdin("literal", grammar.unshield(text.decode("utf-8", "replace")))


def redirect_effects(walker: Walker, redirect: Node, source: str) -> None:
    if redirect.type != "file_redirect":
        return
    op = _operator(redirect)
    if op not in (">", ">|", "&>", ">>", "&>>", "<>"):
        return
    dest = redirect.child_by_field_name("destination")
    if dest is None:
        return
    word = walker.expander().expand(dest)
    if word.known and (word.text in DEV_SINKS or word.text.startswith("/dev/fd/")):
        return
    found = walker.targets(word, walker.cwd)  # through links made earlier on the line
    if found is None:
        walker.effects.append(Effect.unknown(f"writes to a path not known before it runs ({word.why})", source))
        return
    for t in found:
        append = op in (">>", "&>>")
        kind = Kind.FILE_OVERWRITE if t.exists and not append else Kind.FILE_WRITE
        detail = "appends to" if append else ("truncates and overwrites" if t.exists else "creates")
        walker.effects.append(
            Effect.make(kind, t.display, detail, source=source, path=t.path, real_path=t.real,
                        is_dir=t.is_dir, exists=t.exists, size=t.size, pattern=t.pattern)
        )  # fmt: skip


def _stdout(walker: Walker, stage: Node, stdin: Stdin) -> Stdin:
    """What a pipeline stage writes, as far as can be known without running it."""
    node = stage
    if node.type == "redirected_statement":
        body = node.child_by_field_name("body")
        redirects = [c for c in node.children if c.type.endswith("_redirect")]
        stdin = stdin_from(walker, redirects) or stdin
        if body is None:
            return Stdin("pipe")
        node = body
    if node.type != "command":
        return Stdin("pipe")
    words = [walker.expander().expand(c) for c in _command_words(node)]
    return stdout_of(words, stdin, walker, walker.cwd)


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


def _descendants(node: Node, types: tuple[str, ...]) -> list[Node]:
    """The outermost descendants of these types (a $(…) inside one is walked with it)."""
    found: list[Node] = []
    for child in node.named_children:
        if child.type in types:
            found.append(child)
        else:
            found.extend(_descendants(child, types))
    return found
