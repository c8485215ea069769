"""Finding calls in a token stream: `name(…)`, `recv.name(…)`, and perl/ruby calls without parentheses.

A call's receiver is kept as a chain of names (`fs.promises.rm` → ("fs", "promises")), with calls in the chain
written with their literal argument (`require('fs').rmSync` → ("require(fs)",)), which is what the language
modules match their module bindings against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentguard.analysis.interpreters.lexer import Tok

ACCESSORS = frozenset({".", "::", "->", "?."})
STOP_WORDS = frozenset({"if", "unless", "while", "until", "or", "and", "do", "for", "foreach", "then"})


@dataclass(frozen=True, slots=True)
class Call:
    """A call found in the code: `chain` is the receiver as names (`fs.promises` → ("fs", "promises");
    a call in the chain is written `require(fs)`), `args` the top-level comma-separated argument tokens."""

    chain: tuple[str, ...]
    name: str
    args: tuple[tuple[Tok, ...], ...]

    @property
    def qualified(self) -> str:
        return ".".join((*self.chain, self.name))


def matching(tokens: Sequence[Tok], start: int) -> int:
    """Index of the bracket closing the one at `start` (or len(tokens) when unbalanced)."""
    opener = tokens[start].text
    closer = {"(": ")", "[": "]", "{": "}"}[opener]
    depth = 0
    for i in range(start, len(tokens)):
        tok = tokens[i]
        if tok.kind == "op" and tok.text == opener:
            depth += 1
        elif tok.kind == "op" and tok.text == closer:
            depth -= 1
            if depth == 0:
                return i
    return len(tokens)


def split_args(tokens: Sequence[Tok]) -> tuple[tuple[Tok, ...], ...]:
    """Top-level comma-separated parts (perl's `=>` separates too)."""
    parts: list[tuple[Tok, ...]] = []
    current: list[Tok] = []
    depth = 0
    for tok in tokens:
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth -= 1
        if depth == 0 and tok.kind == "op" and tok.text == ",":
            parts.append(tuple(current))
            current = []
            continue
        current.append(tok)
    if current:
        parts.append(tuple(current))
    return tuple(parts)


def find_calls(
    tokens: Sequence[Tok], bare: frozenset[str] = frozenset(), accessors: frozenset[str] = ACCESSORS
) -> list[Call]:
    """Every `name(…)` call, and `name arg, …` without parentheses for the names in `bare` (perl, ruby).
    `accessors` are the operators that reach a member (php and perl use `.` to join strings)."""
    calls: list[Call] = []
    for i, tok in enumerate(tokens):
        if tok.kind != "name":
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.kind == "op" and nxt.text == "(":
            end = matching(tokens, i + 1)
            calls.append(Call(receiver(tokens, i, accessors), tok.text, split_args(tokens[i + 2 : end])))
        elif tok.text in bare and nxt is not None and _starts_value(nxt):
            calls.append(Call(receiver(tokens, i, accessors), tok.text, split_args(_bare_args(tokens, i + 1))))
        elif tok.text in bare and (nxt is None or nxt.kind == "nl" or nxt.text in (";", "}")):
            calls.append(Call(receiver(tokens, i, accessors), tok.text, ()))
    return calls


def _starts_value(tok: Tok) -> bool:
    if tok.kind in ("str", "cmd", "words", "num", "regex"):
        return True
    if tok.kind == "name":
        return tok.text not in STOP_WORDS
    return tok.text in ("[", "<", "\\", "@", "%", "$")


def _bare_args(tokens: Sequence[Tok], start: int) -> list[Tok]:
    out: list[Tok] = []
    depth = 0
    for tok in tokens[start:]:
        if depth == 0 and (tok.kind == "nl" or tok.text in (";", "}", ")") or tok.text in STOP_WORDS):
            break
        if tok.kind == "op" and tok.text in "([{":
            depth += 1
        elif tok.kind == "op" and tok.text in ")]}":
            depth -= 1
        out.append(tok)
    return out


def receiver(tokens: Sequence[Tok], i: int, accessors: frozenset[str] = ACCESSORS) -> tuple[str, ...]:
    """The names before `tokens[i]` joined by accessors: `require('fs').promises.rm` → (require(fs), promises)."""
    chain: list[str] = []
    j = i - 1
    while j >= 1 and tokens[j].kind == "op" and tokens[j].text in accessors:
        prev = tokens[j - 1]
        if prev.kind == "name":
            chain.insert(0, prev.text)
            j -= 2
        elif prev.kind == "op" and prev.text == ")":
            k = _opening(tokens, j - 1)
            callee = tokens[k - 1] if k >= 1 and tokens[k - 1].kind == "name" else None
            inner = split_args(tokens[k + 1 : j - 1])
            value = _literal(inner[0]) if len(inner) == 1 else None
            chain.insert(0, f"{callee.text if callee else '?'}({value if value is not None else '?'})")
            j = k - 2 if callee else -1
        else:
            chain.insert(0, "?")
            break
    return tuple(chain)


def _opening(tokens: Sequence[Tok], close: int) -> int:
    depth = 0
    for k in range(close, -1, -1):
        if tokens[k].kind == "op" and tokens[k].text == ")":
            depth += 1
        elif tokens[k].kind == "op" and tokens[k].text == "(":
            depth -= 1
            if depth == 0:
                return k
    return 0


def _literal(arg: Sequence[Tok]) -> str | None:
    return arg[0].value if len(arg) == 1 and arg[0].kind == "str" else None
