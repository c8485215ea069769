"""Shell word expansion over tree-sitter-bash nodes: quote removal, `~`, known variables, glob patterns.

What a word will be at run time is worked out only as far as it is certain. A part that depends on the run
(an unset variable, a command substitution) makes the whole word unknown, with the reason, so that a handler
reports an unknown effect instead of guessing (`rm -rf "$DIR"/` must never be read as `rm -rf /`).
"""

from __future__ import annotations

import glob as globmod
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tree_sitter import Node

from agentguard.analysis.grammar import node_text as _text
from agentguard.analysis.grammar import unshield
from agentguard.analysis.types import Word

GLOB_CHARS = frozenset("*?[")

_ANSI_C_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b",
    "f": "\f", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip


@dataclass(slots=True)
class _Piece:
    """A run of a word's text, quoted or not."""  # a docstring spares dataclasses an inspect.signature call

    text: str
    quoted: bool  # quoted text is never a glob and never tilde-expanded


class _Unknown(Exception):
    """Raised inside expansion when a part of the word cannot be known; caught in `expand`."""


Substitution = Callable[[Node], None]


class Expander:
    """Expands word nodes with the variables known at that point of the command line."""

    def __init__(
        self,
        variables: Mapping[str, str | None],
        home: str,
        on_substitution: Substitution,
        known_output: Callable[[Node], str | None] | None = None,
    ):
        self.variables = variables
        self.home = home
        self.on_substitution = on_substitution
        self.known_output = known_output  # what a substitution prints, when that is certain before it runs

    def expand(self, node: Node) -> Word:
        try:
            pieces = self._pieces(node, quoted=False)
        except _Unknown as why:
            self._visit_substitutions(node)
            return Word(text=_text(node), known=False, why=str(why))
        self._visit_substitutions(node)
        return _assemble(pieces, self.home)

    def _visit_substitutions(self, node: Node) -> None:
        """Commands inside $(…), `…` and <(…) run whatever the word's value: analyse them as well."""
        if node.type in ("command_substitution", "process_substitution"):
            self.on_substitution(node)
            return
        for child in node.children:
            self._visit_substitutions(child)

    def _pieces(self, node: Node, quoted: bool) -> list[_Piece]:
        kind = node.type
        if kind == "word" or kind == "number":
            return [_Piece(_text(node), quoted)] if quoted else _unescape_unquoted(_text(node))
        if kind == "raw_string":
            return [_Piece(_text(node)[1:-1], True)]
        if kind == "ansi_c_string":
            return [_Piece(_ansi_c(_text(node)[2:-1]), True)]
        if kind in ("string", "translated_string"):
            return self._string(node)
        if kind == "string_content":
            return [_Piece(_unescape_double(_text(node)), True)]
        if kind == "concatenation":
            return [p for child in node.children for p in self._pieces(child, quoted)]
        if kind in ("simple_expansion", "expansion"):
            return [_Piece(self._variable(node), bool(quoted))]
        if kind == "command_substitution" and self.known_output is not None:
            value = self.known_output(node)
            if value is not None:
                return [_Piece(value, True)]
        if kind in ("command_substitution", "process_substitution"):
            raise _Unknown(f"{_text(node)} is only known when it runs")
        if kind == "arithmetic_expansion":
            raise _Unknown(f"{_text(node)} is computed at run time")
        if kind == "brace_expression":
            raise _Unknown(f"brace expansion {_text(node)}")
        raise _Unknown(f"unsupported word {kind}: {_text(node)}")

    def _string(self, node: Node) -> list[_Piece]:
        """A double-quoted string, including the text between its parts: tree-sitter-bash leaves a line break
        inside the quotes out of every child, and losing it would join `echo hi` and `rm -rf .git` into one."""
        pieces: list[_Piece] = []
        source = node.text or b""
        position = node.start_byte
        for child in node.children:
            if child.start_byte > position:
                gap = source[position - node.start_byte : child.start_byte - node.start_byte]
                pieces.append(_Piece(unshield(gap.decode("utf-8", "replace")), quoted=True))
            position = max(position, child.end_byte)
            if child.type in ('"', "$"):
                continue
            pieces.extend(self._pieces(child, quoted=True))
        return pieces

    def _variable(self, node: Node) -> str:
        name_nodes = [c for c in node.children if c.type in ("variable_name", "special_variable_name")]
        if len(name_nodes) != 1:
            raise _Unknown(f"{_text(node)} is computed at run time")
        name = _text(name_nodes[0])
        operators = [c for c in node.children if c.type not in ("${", "}", "$", "variable_name")]
        value = self.variables.get(name)
        if not operators:
            if value is None:
                raise _Unknown(f"${name} is not known before the command runs")
            return value
        return self._variable_with_operator(node, name, value, operators)

    def _variable_with_operator(self, node: Node, name: str, value: str | None, operators: list[Node]) -> str:
        op = _text(operators[0])
        default_nodes = operators[1:]
        if op in (":-", "-", ":=", "=") and value is None and default_nodes:
            return "".join(p.text for d in default_nodes for p in self._pieces(d, quoted=True))
        if op in (":-", "-", ":=", "=", ":?", "?") and value is not None:
            return value
        raise _Unknown(f"{_text(node)} is not known before the command runs")


