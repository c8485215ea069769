"""node / deno / bun command lines: `-e`/`-p` code, `deno eval`, scripts (and modules preloaded with -r),
test and build subcommands. The code itself is read by `node_code`."""

from __future__ import annotations

from collections.abc import Sequence

from agentguard.analysis.interpreters import common
from agentguard.analysis.interpreters.node_code import analyse
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

CODE_FLAGS = ("-e", "--eval", "-p", "--print", "-pe", "-ep")
VALUED = frozenset(
    {
        "-r",
        "--require",
        "--import",
        "--loader",
        "--experimental-loader",
        "--input-type",
        "--title",
        "--env-file",
        "--conditions",
        "-C",
        "--cwd",
        "--config",
        "-c",
        "--import-map",
        "--lock",
        "--location",
        "--cert",
        "--preload",
    }
)
TEST_SUBCOMMANDS = frozenset({"test", "lint", "check", "bench"})
BUILD_SUBCOMMANDS = frozenset(
    {
        "install",
        "i",
        "add",
        "remove",
        "rm",
        "update",
        "upgrade",
        "link",
        "unlink",
        "build",
        "pm",
        "create",
        "init",
        "fmt",
        "compile",
        "cache",
        "bundle",
        "outdated",
        "doc",
        "vendor",
        "uninstall",
        "publish",
    }
)
PRELOAD_FLAGS = frozenset({"-r", "--require", "--import", "--preload", "--loader", "--experimental-loader"})
SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx")


def handler(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    if inv.name in ("deno", "bun") and args and not args[0].text.startswith("-"):
        return _subcommand(inv, ctx, args)
    return _node(inv, ctx, args)


def _node(inv: Invocation, ctx: Context, args: list[Word]) -> list[Effect]:
    preloaded = _preloads(args, inv, ctx)  # -r ./setup.js runs before anything else
    return preloaded + [e for e in _main(inv, ctx, args) if e.kind != Kind.READ or not preloaded]


def _main(inv: Invocation, ctx: Context, args: list[Word]) -> list[Effect]:
    i = 0
    while i < len(args):
        text = args[i].text
        if text in CODE_FLAGS and i + 1 < len(args):
            return _inline(args[i + 1], args[i + 2 :], inv, ctx)
        if text.startswith(("--eval=", "--print=")):
            code = Word(text.split("=", 1)[1], args[i].known, args[i].why)
            return _inline(code, args[i + 1 :], inv, ctx)
        if text in ("-v", "--version", "-h", "--help", "-c", "--check") and inv.name == "node":
            return [Effect.make(Kind.READ, inv.name, "checks syntax or prints its version", source=inv.source)]
        if text == "--test":
            return [Effect.make(Kind.EXEC_TEST, inv.name, "runs tests", source=inv.source)]
        if text == "-" or text == "--":
            i += 1
            break
        if not text.startswith("-"):
            break
        i += 2 if text in VALUED else 1
    if i >= len(args):
        return common.stdin_code(inv, ctx, "node", lambda text: analyse(text, inv, ctx))
    return _script(args[i], args[i + 1 :], inv, ctx)


def _preloads(args: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    """Local modules loaded with -r / --require / --import / --preload: scripts that run first."""
    effects: list[Effect] = []
    for i, word in enumerate(args[:-1]):
        if word.text not in PRELOAD_FLAGS:
            continue
        module = args[i + 1]
        if not module.known or module.text.startswith((".", "/")) or module.text.endswith(SCRIPT_SUFFIXES):
            effects += _script(module, (), inv, ctx)
    return effects


def _inline(code: Word, rest: Sequence[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    return analyse(code.text, inv, ctx, args=rest) if code.known else [common.unknown_code(inv, code)]


def _script(word: Word, rest: Sequence[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    return common.script(word, inv, ctx, inv.name, lambda text: analyse(text, inv, ctx, args=rest, script=word.text))


def _subcommand(inv: Invocation, ctx: Context, args: list[Word]) -> list[Effect]:
    sub = args[0].text
    if sub == "eval":
        rest = [w for w in args[1:] if not w.text.startswith("-")]
        return _inline(rest[0], rest[1:], inv, ctx) if rest else [Effect.unknown("deno eval without code", inv.source)]
    if sub in TEST_SUBCOMMANDS:
        return [Effect.make(Kind.EXEC_TEST, inv.name, f"runs {sub}", source=inv.source)]
    if sub in BUILD_SUBCOMMANDS:
        return [Effect.make(Kind.EXEC_BUILD, inv.name, f"runs {sub}", source=inv.source)]
    if sub == "run":
        rest = args[1:]
        while rest and rest[0].text.startswith("-"):
            rest = rest[2:] if rest[0].text in VALUED else rest[1:]
        if not rest:
            return [Effect.make(Kind.EXEC_PROGRAM, inv.name, "runs a package script", source=inv.source)]
        args = rest
    target = args[0]
    if not (target.text.endswith(SCRIPT_SUFFIXES) or "/" in target.text):
        return [Effect.make(Kind.EXEC_PROGRAM, target.text, "runs a package script or task", source=inv.source)]
    return _script(target, args[1:], inv, ctx)
