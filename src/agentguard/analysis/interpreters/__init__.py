"""Interpreter one-liners and scripts: python, node/deno/bun, perl, ruby, php, awk (and uv, osascript).

Code is never run. Python is parsed with `ast`; the others are tokenized (`lexer`) and read by their file and
process APIs. Each modelled call becomes effects on the paths it names, shell strings and argv lists are
analysed as commands, and what is computed at run time is unknown, so it is asked about rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterable

from agentguard.analysis.types import Context, Handler, Invocation
from agentguard.models import Effect

LANGUAGE = {
    "python": "python",
    "python3": "python",
    "python2": "python",
    "pypy": "python",
    "pypy3": "python",
    "node": "node",
    "nodejs": "node",
    "deno": "node",
    "bun": "node",
    "perl": "perl",
    "ruby": "ruby",
    "php": "php",
    "awk": "awk",
    "gawk": "awk",
    "mawk": "awk",
    "nawk": "awk",
    "uv": "launchers",
    "osascript": "launchers",
}


def interpreter(inv: Invocation, ctx: Context) -> Iterable[Effect]:
    """Dispatch to the language module, imported on first use (the hook pays only for what it sees)."""
    import importlib

    from agentguard.analysis.registry import canonical  # node18, python3.12, php8.2 share their family's module

    module = importlib.import_module(f"{__name__}.{LANGUAGE.get(canonical(inv.name), 'python')}")
    handler: Handler = module.handler
    return handler(inv, ctx)


HANDLERS: dict[str, Handler] = {name: interpreter for name in LANGUAGE}
