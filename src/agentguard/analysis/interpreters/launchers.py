"""uv and osascript: commands that start an interpreter or run code in another one.

`uv run X` runs X (a python script when it ends in .py); the package subcommands build or install.
`osascript -e 'do shell script "…"'` runs the shell string; other AppleScript that deletes or scripts the
Finder or System Events is not modelled and is unknown.
"""

from __future__ import annotations

import re

from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

UV_VALUED = frozenset(
    {
        "--with",
        "--python",
        "-p",
        "--project",
        "--directory",
        "--package",
        "--extra",
        "--group",
        "--env-file",
        "--index-url",
        "--from",
        "--with-requirements",
        "--index",
        "--only-group",
    }
)
UV_BUILD = frozenset(
    {
        "pip",
        "sync",
        "add",
        "remove",
        "lock",
        "venv",
        "build",
        "publish",
        "init",
        "python",
        "cache",
        "self",
        "export",
        "tree",
        "version",
        "generate-shell-completion",
        "format",
    }
)
SHELL_SCRIPT = re.compile(r'do\s+shell\s+script\s+"((?:\\.|[^"\\])*)"')
APPLESCRIPT_RISK = re.compile(r"\b(delete|Finder|System Events|keystroke|erase|empty trash|move)\b", re.I)


def handler(inv: Invocation, ctx: Context) -> list[Effect]:
    return _uv(inv, ctx) if inv.name == "uv" else _osascript(inv, ctx)


def _uv(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    while args and args[0].text.startswith("-"):
        if args[0].text in ("-V", "--version", "-h", "--help"):
            return [Effect.make(Kind.READ, "uv", "prints its version or help", source=inv.source)]
        args = args[2:] if args[0].text in UV_VALUED else args[1:]
    if not args:
        return [Effect.make(Kind.READ, "uv", "prints its help", source=inv.source)]
    sub, rest = args[0].text, args[1:]
    if sub == "tool" and rest and rest[0].text == "run":
        sub, rest = "run", rest[1:]
    elif sub == "tool" and rest and rest[0].text in ("install", "uninstall", "upgrade"):
        return ctx.run(inv.with_words([Word.literal("pip"), *rest]))  # the guard is a tool uv can remove
    elif sub == "tool":
        return [Effect.make(Kind.EXEC_BUILD, "uv tool", "installs or manages tools", source=inv.source)]
    if sub == "pip":  # the pip handler knows `pip uninstall agentguard`
        return ctx.run(inv.with_words([Word.literal("pip"), *rest]))
    if sub in UV_BUILD:
        return [Effect.make(Kind.EXEC_BUILD, f"uv {sub}", "installs or builds", source=inv.source)]
    if sub != "run":
        return [Effect.make(Kind.EXEC_PROGRAM, f"uv {sub}", "runs uv", source=inv.source)]
    while rest and rest[0].text.startswith("-") and rest[0].text != "--":
        rest = rest[2:] if rest[0].text in UV_VALUED else rest[1:]
    if rest and rest[0].text == "--":
        rest = rest[1:]
    if not rest:
        return [Effect.make(Kind.EXEC_PROGRAM, "uv run", "starts python", source=inv.source)]
    if rest[0].text.endswith(".py"):
        rest = [Word.literal("python"), *rest]
    return ctx.run(inv.with_words(rest))


def _osascript(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    codes = [args[i + 1] for i, w in enumerate(args[:-1]) if w.text == "-e"]
    if not codes:
        return [Effect.make(Kind.EXEC_PROGRAM, "osascript", "runs an AppleScript", source=inv.source)]
    unknown = next((w for w in codes if not w.known), None)
    if unknown is not None:
        return [Effect.unknown(f"osascript code not known before it runs ({unknown.why})", inv.source)]
    code = "\n".join(w.text for w in codes)
    effects: list[Effect] = []
    for match in SHELL_SCRIPT.finditer(code):
        effects += ctx.shell(match.group(1).replace('\\"', '"').replace("\\\\", "\\"), inv)
    rest = SHELL_SCRIPT.sub("", code)
    if "do shell script" in rest or APPLESCRIPT_RISK.search(rest):
        effects.append(
            Effect.unknown("osascript: AppleScript that scripts other applications is not modelled", inv.source)
        )
    return effects or [Effect.make(Kind.EXEC_PROGRAM, "osascript", "runs an AppleScript", source=inv.source)]
