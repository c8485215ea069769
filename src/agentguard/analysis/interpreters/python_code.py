"""Python code, parsed with `ast` and read by the file, process and database calls it makes.

Names are resolved through the imports (`from shutil import rmtree as r`), so `list.remove(x)` is not
`os.remove`. Paths are followed through literals, `Path(…) / 'x'`, `os.path.join`, variables assigned once,
and loops over `glob(…)`; sqlite3 connections and cursors are followed to the SQL they execute. A modelled call
whose argument is computed at run time is unknown.
"""

from __future__ import annotations

import ast
import dataclasses
import os
import re
import warnings
from collections.abc import Sequence

from agentguard.analysis.interpreters import common
from agentguard.analysis.interpreters.python_db import Database, database
from agentguard.analysis.interpreters.python_scope import Scope
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

DELETE = {
    "os.remove": False,
    "os.unlink": False,
    "os.rmdir": False,
    "os.removedirs": False,
    "shutil.rmtree": True,
    "send2trash.send2trash": False,
}
MOVE = frozenset({"os.rename", "os.replace", "os.renames", "shutil.move"})
COPY = frozenset({"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "os.link", "os.symlink"})
PERMS = frozenset({"os.chmod", "os.chown", "os.lchown", "shutil.chown", "os.lchmod"})
TRUNCATE = frozenset({"os.truncate"})
MKDIR = frozenset({"os.mkdir", "os.makedirs"})
OPENERS = frozenset({"open", "io.open", "codecs.open", "os.open", "builtins.open"})
SHELL = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "pty.spawn"})
SUBPROCESS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    }
)
EXEC_V = re.compile(r"^os\.(exec|spawn)[lv]p?e?$")
EVALUATORS = frozenset({"exec", "eval", "compile", "builtins.exec", "builtins.eval"})
IMPORTERS = frozenset({"__import__", "importlib.import_module", "runpy.run_path", "runpy.run_module"})
PATH_METHODS = {
    "unlink": "delete",
    "rmdir": "delete",
    "write_text": "overwrite",
    "write_bytes": "overwrite",
    "touch": "write",
    "mkdir": "write",
    "chmod": "perms",
    "lchmod": "perms",
    "rename": "move",
    "replace": "move",
    "symlink_to": "write",
    "hardlink_to": "write",
    "open": "open",
}
PATH_ONLY = frozenset({"unlink", "rmdir", "write_text", "write_bytes", "rmtree", "symlink_to"})
SQL_METHODS = frozenset({"execute", "executescript", "executemany"})
NETWORK = ("urllib", "requests", "httpx", "http.client", "aiohttp", "socket", "ftplib")
UNMODELLED_ROOTS = frozenset(
    """boto3 botocore google azure psycopg2 psycopg pymysql MySQLdb mysql pymongo redis sqlalchemy kubernetes docker
    paramiko fabric requests httpx ftplib github stripe firebase_admin asyncpg motor elasticsearch supabase peewee
    duckdb
    """.split()
)
MODELLED = frozenset({*DELETE, *MOVE, *COPY, *PERMS, *TRUNCATE, *MKDIR, *OPENERS, *SHELL, *SUBPROCESS})
MODULES = frozenset({"os", "shutil", "subprocess", "pathlib", "sqlite3", "pty", "asyncio", "builtins", "io"})
DESTRUCTIVE_VERB = re.compile(
    r"^(delete|drop|remove|destroy|truncate|purge|flush|terminate|wipe|erase|kill|"
    r"reset|rmd|rm|execute|executescript|executemany|empty|batch_write|send)",
    re.I,
)


def analyse(code: str, inv: Invocation, ctx: Context, depth: int = 0, argv: Sequence[Word] = ()) -> list[Effect]:
    """Effects of python `code`; `argv` is what it sees as sys.argv."""
    try:
        with warnings.catch_warnings():  # SyntaxWarning on odd literals: a hook's stderr is not the place
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError) as exc:
        return [Effect.unknown(f"python: could not parse the code ({exc})", inv.source)]
    scope = Scope.of(tree, ctx.home, tuple(argv))
    if any(m.startswith(NETWORK) for m in scope.modules) and scope.calls_any(EVALUATORS):
        return [Effect.make(Kind.EXEC_REMOTE, inv.name, "evaluates code fetched from the network", source=inv.source)]
    effects: list[Effect] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            effects.extend(_call(node, scope, inv, ctx, depth))
    return effects or common.read_only(inv, "python")


