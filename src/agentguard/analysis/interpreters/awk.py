"""awk / gawk / mawk programs: mostly reads, but system(), output redirection and pipes run and write.

`system("rm -rf x")`, `print … | "sh"` and `"cmd" | getline` run shell commands; `print … > "file"` overwrites
a file (`>>` appends); `gawk -i inplace` edits its operands in place. A command or file computed at run time is
unknown. Everything else only reads its input.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from agentguard.analysis.interpreters import calls, common
from agentguard.analysis.interpreters.lexer import Lexer, LexError, Tok
from agentguard.analysis.types import Context, Invocation, Stdin, Word
from agentguard.models import Effect, Kind

VALUED = frozenset(
    {
        "-F",
        "-v",
        "-f",
        "-i",
        "-l",
        "-E",
        "-e",
        "--field-separator",
        "--assign",
        "--file",
        "--include",
        "--load",
        "--exec",
        "--source",
    }
)
# Commands that run what they read on stdin (the walker is given the pipe too; this does not rely on it).
RUNS_STDIN = frozenset(
    {
        "sh",
        "bash",
        "zsh",
        "dash",
        "ksh",
        "fish",
        "python",
        "python3",
        "perl",
        "ruby",
        "node",
        "php",
        "xargs",
        "parallel",
        "sqlite3",
        "psql",
        "mysql",
        "source",
        "eval",
    }
)
PRINTERS = frozenset({"print", "printf"})
STATEMENT_END = frozenset({";", "}", "{"})


class AwkLexer(Lexer):
    line_comment = ("#",)
    block_comment = False
    newlines = True
    regex_after_names = frozenset({"in", "return", "printf", "print", "split", "sub", "gsub", "match", "if"})

    def special(self, i: int) -> int | None:
        if self.src[i] == '"':
            raw, end = self.delimited(i + 1, '"')
            self.add_str("str", raw, self.src[i:end], False)
            return end
        return None


def handler(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    programs: list[Word] = []
    inplace = False
    i = 0
    while i < len(args) and args[i].text.startswith("-") and args[i].text != "--":
        text = args[i].text
        value = args[i + 1] if i + 1 < len(args) else None
        if text in ("-i", "--include") and value is not None and value.text in ("inplace", "inplace.awk"):
            inplace = True
        elif text in ("-f", "--file", "-E", "--exec") and value is not None:
            source = ctx.read_text(value.text, inv.cwd) if value.known else None
            if source is None:
                return [Effect.unknown(f"{inv.name} program file {value.text} could not be read", inv.source)]
            programs.append(Word.literal(source))
        elif text in ("-e", "--source") and value is not None:
            programs.append(value)
        elif text in ("--version", "-V", "--help"):
            return [Effect.make(Kind.READ, inv.name, "prints its version or help", source=inv.source)]
        i += 2 if text in VALUED else 1
    rest = args[i + 1 :] if i < len(args) and args[i].text == "--" else args[i:]
    if not programs:
        if not rest:
            return [Effect.unknown(f"{inv.name} without a program", inv.source)]
        programs, rest = [rest[0]], rest[1:]
    operands = [w for w in rest if "=" not in w.text]  # var=value operands are assignments, not files
    effects = analyse(common.inline_code(programs), inv, ctx)
    if inplace:
        effects += [e for w in operands for e in ctx.file_effects(Kind.FILE_OVERWRITE, w, inv, "awk -i inplace edits")]
    return [e for e in effects if e.kind != Kind.READ] or common.read_only(inv, inv.name)


def analyse(program: Word, inv: Invocation, ctx: Context) -> list[Effect]:
    if not program.known:
        return [common.unknown_code(inv, program)]
    try:
        tokens = AwkLexer(program.text).run()
    except LexError as exc:
        return [Effect.unknown(f"{inv.name}: could not read the program ({exc})", inv.source)]
    effects: list[Effect] = []
    for i, tok in enumerate(tokens):
        if tok.kind == "name" and tok.text == "system" and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            effects += _shell(tokens[i + 2 : calls.matching(tokens, i + 1)], inv, ctx, "system()")
        elif tok.kind == "name" and tok.text in PRINTERS:
            effects += _redirect(_statement(tokens, i + 1), inv, ctx)
        elif tok.kind == "op" and tok.text == "|" and i + 1 < len(tokens) and tokens[i + 1].text == "getline":
            effects += _shell(_operand_before(tokens, i), inv, ctx, "| getline")
    return effects


def _statement(tokens: Sequence[Tok], start: int) -> list[Tok]:
    out: list[Tok] = []
    depth = 0
    for tok in tokens[start:]:
        if depth == 0 and (tok.kind == "nl" or tok.text in STATEMENT_END):
            break
        depth += tok.text in ("(", "[") and tok.kind == "op"
        depth -= tok.text in (")", "]") and tok.kind == "op"
        out.append(tok)
    return out


def _redirect(statement: list[Tok], inv: Invocation, ctx: Context) -> list[Effect]:
    """`print x > "f"`, `print x >> "f"`, `print x | "cmd"` — the redirection at the statement's top level."""
    depth = 0
    for k, tok in enumerate(statement):
        depth += tok.text == "(" and tok.kind == "op"
        depth -= tok.text == ")" and tok.kind == "op"
        if depth or tok.kind != "op" or tok.text not in (">", ">>", "|"):
            continue
        target = statement[k + 1 :]
        if tok.text == "|":  # the printed data is the command's stdin: `print | "sh"` runs data as code
            effects = _shell(target, inv, ctx, "print |", Stdin(origin="pipe"))
            command = common.str_value(target, {}, " ") or ""
            if any(os.path.basename(part.split()[0]) in RUNS_STDIN for part in command.split("|") if part.split()):
                effects.append(Effect.unknown(f"{inv.name} pipes its data into {command!r}, which runs it", inv.source))
            return effects
        path = common.str_value(target, {}, " ")
        if path is None:
            return [Effect.unknown(f"{inv.name} writes to a file {common.RUNTIME}", inv.source)]
        if path in ("/dev/stdout", "/dev/stderr", "-"):
            return []
        kind = Kind.FILE_WRITE if tok.text == ">>" else Kind.FILE_OVERWRITE
        return common.file_effects(
            ctx, kind, [Word.literal(path)], inv, f"{inv.name} print {tok.text}", writes=kind == Kind.FILE_OVERWRITE
        )
    return []


def _shell(expr: Sequence[Tok], inv: Invocation, ctx: Context, how: str, stdin: Stdin | None = None) -> list[Effect]:
    command = common.str_value(expr, {}, " ") if expr else None
    if command is None:
        return [Effect.unknown(f"{inv.name} {how} runs a command {common.RUNTIME}", inv.source)]
    return ctx.shell(command, inv, stdin=stdin)


def _operand_before(tokens: Sequence[Tok], bar: int) -> list[Tok]:
    """The command string before `| getline` (a literal, or an expression that is unknown)."""
    start = bar
    while start > 0 and tokens[start - 1].kind == "str":
        start -= 1
    return list(tokens[start:bar]) if start < bar else list(tokens[max(0, bar - 1) : bar])