def _unescape_unquoted(text: str) -> list[_Piece]:
    """A backslash quotes the next character (`\\rm` is `rm`, `\\*` is a literal star)."""
    pieces: list[_Piece] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                pieces.append(_Piece(text[i + 1], True))
            i += 2
            continue
        pieces.append(_Piece(text[i], False))
        i += 1
    return pieces


def _unescape_double(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in '$`"\\\n':
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _ansi_c(body: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ANSI_C_ESCAPES:
            out.append(_ANSI_C_ESCAPES[nxt])
            i += 2
        elif nxt == "x":
            digits = _take(body, i + 2, "0123456789abcdefABCDEF", 2)
            out.append(chr(int(digits, 16)) if digits else "\\x")
            i += 2 + len(digits)
        elif nxt in "01234567":
            digits = _take(body, i + 1, "01234567", 3)
            out.append(chr(int(digits, 8)))
            i += 1 + len(digits)
        else:
            out.append("\\" + nxt)
            i += 2
    return "".join(out)


def _take(text: str, start: int, allowed: str, limit: int) -> str:
    end = start
    while end < len(text) and end - start < limit and text[end] in allowed:
        end += 1
    return text[start:end]


def _user_home(pieces: list[_Piece]) -> list[_Piece]:
    """`~alice/x` is alice's home, as bash resolves it on this machine (left as text when there is no alice)."""
    count = 1
    while count < len(pieces) and not pieces[count].quoted and pieces[count].text != "/":
        count += 1
    name = "".join(p.text for p in pieces[1:count])
    if not re.fullmatch(r"[a-z_][a-z0-9_.-]*", name):
        return pieces
    found = os.path.expanduser("~" + name)
    return pieces if found == "~" + name else [_Piece(found, True), *pieces[count:]]


def _assemble(pieces: list[_Piece], home: str) -> Word:
    if pieces and not pieces[0].quoted and pieces[0].text == "~":
        rest = "".join(p.text for p in pieces[1:2])
        pieces = [_Piece(home, True), *pieces[1:]] if rest in ("", "/") else _user_home(pieces)
    text = "".join(p.text for p in pieces)
    if not any(not p.quoted and p.text in GLOB_CHARS for p in pieces) and not any(
        not p.quoted and GLOB_CHARS & set(p.text) for p in pieces
    ):
        return Word(text=text)
    pattern = "".join(p.text if not p.quoted else globmod.escape(p.text) for p in pieces)
    return Word(text=text, glob=pattern)
