"""python / pypy: `-c` code, `-m` modules, scripts and code on stdin.

The code itself is analysed by `python_code` (with `ast`, never run); this module reads the command line.
"""

from __future__ import annotations

import os

from agentguard.analysis.interpreters import common
from agentguard.analysis.interpreters.python_code import analyse
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

TEST_MODULES = frozenset(
    {
        "pytest",
        "unittest",
        "doctest",
        "mypy",
        "ruff",
        "flake8",
        "pylint",
        "black",
        "isort",
        "coverage",
        "tox",
        "nox",
        "pyright",
        "pyflakes",
        "pycodestyle",
        "bandit",
    }
)
BUILD_MODULES = frozenset(
    {
        "pip",
        "venv",
        "build",
        "twine",
        "setuptools",
        "ensurepip",
        "pipx",
        "poetry",
        "virtualenv",
        "compileall",
        "py_compile",
        "maturin",
        "hatch",
        "pdm",
        "uv",
    }
)
READ_MODULES = frozenset(
    {
        "json.tool",
        "http.server",
        "site",
        "sysconfig",
        "platform",
        "timeit",
        "this",
        "tokenize",
        "pydoc",
        "calendar",
        "pstats",
    }
)
VALUED = frozenset({"-W", "-X", "-Q"})
DELEGATED = {
    "alembic": "alembic",
    "django": "django-admin",
    "sqlite3": "sqlite3",
    "pip": "pip",
    "agentguard": "agentguard",
}


def handler(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    i = 0
    while i < len(args):
        text = args[i].text
        if text == "-c" and i + 1 < len(args):
            return _inline(args[i + 1], args[i + 2 :], inv, ctx)
        if text.startswith("-c") and len(text) > 2:
            return _inline(Word(text[2:], args[i].known, args[i].why), args[i + 1 :], inv, ctx)
        if text == "-m" and i + 1 < len(args):
            return _module(args[i + 1].text, args[i + 2 :], inv, ctx)
        if text.startswith("-m") and len(text) > 2:
            return _module(text[2:], args[i + 1 :], inv, ctx)
        if text in ("-V", "--version", "-h", "--help"):
            return [Effect.make(Kind.READ, inv.name, "prints its version or help", source=inv.source)]
        if text in ("-", "--") or not text.startswith("-"):
            break
        i += 2 if text in VALUED else 1
    rest = args[i + 1 :] if i < len(args) and args[i].text in ("-", "--") else args[i:]
    if not rest or args[i].text == "-":
        return common.stdin_code(inv, ctx, "python", lambda text: analyse(text, inv, ctx))
    script = rest[0]
    if script.text.endswith("manage.py"):
        return ctx.run(inv.with_words([Word.literal("manage.py"), *rest[1:]]))
    return common.script(script, inv, ctx, "python", lambda text: analyse(text, inv, ctx, argv=rest), limit=1 << 30)


def _inline(code: Word, rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    argv = [Word.literal("-c"), *rest]
    return analyse(code.text, inv, ctx, argv=argv) if code.known else [common.unknown_code(inv, code)]


def _beside(inv: Invocation, tool: str) -> str:
    """`/venv/bin/python -m pip` is `/venv/bin/pip`: the tool of that environment (where pip installs)."""
    program = inv.words[0].text if inv.words else ""
    return os.path.join(os.path.dirname(program), tool) if "/" in program else tool


def _module(module: str, rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    top = module.split(".", 1)[0]
    if top in DELEGATED:  # handlers that know these tools (pip uninstall agentguard is guard tampering)
        return ctx.run(inv.with_words([Word.literal(_beside(inv, DELEGATED[top])), *rest]))
    if module in ("pytest", "tox", "nox"):  # runners that load project files as code (conftest.py…)
        return ctx.run(inv.with_words([Word.literal(module), *rest]))
    if top in TEST_MODULES:
        return [Effect.make(Kind.EXEC_TEST, module, "runs checks", source=inv.source)]
    if top in BUILD_MODULES:
        return [Effect.make(Kind.EXEC_BUILD, module, "installs or builds", source=inv.source)]
    if module in READ_MODULES:
        return [Effect.make(Kind.READ, module, "runs a read-only python tool", source=inv.source)]
    return [Effect.make(Kind.EXEC_PROGRAM, module, "runs a python module", source=inv.source)]
