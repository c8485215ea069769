"""Ruby's quoting for the tokenizer: '…', "…#{…}", `…`, %q() %Q() %w[] %x() %r{}, symbols, and names ending
in ? or ! (`exist?`, `rm_rf!`)."""

from __future__ import annotations

from agentguard.analysis.interpreters.lexer import Lexer, Tok


class RubyLexer(Lexer):
    line_comment = ("#",)
    block_comment = False
    newlines = True
    regex_after_names = frozenset(
        {
            "if",
            "unless",
            "and",
            "or",
            "not",
            "return",
            "when",
            "split",
            "scan",
            "gsub",
            "sub",
            "match",
            "grep",
            "while",
            "until",
            "puts",
            "p",
        }
    )

    def name(self, i: int) -> int:
        end = super().name(i)
        if end < len(self.src) and self.src[end] in "?!" and not self.src.startswith("!=", end):
            self.tokens[-1] = Tok("name", self.tokens[-1].text + self.src[end])
            return end + 1
        return end

    def special(self, i: int) -> int | None:
        src, char = self.src, self.src[i]
        end = self.shell_quoted(i, lambda raw: "#{" in raw)
        if end is not None:
            return end
        after_name = i > 0 and src[i - 1] == " " and self.tokens[-1:] != [] and self.tokens[-1].kind == "name"
        if char == "%" and i + 1 < len(src) and (self.regex_allowed() or after_name):
            return self.percent(i)
        if char == ":" and i + 1 < len(src) and (src[i + 1].isalpha() or src[i + 1] == "_"):
            end = self.name(i + 1)  # a symbol: :force
            self.tokens[-1] = Tok("str", ":" + self.tokens[-1].text, self.tokens[-1].text)
            return end
        return None

    def percent(self, i: int) -> int | None:
        src = self.src
        kind = src[i + 1] if src[i + 1].isalpha() else ""
        at = i + 1 + len(kind)
        if (
            at >= len(src)
            or src[at].isalnum()
            or src[at].isspace()
            or kind not in ("", "q", "Q", "w", "W", "x", "r", "i", "I")
        ):
            return None
        raw, end = self.quoted(at + 1, src[at])
        text = src[i:end]
        if kind == "q":
            self.add_literal("str", raw, text, src[at])
        elif kind in ("w", "W", "i", "I"):
            self.tokens.append(Tok("words", text, items=tuple(raw.split())))
        elif kind == "r":
            self.tokens.append(Tok("regex", text, raw))
        else:
            self.add_str("cmd" if kind == "x" else "str", raw, text, "#{" in raw)
        return end
