"""What the node, perl, ruby and php analysers share: reading the literal arguments of calls
(see `calls`) and turning a modelled API (`Api`) into effects through the handler `Context`.

An argument is literal when it is a string without interpolation, a concatenation of such strings, or a
variable assigned exactly once from one; anything else is computed at run time and makes an unknown effect.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agentguard.analysis.interpreters.calls import Call, split_args
from agentguard.analysis.interpreters.lexer import Tok
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

GLOB_FUNCTIONS = frozenset({"glob", "Dir.glob", "Dir.[]", "bsd_glob"})
RUNTIME = "computed at run time"
# Scripts longer than this are run unread, like the files too large to read at all: a hook cannot spend
# the time (the tokenizer runs at ~1 ms per KB), and scripts an agent writes for one task are far shorter.
# Python is parsed by `ast` in C and reads whatever `ctx.read_text` returns.
MAX_SCRIPT_CHARS = 32 * 1024


@dataclass(frozen=True, slots=True)
class Api:
    """How a modelled function acts: `op` is delete, overwrite, write, move, copy, perms, shell, argv or
    system (one string → shell, several → argv); `path`/`dest` are argument indexes; `every` makes every
    argument a path (perl's unlink LIST)."""

    op: str
    detail: str
    path: int = 0
    dest: int = 1
    recursive: bool = False
    every: bool = False


# ---- literal values ----------------------------------------------------------------------------------


def constants(tokens: Sequence[Tok], concat: str = "+") -> dict[str, str]:
    """Variables assigned exactly once, from a literal: `const dir = 'dist'`, `$f = "a.db";`, `my $d = 'x';`."""
    values: dict[str, str] = {}
    assigned: dict[str, int] = {}
    for i, tok in enumerate(tokens[:-1]):
        if tok.kind != "name" or tokens[i + 1].text not in ("=", "+=", ".=", "||=", "??="):
            continue
        name = tok.text
        assigned[name] = assigned.get(name, 0) + 1
        end = i + 2
        while end < len(tokens) and tokens[end].kind != "nl" and tokens[end].text not in (";", ","):
            end += 1
        value = str_value(tokens[i + 2 : end], values, concat) if tokens[i + 1].text == "=" else None
        if value is not None:
            values[name] = value
    return {name: value for name, value in values.items() if assigned.get(name) == 1}


def str_value(arg: Sequence[Tok], consts: dict[str, str] | None = None, concat: str = "+") -> str | None:
    """The value of a literal argument (strings joined by `concat`, known variables), else None."""
    parts: list[str] = []
    expect_value = True
    for tok in arg:
        if expect_value:
            if tok.kind == "str" and tok.value is not None:
                parts.append(tok.value)
            elif tok.kind == "name" and consts is not None and tok.text in consts:
                parts.append(consts[tok.text])
            else:
                return None
        elif not (tok.kind == "op" and tok.text == concat):
            return None
        expect_value = not expect_value
    return "".join(parts) if parts and not expect_value else None


def words_of(arg: Sequence[Tok], consts: dict[str, str], concat: str = "+") -> list[Word]:
    """The paths an argument names: one literal, a list literal, %w[]/qw(), or a glob('…') call. A part that
    is computed at run time is an unknown word, so the caller reports it."""
    if len(arg) > 1 and arg[0].text == "*":  # a splat: File.delete(*Dir.glob('x'))
        arg = arg[1:]
    if len(arg) == 1 and arg[0].kind == "words":
        return [Word.literal(item) for item in arg[0].items]
    value = str_value(arg, consts, concat)
    if value is not None:
        return [Word.literal(value)]
    if arg and arg[0].kind == "op" and arg[0].text == "[" and arg[-1].text == "]":
        return [w for part in split_args(arg[1:-1]) for w in words_of(part, consts, concat)]
    if len(arg) == 1 and arg[0].kind == "glob" and arg[0].value:  # a block variable over a glob's matches
        return [Word(arg[0].value, glob=arg[0].value)]
    pattern = glob_pattern(arg, consts, concat)
    if pattern is not None:
        return [Word(pattern, glob=pattern)]
    return [Word("?", known=False, why=f"{RUNTIME}: {' '.join(t.text for t in arg)[:60]}")]


def glob_pattern(arg: Sequence[Tok], consts: dict[str, str], concat: str) -> str | None:
    """The pattern of `glob('x')`, `Dir.glob('x')`, `Dir['x']` or perl's `<x>`, when literal."""
    texts = [t.text for t in arg]
    if len(arg) >= 2 and arg[0].kind == "name":
        name, rest = arg[0].text, list(arg[1:])
        if len(arg) >= 4 and texts[1] in (".", "::") and arg[2].kind == "name":
            name, rest = f"{arg[0].text}.{arg[2].text}", list(arg[3:])
        if rest and rest[0].text in ("(", "[") and rest[-1].text in (")", "]"):
            name = name + ".[]" if rest[0].text == "[" else name
            rest = rest[1:-1]
        if name in GLOB_FUNCTIONS:
            return str_value(rest, consts, concat)
    if len(arg) >= 3 and texts[0] == "<" and texts[-1] == ">":  # perl's <*.db>, not <$dir/*>
        inner = arg[1:-1]
        return (
            None
            if any(t.kind not in ("name", "op", "num") or t.text[0] in "$@" for t in inner)
            else "".join(t.text for t in inner)
        )
    return None


def has_option(arg: Sequence[Tok], name: str) -> bool:
    """`{recursive: true}` / `recursive => 1` / `recursive: true` inside an options argument."""
    texts = [t.text if t.kind != "str" else (t.value or "") for t in arg]
    for i, text in enumerate(texts[:-2]):
        if text == name and texts[i + 1] in (":", "=>", "=") and texts[i + 2] in ("true", "1", "True"):
            return True
    return False


# ---- effects -----------------------------------------------------------------------------------------


def apply(
    api: Api,
    call: Call,
    inv: Invocation,
    ctx: Context,
    consts: dict[str, str],
    concat: str = "+",
    *,
    recursive: bool = False,
    label: str = "",
) -> list[Effect]:
    """The effects of calling `api` with `call`'s arguments."""
    detail = f"{label} {api.detail}".strip()
    args = call.args
    if api.op in ("shell", "argv", "system"):
        return _process(api, args, inv, ctx, consts, concat, detail)
    if api.every:
        words = [w for arg in args for w in words_of(arg, consts, concat)]
    else:
        words = words_of(args[api.path], consts, concat) if api.path < len(args) else []
    if not words:
        return [Effect.unknown(f"{detail}: no path given", inv.source)]
    recursive = recursive or api.recursive
    if api.op in ("move", "copy"):
        dest = words_of(args[api.dest], consts, concat) if api.dest < len(args) else []
        effects = [] if api.op == "copy" else file_effects(ctx, Kind.FILE_MOVE, words, inv, detail)
        return effects + (
            file_effects(ctx, Kind.FILE_OVERWRITE, dest, inv, detail, writes=True)
            if dest
            else [Effect.unknown(f"{detail}: no destination given", inv.source)]
        )
    kind = {"delete": Kind.FILE_DELETE, "perms": Kind.FILE_PERMS, "write": Kind.FILE_WRITE}.get(
        api.op, Kind.FILE_OVERWRITE
    )
    return file_effects(ctx, kind, words, inv, detail, recursive=recursive, writes=api.op == "overwrite")


def file_effects(
    ctx: Context,
    kind: Kind,
    words: Sequence[Word],
    inv: Invocation,
    detail: str,
    *,
    recursive: bool = False,
    writes: bool = False,
) -> list[Effect]:
    """`ctx.file_effects` for each word; with `writes`, a file that does not exist yet is created, not
    overwritten (the same rule as the shell's `>`)."""
    effects = [e for w in words for e in ctx.file_effects(kind, w, inv, detail, recursive=recursive)]
    if writes:
        return [dataclasses.replace(e, kind=Kind.FILE_WRITE) if e.exists is False else e for e in effects]
    return effects


def _process(
    api: Api,
    args: Sequence[Sequence[Tok]],
    inv: Invocation,
    ctx: Context,
    consts: dict[str, str],
    concat: str,
    detail: str,
) -> list[Effect]:
    if not args:
        return [Effect.unknown(f"{detail}: no command given", inv.source)]
    directory = option_text(args[1:], ("cwd", "chdir"), consts, concat)  # execSync('rm -rf x', {cwd: 'build'})
    if directory is not None:
        if not directory:
            return [Effect.unknown(f"{detail}: in a directory {RUNTIME}", inv.source)]
        inv = dataclasses.replace(inv, cwd=os.path.join(inv.cwd, directory) if inv.cwd else None)
    if api.op == "system":  # ruby: system({env}, cmd…, exception: true) — the hash and options are not words
        args = [arg for arg in args if not _is_options(arg)] or args[:1]
    shell_option = any(has_option(arg, "shell") for arg in args[1:])  # spawn('rm -rf x', {shell: true})
    if api.op == "shell" or shell_option or (api.op == "system" and len(args) == 1 and not _is_list(args[0])):
        parts = [str_value(args[0], consts, concat)]
        if shell_option and len(args) > 1 and _is_list(args[1]):
            parts += [w.text if w.known else None for w in words_of(args[1], consts, concat)]
        if any(part is None for part in parts):
            return [Effect.unknown(f"{detail}: the shell command is {RUNTIME}", inv.source)]
        return ctx.shell(" ".join(p for p in parts if p is not None), inv)
    if _is_list(args[0]):  # Bun.spawn(['rm', '-rf', 'x']), system(['rm', 'x'])
        words = words_of(args[0], consts, concat)
    elif api.op == "argv":  # spawn(program, [args…], {options})
        rest = args[1] if len(args) > 1 and _is_list(args[1]) else ()
        words = words_of(args[0], consts, concat) + (words_of(rest, consts, concat) if rest else [])
    else:  # system('rm', '-rf', 'x')
        words = [w for arg in args for w in words_of(arg, consts, concat)]
    if not words or not words[0].known:
        return [Effect.unknown(f"{detail}: the program is {RUNTIME}", inv.source)]
    return ctx.run(inv.with_words(words))


def option_text(
    args: Sequence[Sequence[Tok]], names: tuple[str, ...], consts: dict[str, str], concat: str
) -> str | None:
    """The literal value of an option such as `{cwd: 'x'}` / `chdir: 'x'`; "" when it is given but computed,
    None when it is not given."""
    for arg in args:
        for i, tok in enumerate(arg[:-2]):
            if tok.text in names and arg[i + 1].text in (":", "=>", "="):
                end = i + 2
                while end < len(arg) and arg[end].text not in (",", "}", ")"):
                    end += 1
                return str_value(arg[i + 2 : end], consts, concat) or ""
    return None


def _is_options(arg: Sequence[Tok]) -> bool:
    """A hash or keyword argument: `{…}`, `exception: true`, `:chdir => 'x'`."""
    texts = [t.text for t in arg]
    return bool(texts) and (texts[0] == "{" or (len(texts) > 1 and texts[1] in (":", "=>")))


def _is_list(arg: Sequence[Tok]) -> bool:
    return bool(arg) and (arg[0].kind == "words" or arg[0].text == "[")


def read_only(inv: Invocation, language: str) -> list[Effect]:
    return [Effect.make(Kind.READ, inv.name, f"{language} code that only computes or prints", source=inv.source)]


def shell_commands(tokens: Sequence[Tok], inv: Invocation, ctx: Context, language: str) -> list[Effect]:
    """What the backtick / qx commands in the code run (perl, php, ruby), in the order they appear."""
    effects: list[Effect] = []
    for tok in tokens:
        if tok.kind != "cmd":
            continue
        if tok.value is None:
            effects.append(Effect.unknown(f"{language} runs a shell command {RUNTIME}: {tok.text[:80]}", inv.source))
        else:
            effects.extend(ctx.shell(tok.value, inv))
    return effects


Analyse = Callable[[str, list[Word]], list[Effect]]  # code, its arguments → effects


def run_code(
    inv: Invocation, ctx: Context, language: str, options: tuple[list[Word], list[Word], set[str]], analyse: Analyse
) -> list[Effect] | None:
    """Perl and ruby alike, from their parsed options (-e code parts, operands, option letters): `-i` edits the
    operands in place, `-e` code runs over them. None when neither is given (a script, stdin or a report)."""
    codes, operands, letters = options
    effects: list[Effect] = []
    if "i" in letters:
        effects = [e for w in operands for e in ctx.file_effects(Kind.FILE_OVERWRITE, w, inv,
                                                                 f"{language} -i edits in place")]  # fmt: skip
        effects = effects or [Effect.unknown(f"{language} -i without a file to edit", inv.source)]
    if codes:
        code = inline_code(codes)
        found = analyse(code.text, operands) if code.known else [unknown_code(inv, code)]
        return effects + [e for e in found if e.kind != Kind.READ] or found
    return effects or None


def script_or_stdin(
    inv: Invocation, ctx: Context, language: str, operands: list[Word], analyse: Analyse
) -> list[Effect]:
    """The code is a script named by the first operand (the rest are its arguments), else stdin."""
    if not operands:
        return stdin_code(inv, ctx, language, lambda text: analyse(text, []))
    return script(operands[0], inv, ctx, language, lambda text: analyse(text, operands[1:]))


def inline_code(words: Sequence[Word]) -> Word:
    """Several -e parts run as one program, a line each."""
    if len(words) == 1:
        return words[0]
    unknown = next((w for w in words if not w.known), None)
    if unknown is not None:
        return unknown
    return Word.literal("\n".join(w.text for w in words))


def unknown_code(inv: Invocation, code: Word) -> Effect:
    return Effect.unknown(f"{inv.name} code not known before it runs ({code.why})", inv.source)


def stdin_code(inv: Invocation, ctx: Context, language: str, analyse: Callable[[str], list[Effect]]) -> list[Effect]:
    """Code the interpreter reads on stdin (`node < x.js`, `curl … | perl`)."""
    from agentguard.analysis.shell import Walker
    from agentguard.analysis.shell_builtins import code_from_stdin

    if isinstance(ctx, Walker):
        return code_from_stdin(inv, language, analyse)
    return [Effect.unknown(f"{language} code from stdin", inv.source)]


def script(
    word: Word,
    inv: Invocation,
    ctx: Context,
    language: str,
    analyse: Callable[[str], list[Effect]],
    limit: int = MAX_SCRIPT_CHARS,
) -> list[Effect]:
    """A script named on the command line: it runs, and when small and readable its code is analysed too."""
    if not word.known:
        return [Effect.unknown(f"runs a {language} script whose name is not known ({word.why})", inv.source)]
    if word.text.startswith(("http://", "https://")):
        return [Effect.make(Kind.EXEC_REMOTE, word.text, f"runs {language} code from the network", source=inv.source)]
    effects = [Effect.make(Kind.EXEC_PROGRAM, word.text, f"runs a {language} script", source=inv.source)]
    text = ctx.read_text(word.text, inv.cwd)
    if text is None or len(text) > limit:  # a bundle or an app, not a one-off script: it runs, unread
        full = os.path.join(inv.cwd or "/", os.path.expanduser(word.text))
        if inv.cwd is not None and ctx.agent_wrote(os.path.normpath(full)):  # unless the agent just wrote it
            why = f"runs {word.text}, which the agent wrote in this session: too large or unreadable to judge"
            return [*effects, Effect.unknown(why, inv.source)]
        return effects
    return effects + [e for e in analyse(text) if e.kind != Kind.READ]
