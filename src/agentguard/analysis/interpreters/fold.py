"""Folding what is known before code runs into string literals, so calls see literal paths.

Command-line arguments (`process.argv[1]`, `sys.argv`-like `$ARGV[0]`, `ARGV[0]`, `$argv[1]`) and path joins of
literals (`path.join('a', 'b')`, `File.join(…)`, `File::Spec->catfile(…)`) become one string token each.
"""

from __future__ import annotations

import functools
import os
import posixpath
from collections.abc import Callable, Sequence

from agentguard.analysis.interpreters.calls import matching, split_args
from agentguard.analysis.interpreters.common import str_value
from agentguard.analysis.interpreters.lexer import Tok
from agentguard.analysis.types import Word

Fold = tuple[Tok, int]  # a token folded from several, and the index after them


def fold(
    tokens: Sequence[Tok],
    consts: dict[str, str],
    concat: str = "+",
    *,
    argv: dict[tuple[str, ...], Sequence[Word]] | None = None,
    joins: dict[tuple[str, ...], str] | None = None,
    values: dict[tuple[str, ...], str] | None = None,
) -> list[Tok]:
    """Tokens with what is known before the code runs folded into string literals: command-line arguments
    (`process.argv[1]`, `$ARGV[0]`) and path joins of literals (`path.join('a', 'b')`, `File.join(…)`).
    `argv` maps the name tokens of an argument array to the values it holds; `joins` maps a call's name
    tokens to "join" (normalised a/b) or "resolve" (a later absolute part wins); `values` maps expressions
    known before the run (`os.homedir()`, `Dir.home`) to their value."""
    arrays, calls, known = argv or {}, joins or {}, values or {}
    heads = {name[0] for name in (*arrays, *calls, *known)}  # most tokens start no pattern: one lookup skips them
    folded = _fold(tokens, heads, lambda i: _argv_at(tokens, i, arrays) or _value_at(tokens, i, known))
    for _ in range(3):  # inner joins first: path.join(path.join('a', 'b'), 'c')
        current = folded
        at = functools.partial(_join_at, current, consts=consts, concat=concat, joins=calls)
        folded = _fold(current, heads, at)
        if len(folded) == len(current):
            break
    return folded


def _fold(tokens: Sequence[Tok], heads: set[str], at: Callable[[int], Fold | None]) -> list[Tok]:
    out: list[Tok] = []
    i = 0
    while i < len(tokens):
        found = at(i) if tokens[i].text in heads else None
        if found is None:
            out.append(tokens[i])
            i += 1
        else:
            out.append(found[0])
            i = found[1]
    return out


def _texts_at(tokens: Sequence[Tok], i: int, texts: tuple[str, ...]) -> bool:
    return tuple(t.text for t in tokens[i : i + len(texts)]) == texts


def _argv_at(tokens: Sequence[Tok], i: int, arrays: dict[tuple[str, ...], Sequence[Word]]) -> Fold | None:
    for name, argv in arrays.items():
        end = i + len(name)
        if _texts_at(tokens, i, name) and _texts_at(tokens, end, ("[",)) and _texts_at(tokens, end + 2, ("]",)):
            index = tokens[end + 1].text
            if index.isdigit() and int(index) < len(argv) and argv[int(index)].known:
                text = argv[int(index)].text
                return Tok("str", repr(text), text), end + 3
    return None


def _value_at(tokens: Sequence[Tok], i: int, known: dict[tuple[str, ...], str]) -> Fold | None:
    for name, value in known.items():
        if _texts_at(tokens, i, name):
            return Tok("str", repr(value), value), i + len(name)
    return None


def home_values(home: str, *patterns: str) -> dict[tuple[str, ...], str]:
    """Expressions for the home directory, written as space-separated tokens: "os . homedir ( )"."""
    return {tuple(pattern.split(" ")): home for pattern in patterns}


def _join_at(
    tokens: Sequence[Tok], i: int, consts: dict[str, str], concat: str, joins: dict[tuple[str, ...], str]
) -> Fold | None:
    for name, how in joins.items():
        start = i + len(name)
        if not (_texts_at(tokens, i, name) and _texts_at(tokens, start, ("(",))):
            continue
        end = matching(tokens, start)
        values = [str_value(arg, consts, concat) for arg in split_args(tokens[start + 1 : end])]
        if not values or any(v is None for v in values):
            return None
        parts = [v for v in values if v is not None]
        text = os.path.join(*parts) if how == "resolve" else posixpath.normpath("/".join(parts))
        return Tok("str", repr(text), text), end + 1
    return None