def _call(node: ast.Call, scope: Scope, inv: Invocation, ctx: Context, depth: int) -> list[Effect]:
    name = scope.qualified(node.func)
    if isinstance(node.func, ast.Name) and name == node.func.id and scope.stars:  # from os import *
        name = next((f"{m}.{name}" for m in scope.stars if f"{m}.{name}" in MODELLED), name)
    if name in ("getattr", "builtins.getattr") and node.args and scope.qualified(node.args[0]) in MODULES:
        return [Effect.unknown("python getattr() on a file or process module: call not known", inv.source)]
    label = f"python {name or 'call'}()"
    if name in DELETE:
        return _paths(node, 0, scope, inv, ctx, Kind.FILE_DELETE, label, recursive=DELETE[name])
    if name in MOVE:
        return _paths(node, 0, scope, inv, ctx, Kind.FILE_MOVE, label) + _dest(node, scope, inv, ctx, label)
    if name in COPY:
        return _dest(node, scope, inv, ctx, label)
    if name in PERMS:
        return _paths(node, 0, scope, inv, ctx, Kind.FILE_PERMS, label)
    if name in TRUNCATE:
        return _paths(node, 0, scope, inv, ctx, Kind.FILE_OVERWRITE, label, writes=True)
    if name in MKDIR:
        return _paths(node, 0, scope, inv, ctx, Kind.FILE_WRITE, label)
    if name in OPENERS:
        return _open(node, 1, scope, inv, ctx, label)
    if name in SHELL or name in SUBPROCESS or (name and EXEC_V.match(name)):
        return _process(node, name, scope, inv, ctx, label)
    if name in EVALUATORS or name in IMPORTERS:
        return _evaluate(node, name, scope, inv, ctx, depth)
    if name in ("os.chdir", "os.fchdir"):
        return [Effect.unknown("python: changes directory, so relative paths are not known", inv.source)]
    if isinstance(node.func, ast.Attribute):
        return _method(node, node.func, name, scope, inv, ctx)
    return []


def _method(
    node: ast.Call, func: ast.Attribute, name: str | None, scope: Scope, inv: Invocation, ctx: Context
) -> list[Effect]:
    method = func.attr
    if method in SQL_METHODS and (db := database(scope, func.value)) is not None:
        return _sql(node, db, scope, inv, ctx)
    if method in PATH_METHODS and scope.is_path(func.value):
        return _path_method(node, method, scope.path(func.value), scope, inv, ctx)
    if method in PATH_ONLY:
        return [Effect.unknown(f"python .{method}() on a path computed at run time", inv.source)]
    root = (name or "").split(".", 1)[0]
    if (root in UNMODELLED_ROOTS or method in SQL_METHODS) and DESTRUCTIVE_VERB.match(method):
        return [Effect.unknown(f"python {name or method}(): effect not modelled, so it is asked", inv.source)]
    return []


def _path_method(
    node: ast.Call, method: str, receiver: Word | None, scope: Scope, inv: Invocation, ctx: Context
) -> list[Effect]:
    label = f"python Path.{method}()"
    if receiver is None:
        return [Effect.unknown(f"{label}: path computed at run time", inv.source)]
    op = PATH_METHODS[method]
    if op == "open":
        return _open(node, 0, scope, inv, ctx, label, receiver)
    if op == "move":
        dest = _dest(node, scope, inv, ctx, label, index=0)
        return common.file_effects(ctx, Kind.FILE_MOVE, [receiver], inv, label) + dest
    kind = {"delete": Kind.FILE_DELETE, "perms": Kind.FILE_PERMS, "write": Kind.FILE_WRITE}.get(op, Kind.FILE_OVERWRITE)
    return common.file_effects(ctx, kind, [receiver], inv, label, writes=op == "overwrite")


def _paths(
    node: ast.Call,
    index: int,
    scope: Scope,
    inv: Invocation,
    ctx: Context,
    kind: Kind,
    label: str,
    *,
    recursive: bool = False,
    writes: bool = False,
) -> list[Effect]:
    arg = _arg(node, index, ("path", "src", "name"))
    word = scope.path(arg) if arg is not None else None
    if word is None:
        return [Effect.unknown(f"{label}: path computed at run time", inv.source)]
    return common.file_effects(ctx, kind, [word], inv, label, recursive=recursive, writes=writes)


def _dest(node: ast.Call, scope: Scope, inv: Invocation, ctx: Context, label: str, index: int = 1) -> list[Effect]:
    return _paths(node, index, scope, inv, ctx, Kind.FILE_OVERWRITE, label, writes=True)


