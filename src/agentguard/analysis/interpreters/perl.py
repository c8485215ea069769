"""perl: `-e` code, `-i` in-place edits and small scripts, by their file and process calls.

unlink / rmdir / File::Path rmtree / open('>' …) / rename / system / exec / backticks / qx are followed to the
paths and commands they name; `-pi -e …` overwrites its file operands; `-ne 'print if /x/' log` only reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from agentguard.analysis.interpreters import calls, common, fold
from agentguard.analysis.interpreters.calls import Call
from agentguard.analysis.interpreters.common import Api
from agentguard.analysis.interpreters.lexer import Lexer, LexError, Tok
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

APIS: dict[str, Api] = {
    "unlink": Api("delete", "unlink deletes", every=True),
    "rmdir": Api("delete", "rmdir deletes"),
    "rmtree": Api("delete", "rmtree deletes", every=True, recursive=True),
    "remove_tree": Api("delete", "remove_tree deletes", every=True, recursive=True),
    "rename": Api("move", "rename moves"),
    "move": Api("move", "File::Copy::move moves"),
    "mv": Api("move", "File::Copy::mv moves"),
    "copy": Api("copy", "File::Copy::copy copies over"),
    "cp": Api("copy", "File::Copy::cp copies over"),
    "truncate": Api("overwrite", "truncate truncates"),
    "system": Api("system", "system runs"),
    "exec": Api("system", "exec runs"),
    "symlink": Api("write", "symlink creates", path=1),
}
JOINS: dict[tuple[str, ...], str] = {("File::Spec", "->", "catfile"): "join", ("File::Spec", "->", "catdir"): "join"}
QUOTE_OPS = frozenset({"q", "qq", "qw", "qx", "m", "qr", "s", "tr", "y"})
BARE = frozenset({*APIS, "open", "chmod", "chown", "eval"})
NETWORK = ("LWP", "HTTP::Tiny", "Net::HTTP", "IO::Socket", "get(", "getstore", "Mojo::UserAgent")
# Option letters that take the rest of the word (or the next word) as their value.
VALUED_LETTERS = "IMmFCdDx0l"


class PerlLexer(Lexer):
    line_comment = ("#",)
    block_comment = False
    regex_after_names = frozenset(
        {
            "split",
            "grep",
            "map",
            "if",
            "unless",
            "and",
            "or",
            "not",
            "return",
            "while",
            "until",
            "join",
            "print",
            "push",
            "when",
        }
    )

    def name(self, i: int) -> int:
        end = i + 1
        while end < len(self.src) and (
            self.src[end].isalnum() or self.src[end] == "_" or self.src.startswith("::", end)
        ):
            end += 2 if self.src.startswith("::", end) else 1
        word = self.src[i:end]
        if word in QUOTE_OPS and self.tokens[-1:] != [Tok("op", "->")]:
            rest = self.src[end:].lstrip(" ")
            delim_at = len(self.src) - len(rest)
            if rest and not rest[0].isalnum() and rest[0] not in "_,;)=" and not rest.startswith("=>"):
                return self.quote_op(word, delim_at)
        self.tokens.append(Tok("name", word))
        return end

    def quote_op(self, op: str, at: int) -> int:
        raw, end = self.quoted(at + 1, self.src[at])
        if op in ("s", "tr", "y"):
            if self.src[at] in "([{<":
                while end < len(self.src) and self.src[end].isspace():
                    end += 1
                _, end = self.quoted(end + 1, self.src[end]) if end < len(self.src) else ("", end)
            else:
                _, end = self.delimited(end, self.src[at])
        while end < len(self.src) and self.src[end].isalpha():
            end += 1
        text = self.src[at:end]
        if op == "q":
            self.add_literal("str", raw, text, self.src[at])
        elif op == "qw":
            self.tokens.append(Tok("words", text, items=tuple(raw.split())))
        elif op in ("qq", "qx"):
            self.add_str("str" if op == "qq" else "cmd", raw, text, _interpolates(raw))
        else:
            self.tokens.append(Tok("regex", text, raw))
        return end

    def special(self, i: int) -> int | None:
        src, char = self.src, self.src[i]
        if char in "$@%&" and i + 1 < len(src) and (src[i + 1].isalnum() or src[i + 1] in "_:{"):
            if src[i + 1] == "{":
                self.tokens.append(Tok("op", char))
                return i + 1
            end = self.name(i + 1)
            self.tokens[-1] = Tok("name", char + self.tokens[-1].text)
            return end
        if char == "$" and i + 1 < len(src):  # $_ $/ $, $0 …
            self.tokens.append(Tok("name", src[i : i + 2]))
            return i + 2
        return self.shell_quoted(i, _interpolates)


def _interpolates(raw: str) -> bool:
    return any(
        raw[k] in "$@"
        and (k == 0 or raw[k - 1] != "\\")
        and k + 1 < len(raw)
        and (raw[k + 1].isalnum() or raw[k + 1] in "_{:")
        for k in range(len(raw))
    )


def handler(inv: Invocation, ctx: Context) -> list[Effect]:
    options = _options(list(inv.args))
    _, operands, letters = options

    def code(text: str, args: list[Word]) -> list[Effect]:
        return analyse(text, inv, ctx, args)

    ran = common.run_code(inv, ctx, "perl", options, code)
    if ran is not None:
        return ran
    if "v" in letters or "c" in letters:
        return [Effect.make(Kind.READ, inv.name, "checks syntax or prints its version", source=inv.source)]
    return common.script_or_stdin(inv, ctx, "perl", operands, code)


def _options(args: list[Word]) -> tuple[list[Word], list[Word], set[str]]:
    """(-e code parts, operands, option letters seen) — perl bundles letters: `-lne`, `-pi.bak -e`."""
    codes: list[Word] = []
    letters: set[str] = set()
    i = 0
    while i < len(args) and args[i].text.startswith("-") and args[i].text not in ("-", "--"):
        text, i = args[i].text, i + 1
        for j in range(1, len(text)):
            letter = text[j]
            letters.add(letter)
            if letter in "eE":
                if j + 1 < len(text):
                    codes.append(Word(text[j + 1 :], args[i - 1].known, args[i - 1].why))
                elif i < len(args):
                    codes.append(args[i])
                    i += 1
                break
            if letter == "i" or (letter in VALUED_LETTERS and letter not in "0l"):
                if letter in "IM" and j + 1 == len(text) and i < len(args):
                    i += 1
                break
    if i < len(args) and args[i].text == "--":
        i += 1
    return codes, args[i:], letters


def analyse(code: str, inv: Invocation, ctx: Context, args: Sequence[Word] = ()) -> list[Effect]:
    """Effects of perl `code`; `args` are its command-line arguments (@ARGV)."""
    try:
        tokens = PerlLexer(code).run()
    except LexError as exc:
        return [Effect.unknown(f"perl: could not read the code ({exc})", inv.source)]
    consts = common.constants(tokens, ".")
    home = fold.home_values(ctx.home, "$ENV { HOME }", "$ENV { 'HOME' }", '$ENV { "HOME" }')
    tokens = fold.fold(tokens, consts, ".", argv={("$ARGV",): args}, joins=JOINS, values=home)
    consts = common.constants(tokens, ".")
    names = {t.text for t in tokens if t.kind == "name"}
    if "eval" in names and any(marker in code for marker in NETWORK):
        return [Effect.make(Kind.EXEC_REMOTE, inv.name, "evaluates code fetched from the network", source=inv.source)]
    effects = common.shell_commands(tokens, inv, ctx, "perl")
    if any(t.text in ("system", "exec") and n.text == "{" for t, n in itertools.pairwise(tokens)):
        effects.append(Effect.unknown("perl system { PROGRAM } LIST: program chosen at run time", inv.source))
    for call in calls.find_calls(tokens, BARE, frozenset({"->"})):
        effects.extend(_call(call, inv, ctx, consts))
    return effects or common.read_only(inv, "perl")


def _call(call: Call, inv: Invocation, ctx: Context, consts: dict[str, str]) -> list[Effect]:
    name = call.name.rsplit("::", 1)[-1]
    if call.chain:
        return []
    if name == "open":
        return _open(call, inv, ctx, consts)
    if name == "eval" and call.args:
        return [Effect.unknown(f"perl eval of a string {common.RUNTIME}", inv.source)]
    if name in ("chmod", "chown"):
        skip = 1 if name == "chmod" else 2
        words = [w for arg in call.args[skip:] for w in common.words_of(arg, consts, ".")]
        return common.file_effects(ctx, Kind.FILE_PERMS, words, inv, f"perl {name}")
    api = APIS.get(name)
    if api is None or (name == "truncate" and common.str_value(call.args[0] if call.args else (), consts, ".") is None):
        return []
    if not call.args and api.op == "delete":  # `unlink` alone deletes $_
        return [Effect.unknown(f"perl {name} of $_ ({common.RUNTIME})", inv.source)]
    return common.apply(api, call, inv, ctx, consts, ".", label="perl")


def _open(call: Call, inv: Invocation, ctx: Context, consts: dict[str, str]) -> list[Effect]:
    """open(FH, '>', 'f'), open(FH, '>f'), open(FH, '-|', 'cmd'), open(FH, 'cmd |')."""
    args: Sequence[Sequence[Tok]] = call.args
    if len(args) < 2:
        return []
    second = common.str_value(args[1], consts, ".")
    if second is None:
        return [Effect.unknown(f"perl open() with a mode or file {common.RUNTIME}", inv.source)]
    mode, target = (second.strip(), args[2]) if len(args) > 2 else _two_arg(second)
    if "|" in mode and len(args) > 3:  # open(my $fh, '-|', 'rm', '-rf', 'x'): a command as a list
        words = [w for arg in args[2:] for w in common.words_of(arg, consts, ".")]
        if not words[0].known:
            return [Effect.unknown(f"perl open() of a pipe {common.RUNTIME}", inv.source)]
        return ctx.run(inv.with_words(words))
    if "|" in mode:
        command = common.str_value(target, consts, ".") if not isinstance(target, str) else target
        return (
            ctx.shell(command, inv)
            if command
            else [Effect.unknown(f"perl open() of a pipe {common.RUNTIME}", inv.source)]
        )
    if not mode.startswith((">", "+")):
        return []
    kind = Kind.FILE_WRITE if mode.startswith(">>") else Kind.FILE_OVERWRITE
    words = [Word.literal(target)] if isinstance(target, str) else common.words_of(target, consts, ".")
    return common.file_effects(ctx, kind, words, inv, f"perl open('{mode}')", writes=kind == Kind.FILE_OVERWRITE)


def _two_arg(spec: str) -> tuple[str, str]:
    spec = spec.strip()
    if spec.endswith("|"):
        return "|", spec[:-1].strip()
    if spec.startswith("|"):
        return "|", spec[1:].strip()
    mode = spec[: len(spec) - len(spec.lstrip("+<>"))]
    return mode, spec[len(mode) :].strip()
