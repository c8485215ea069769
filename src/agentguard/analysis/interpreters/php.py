"""php: `-r` code and small scripts, by their file functions and process functions.

unlink, rmdir, file_put_contents, rename, copy, fopen(…, 'w'), exec / system / shell_exec / passthru /
popen / proc_open / backticks are followed to the paths and commands they name; `array_map('unlink',
glob('x/*'))` deletes what the glob matches. `php artisan …` is handed to the artisan handler.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentguard.analysis.interpreters import calls, common, fold
from agentguard.analysis.interpreters.calls import Call
from agentguard.analysis.interpreters.common import Api
from agentguard.analysis.interpreters.lexer import Lexer, LexError
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

_RUN = Api("shell", "runs")  # the command is always the first argument: exec($cmd, $output)
APIS: dict[str, Api] = {
    "unlink": Api("delete", "deletes"),
    "rmdir": Api("delete", "deletes"),
    "file_put_contents": Api("overwrite", "writes"),
    "rename": Api("move", "renames"),
    "copy": Api("copy", "copies over"),
    "touch": Api("write", "touches"),
    "mkdir": Api("write", "creates"),
    "chmod": Api("perms", "changes permissions of"),
    "chown": Api("perms", "changes the owner of"),
    "chgrp": Api("perms", "changes the group of"),
    "symlink": Api("write", "links", path=1),
    "link": Api("write", "links", path=1),
    "exec": _RUN,
    "system": _RUN,
    "shell_exec": _RUN,
    "passthru": _RUN,
    "popen": _RUN,
    "proc_open": _RUN,
    "pcntl_exec": Api("argv", "runs"),
}
CALLBACKS = frozenset({"array_map", "array_walk", "call_user_func", "call_user_func_array", "array_filter"})
EVALUATORS = frozenset({"eval", "create_function", "assert"})
NETWORK = ("http://", "https://", "curl_exec", "fsockopen", "file_get_contents($")
TEST_SCRIPTS = frozenset({"phpunit", "pest", "phpstan", "psalm", "php-cs-fixer", "phpcs", "phpcbf", "rector"})
BUILD_SCRIPTS = frozenset({"composer", "composer.phar"})
VALUED = frozenset({"-c", "-d", "-z", "-t"})


class PhpLexer(Lexer):
    line_comment = ("//", "#")

    def comment_allowed(self, i: int) -> bool:
        return not self.src.startswith("#[", i)  # attributes, not comments

    def regex_allowed(self) -> bool:
        return False  # php has no regex literals

    def special(self, i: int) -> int | None:
        src = self.src
        if src.startswith("<?php", i):
            return i + 5
        if src.startswith("?>", i):
            return i + 2
        end = self.shell_quoted(i, _interpolates)
        if end is not None:
            return end
        if src.startswith("<<<", i):
            raise LexError("heredoc strings are not read")
        return None


def _interpolates(raw: str) -> bool:
    return any(
        raw[k] == "$"
        and (k == 0 or raw[k - 1] != "\\")
        and k + 1 < len(raw)
        and (raw[k + 1].isalpha() or raw[k + 1] in "_{")
        for k in range(len(raw))
    )


def handler(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    i = 0
    while i < len(args) and args[i].text.startswith("-") and args[i].text not in ("-", "--"):
        text = args[i].text
        if text == "-r" and i + 1 < len(args):
            code = args[i + 1]
            argv = [Word.literal("Standard input code"), *args[i + 2 :]]
            return analyse(code.text, inv, ctx, argv) if code.known else [common.unknown_code(inv, code)]
        if text == "-f" and i + 1 < len(args):
            return _script(args[i + 1], args[i + 2 :], inv, ctx)
        if text in ("-v", "-m", "-i", "-h", "--version", "--help", "--ini", "--ri", "--rf", "--rc", "--re"):
            return [Effect.make(Kind.READ, inv.name, "prints its configuration or version", source=inv.source)]
        if text == "-l":
            return [Effect.make(Kind.EXEC_TEST, inv.name, "checks syntax", source=inv.source)]
        if text in ("-S", "-a"):
            return [Effect.make(Kind.EXEC_PROGRAM, inv.name, "starts a server or a shell", source=inv.source)]
        i += 2 if text in VALUED else 1
    operands = args[i + 1 :] if i < len(args) and args[i].text == "--" else args[i:]
    if not operands:
        return common.stdin_code(inv, ctx, "php", lambda text: analyse(text, inv, ctx))
    return _script(operands[0], operands[1:], inv, ctx)


def _script(word: Word, rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    base = word.text.rsplit("/", 1)[-1]
    if base == "artisan":
        return ctx.run(inv.with_words([Word.literal("artisan"), *rest]))
    if base in TEST_SCRIPTS:
        return [Effect.make(Kind.EXEC_TEST, base, "runs checks", source=inv.source)]
    if base in BUILD_SCRIPTS:
        return [Effect.make(Kind.EXEC_BUILD, base, "installs or builds", source=inv.source)]
    return common.script(word, inv, ctx, "php", lambda text: analyse(text, inv, ctx, [word, *rest]))


def analyse(code: str, inv: Invocation, ctx: Context, argv: Sequence[Word] = ()) -> list[Effect]:
    """Effects of php `code`; `argv` is what the code sees as $argv."""
    try:
        tokens = PhpLexer(code).run()
    except LexError as exc:
        return [Effect.unknown(f"php: could not read the code ({exc})", inv.source)]
    consts = common.constants(tokens, ".")
    home = fold.home_values(ctx.home, "getenv ( 'HOME' )", 'getenv ( "HOME" )', "$_SERVER [ 'HOME' ]")
    tokens = fold.fold(tokens, consts, ".", argv={("$argv",): argv}, values=home)
    consts = common.constants(tokens, ".")
    names = {t.text for t in tokens if t.kind == "name"}
    if names & EVALUATORS and any(marker in code for marker in NETWORK):
        return [Effect.make(Kind.EXEC_REMOTE, inv.name, "evaluates code fetched from the network", source=inv.source)]
    effects = common.shell_commands(tokens, inv, ctx, "php")
    closures = {
        t.text
        for i, t in enumerate(tokens[:-2])
        if tokens[i + 1].text == "=" and tokens[i + 2].text in ("function", "fn", "static")
    }
    for call in calls.find_calls(
        tokens, frozenset({"include", "require", "include_once", "require_once"}), frozenset({"->", "::"})
    ):
        if call.name.startswith("$") and not call.chain and call.name not in closures:  # $f = 'unlink'; $f('x')
            if call.name not in consts:
                effects.append(Effect.unknown(f"php calls a function named at run time ({call.name})", inv.source))
                continue
            call = Call((), consts[call.name], call.args)
        effects.extend(_call(call, inv, ctx, consts))
    return effects or common.read_only(inv, "php")


def _call(call: Call, inv: Invocation, ctx: Context, consts: dict[str, str]) -> list[Effect]:
    name = call.name.lstrip("\\").lower()
    if call.chain:
        return []
    label = f"php {name}()"
    if name in EVALUATORS and call.args and common.str_value(call.args[0], consts, ".") is None:
        return [Effect.unknown(f"php {name}() of code {common.RUNTIME}", inv.source)]
    if name in CALLBACKS:
        return _callback(call, inv, ctx, consts)
    if name == "fopen":
        return _fopen(call, inv, ctx, consts, label)
    if name.startswith(("include", "require")) and call.args:
        path = common.str_value(call.args[0], consts, ".")
        if path is None or path.startswith(("http://", "https://")):
            return [Effect.unknown(f"php {name} of a file {common.RUNTIME} or remote", inv.source)]
        return []
    api = APIS.get(name)
    if api is None:
        return []
    if name == "file_put_contents" and len(call.args) > 2 and any(t.text == "FILE_APPEND" for t in call.args[2]):
        api = Api("write", "appends to")
    if name == "proc_open" and call.args and call.args[0][:1] and call.args[0][0].text == "[":
        api = Api("argv", "runs")
    return common.apply(api, call, inv, ctx, consts, ".", label=label)


def _callback(call: Call, inv: Invocation, ctx: Context, consts: dict[str, str]) -> list[Effect]:
    """array_map('unlink', glob('*.db')): the named function applied to every element."""
    if not call.args:
        return []
    callee = common.str_value(call.args[0], consts, ".")
    if callee is None:
        if any(t.text in ("unlink", "rmdir", "exec", "system") for t in call.args[0]):
            return [Effect.unknown(f"php {call.name}() with a destructive callback", inv.source)]
        return []
    api = APIS.get(callee.lower())
    if api is None:
        return []
    items = call.args[1:]
    return common.apply(
        Api(api.op, api.detail, every=True),
        Call((), callee, items),
        inv,
        ctx,
        consts,
        ".",
        label=f"php {call.name}('{callee}')",
    )


def _fopen(call: Call, inv: Invocation, ctx: Context, consts: dict[str, str], label: str) -> list[Effect]:
    if len(call.args) < 2:
        return []
    mode = common.str_value(call.args[1], consts, ".")
    if mode is not None and not any(c in mode for c in "waxc+"):
        return []
    kind = Kind.FILE_WRITE if mode is not None and mode.startswith(("a", "x", "c")) else Kind.FILE_OVERWRITE
    words = common.words_of(call.args[0], consts, ".")
    return common.file_effects(ctx, kind, words, inv, label, writes=kind == Kind.FILE_OVERWRITE)