def _open(
    node: ast.Call,
    mode_index: int,
    scope: Scope,
    inv: Invocation,
    ctx: Context,
    label: str,
    receiver: Word | None = None,
) -> list[Effect]:
    mode = _arg(node, mode_index, ("mode", "flags"))
    if mode is None:
        return []
    text = mode.value if isinstance(mode, ast.Constant) and isinstance(mode.value, str) else None
    if text is not None and not any(c in text for c in "wax+"):
        return []
    if receiver is None:
        return _paths(node, 0, scope, inv, ctx, Kind.FILE_OVERWRITE, label, writes=True)
    kind = Kind.FILE_WRITE if text is not None and "a" in text else Kind.FILE_OVERWRITE
    return common.file_effects(ctx, kind, [receiver], inv, label, writes=kind == Kind.FILE_OVERWRITE)


def _process(node: ast.Call, name: str | None, scope: Scope, inv: Invocation, ctx: Context, label: str) -> list[Effect]:
    first = _arg(node, 0, ("args", "cmd", "command"))
    shell = (
        name in SHELL
        or name == "asyncio.create_subprocess_shell"
        or any(
            k.arg == "shell" and not (isinstance(k.value, ast.Constant) and not k.value.value) for k in node.keywords
        )
    )
    if name is not None and EXEC_V.match(name):
        first = node.args[1] if len(node.args) > 1 and isinstance(node.args[1], ast.List | ast.Tuple) else None
    if first is None:
        return [Effect.unknown(f"{label}: command computed at run time", inv.source)]
    directory = next((k.value for k in node.keywords if k.arg == "cwd"), None)
    if directory is not None:  # subprocess.run(['rm', '-rf', 'x'], cwd='build')
        where = scope.path(directory)
        if where is None or where.glob is not None:
            return [Effect.unknown(f"{label}: in a directory computed at run time", inv.source)]
        inv = dataclasses.replace(inv, cwd=os.path.join(inv.cwd, where.text) if inv.cwd else None)
    if shell or (isinstance(first, ast.Constant) and name != "asyncio.create_subprocess_exec"):
        text = scope.string(first)
        if text is None:
            return [Effect.unknown(f"{label}: shell command computed at run time", inv.source)]
        return ctx.shell(text, inv) if shell else ctx.run(inv.with_words([Word.literal(text)]))
    if name == "asyncio.create_subprocess_exec":
        words = [scope.word(a) for a in node.args]
    elif (split := scope.split(first)) is not None:  # "rm -rf x".split(), shlex.split("…")
        words = [Word.literal(part) for part in split]
    elif isinstance(first, ast.List | ast.Tuple):
        words = [scope.word(e) for e in first.elts]
    else:
        return [Effect.unknown(f"{label}: command computed at run time", inv.source)]
    if not words or not words[0].known:
        return [Effect.unknown(f"{label}: program computed at run time", inv.source)]
    return ctx.run(inv.with_words(words))


def _evaluate(
    node: ast.Call, name: str | None, scope: Scope, inv: Invocation, ctx: Context, depth: int
) -> list[Effect]:
    text = scope.string(node.args[0]) if node.args else None
    if text is None:
        return [Effect.unknown(f"python {name}() of code computed at run time", inv.source)]
    if name in IMPORTERS:
        return (
            []
            if name in ("__import__", "importlib.import_module")
            else [Effect.make(Kind.EXEC_PROGRAM, text, f"python {name}()", source=inv.source)]
        )
    if depth > 2:
        return [Effect.unknown("python: code nested too deeply to follow", inv.source)]
    return [e for e in analyse(text, inv, ctx, depth + 1, scope.argv) if e.kind != Kind.READ]


def _sql(node: ast.Call, db: Database, scope: Scope, inv: Invocation, ctx: Context) -> list[Effect]:
    from agentguard.analysis.sql import effects_of_sql

    sql = scope.string(node.args[0]) if node.args else None
    path = None
    if db.file is not None:
        if not db.file.known:
            return [Effect.unknown(f"python {db.dialect}: database path computed at run time", inv.source)]
        if db.file.text == ":memory:":
            return [Effect.make(Kind.READ, ":memory:", "python SQL on an in-memory database", source=inv.source)]
        found = ctx.targets(db.file, inv.cwd)
        path = found[0].path if found else None
    target = db.file.text if db.file is not None else db.context.get("database") or f"{db.dialect} database"
    context = {"database": db.file.text} if db.file is not None else db.context
    if sql is None:
        return [
            Effect.make(
                Kind.UNKNOWN,
                inv.source or "?",
                f"python SQL on {target} computed at run time",
                source=inv.source,
                context=context,
            )
        ]
    return effects_of_sql(
        sql, dialect=db.dialect, target=target, context=context, source=inv.source, path=path, cwd=inv.cwd
    )


def _arg(node: ast.Call, index: int, names: tuple[str, ...]) -> ast.expr | None:
    if index < len(node.args) and not isinstance(node.args[index], ast.Starred):
        return node.args[index]
    return next((k.value for k in node.keywords if k.arg in names), None)
