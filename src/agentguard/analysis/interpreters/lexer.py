"""A small tokenizer for the one-liners of node, perl, ruby and php.

It knows what a full parser would be overkill for and what a regular expression gets wrong: where string
literals, comments, regex literals and command strings (backticks, qx, %x) begin and end. That is enough to
find calls and their literal arguments, and to not mistake `console.log('fs.rmSync')` for a call. Each language
module subclasses `Lexer` for its own quoting rules. Input that does not tokenize raises `LexError`; callers turn
it into an unknown effect.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

OPERATORS = ("...", "=>", "->", "::", "?.", "=~", "!~", "==", "!=", "<=", ">=", "&&", "||", "**", "<<", ">>")
OPERATOR_STARTS = frozenset(o[0] for o in OPERATORS)
SPACES = re.compile(r"\s+")
NUMBER = re.compile(r"\d[\w.]*")
BLANKS = re.compile(r"[^\S\n]+")  # spaces without newlines, for languages where a newline ends a statement
NAME = re.compile(r"[\w$]+")  # the caller has checked that it starts with a letter, _ or $
PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "e": "\x1b", "a": "\a"}


class LexError(ValueError):
    """The code does not tokenize (an unterminated string or comment)."""


@dataclass(frozen=True, slots=True)
class Tok:
    """One token. `kind`: name, str, cmd (a shell command string), words (%w[] / qw()), num, regex, op, nl,
    or glob (a variable standing for a glob's matches, pattern in `value`, made by the ruby module).

    For str and cmd tokens `value` is the literal value, or None when it interpolates something (`${x}`, `$x`,
    `#{x}`) and so is only known at run time. `items` holds the words of a words token."""

    kind: str
    text: str
    value: str | None = None
    items: tuple[str, ...] = ()


def unescape(raw: str) -> str:
    """C-style escapes, the common part of all four languages: enough for paths and shell commands."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append(ESCAPES.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


class Lexer:
    """Shared scanning loop; subclasses add their quoting forms in `special` and say what interpolates."""

    line_comment: tuple[str, ...] = ("//",)
    block_comment = True
    newlines = False  # emit `nl` tokens (ruby ends statements at line ends)
    regex_after_names = frozenset({"return", "typeof", "case", "in", "of", "if", "unless", "and", "or", "not"})

    def __init__(self, src: str) -> None:
        self.src = src
        self.tokens: list[Tok] = []
        self.comment_starts = frozenset(marker[0] for marker in self.line_comment)

    def run(self) -> list[Tok]:
        i, size = 0, len(self.src)
        while i < size:
            i = self.step(i)
        return self.tokens

    def step(self, i: int) -> int:
        src = self.src
        char = src[i]
        if char == "\n" and self.newlines:
            self.tokens.append(Tok("nl", "\n"))
            return i + 1
        if char.isspace():
            found = (BLANKS if self.newlines else SPACES).match(src, i)  # a run at once, not a step per blank
            return found.end() if found else i + 1
        if char in self.comment_starts:
            for marker in self.line_comment:
                if src.startswith(marker, i) and self.comment_allowed(i):
                    end = src.find("\n", i)
                    return len(src) if end < 0 else end
        if char == "/" and self.block_comment and src.startswith("/*", i):
            end = src.find("*/", i + 2)
            if end < 0:
                raise LexError("unterminated comment")
            return end + 2
        special = self.special(i)
        if special is not None:
            return special
        if char.isalpha() or char in "_$":
            return self.name(i)
        if char.isdigit():
            found = NUMBER.match(src, i)
            end = found.end() if found else i + 1
            self.tokens.append(Tok("num", src[i:end]))
            return end
        if char == "/" and self.regex_allowed():
            raw, end = self.delimited(i + 1, "/")
            while end < len(src) and src[end].isalpha():
                end += 1
            self.tokens.append(Tok("regex", src[i:end], raw))
            return end
        op = next((o for o in OPERATORS if src.startswith(o, i)), char) if char in OPERATOR_STARTS else char
        self.tokens.append(Tok("op", op))
        return i + len(op)

    def name(self, i: int) -> int:
        found = NAME.match(self.src, i)
        end = found.end() if found else i + 1
        self.tokens.append(Tok("name", self.src[i:end]))
        return end

    def special(self, i: int) -> int | None:
        """Language-specific tokens (strings, variables, quote operators): the index after it, or None."""
        return None

    def comment_allowed(self, i: int) -> bool:
        return True

    def regex_allowed(self) -> bool:
        """A `/` starts a regex literal where a value is expected, not after a value (division)."""
        if not self.tokens:
            return True
        last = self.tokens[-1]
        if last.kind == "op":
            return last.text not in (")", "]", "}")
        return last.kind == "name" and last.text in self.regex_after_names

    # ---- scanning helpers ------------------------------------------------------------------------------

    def delimited(self, start: int, close: str, opener: str | None = None) -> tuple[str, int]:
        """Raw text from `start` up to the unescaped `close` (nesting `opener` pairs); index after `close`."""
        depth = 0
        i = start
        src = self.src
        while i < len(src):
            char = src[i]
            if char == "\\":
                i += 2
                continue
            if opener is not None and char == opener:
                depth += 1
            elif char == close:
                if depth == 0:
                    return src[start:i], i + 1
                depth -= 1
            i += 1
        raise LexError(f"unterminated {close!r} literal")

    def quoted(self, start: int, open_char: str) -> tuple[str, int]:
        """A quote-like literal with any delimiter: brackets nest, other characters close themselves."""
        close = PAIRS.get(open_char, open_char)
        return self.delimited(start, close, open_char if close != open_char else None)

    def shell_quoted(self, i: int, interpolates: Callable[[str], bool]) -> int | None:
        """Perl, PHP and Ruby quote alike: '…' is literal, "…" a string and `…` a shell command, both
        interpolating as `interpolates` says. The index after the literal, or None when none starts at `i`."""
        char = self.src[i]
        if char == "'":
            raw, end = self.delimited(i + 1, "'")
            self.add_literal("str", raw, self.src[i:end], "'")
            return end
        if char in '"`':
            raw, end = self.delimited(i + 1, char)
            self.add_str("str" if char == '"' else "cmd", raw, self.src[i:end], interpolates(raw))
            return end
        return None

    def add_str(self, kind: str, raw: str, text: str, interpolated: bool) -> None:
        self.tokens.append(Tok(kind, text, None if interpolated else unescape(raw)))

    def add_literal(self, kind: str, raw: str, text: str, quote: str) -> None:
        """A non-interpolating literal ('…', q(…)): only the quote and the backslash are escaped."""
        value = raw.replace("\\\\", "\0").replace("\\" + quote, quote).replace("\0", "\\")
        self.tokens.append(Tok(kind, text, value))
