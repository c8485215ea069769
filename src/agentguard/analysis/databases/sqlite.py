"""The sqlite3 and duckdb shells: SQL operands, -cmd/-init, dot-commands (.restore, .shell, .read…)."""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import unquote

from agentguard.analysis.databases.common import (
    Conn,
    Shell,
    db_effect,
    db_unknown,
    guarded,
    pipe_or_file,
    run_sql,
    script_file,
    script_stdin,
    script_word,
    split_words,
    write_output_file,
)
from agentguard.analysis.databases.options import Parsed, parse_args
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

SQLITE_VALUED = (
    "-cmd -init -separator -newline -nullvalue -vfs -mmap -lookaside -pagecache -heap -maxsize "
    "-nonce -escape -c -s -f -storage-version"
)


SQLITE_READ_DOTS = frozenset(
    "tables schema indexes indices databases dbinfo show help mode headers header width timer print explain eqp "
    "stats fullschema lint expert changes echo nullvalue separator prompt bail timeout scanstats crnl binary "
    "connection vfsinfo vfslist vfsname quit exit dump sha3sum selftest check testcase limit parameter param "
    "dbtotxt recover progress columns version nonce unmodule maxrows maxwidth highlight_results render_mode "
    "rows last_run_elapsed safe_mode".split()
)


def sqlite_shell(inv: Invocation, ctx: Context) -> list[Effect]:
    dialect = "duckdb" if inv.name == "duckdb" else "sqlite"
    parsed = parse_args(inv.args, SQLITE_VALUED, single_dash_long=True)
    if parsed.has("-A", "-archive"):
        return [db_unknown(f"{inv.name} -A (archive mode) extracts or rewrites files: not modelled", inv)]
    if parsed.has("-version", "-help"):
        return [db_effect(Kind.READ, inv.name, "shows version or help", inv)]
    operands = parsed.operands
    shell = Shell(ctx, inv, _sqlite_conn(operands[0] if operands else None, dialect, parsed, ctx, inv))
    ran = _sqlite_preamble(shell, parsed)
    scripts = operands[1:] + parsed.values("-c", "-s")
    for word in scripts:
        _sqlite_command_word(shell, word)
    for word in parsed.values("-f"):
        script_file(shell, word, _sqlite_script)
    if not scripts and not parsed.has("-f", "-c", "-s"):
        script_stdin(shell, _sqlite_script, interactive=not ran)
    return shell.effects or [db_effect(Kind.READ, shell.conn.target, "runs nothing that reads or changes data", inv)]


def _sqlite_conn(word: Word | None, dialect: str, parsed: Parsed, ctx: Context, inv: Invocation) -> Conn:
    readonly = parsed.has("-readonly")
    if word is None or word.text in ("", ":memory:"):
        return Conn(dialect, ":memory:", {}, None, inv.cwd, readonly, memory=True)
    text = word.text
    if text.startswith("file:") and word.known:
        name, _, query = text[5:].partition("?")
        readonly = readonly or "mode=ro" in query or "immutable=1" in query
        word = Word.literal(unquote(name))
        if word.text in ("", ":memory:") or "mode=memory" in query:
            return Conn(dialect, text, {}, None, inv.cwd, readonly, memory=True)
    found = ctx.targets(word, inv.cwd) if word.known else None
    path = found[0].path if found else None
    context = {"database": word.text} if word.known else {}
    return Conn(dialect, word.text, context, path, inv.cwd, readonly)


def _sqlite_preamble(shell: Shell, parsed: Parsed) -> bool:
    """`-init FILE` and `-cmd CMD` run before anything else; True if any did."""
    for word in parsed.values("-init"):
        script_file(shell, word, _sqlite_script)
    commands = parsed.values("-cmd")
    for word in commands:
        _sqlite_command_word(shell, word)
    return bool(commands) or parsed.has("-init")


def _sqlite_command_word(shell: Shell, word: Word) -> None:
    """One operand or -cmd value: a dot-command when it starts with `.`, SQL otherwise."""
    script_word(shell, word, shell.inv.name, _sqlite_command)


def _sqlite_command(shell: Shell, text: str) -> None:
    if text.lstrip().startswith("."):
        _dot_command(shell, text.strip())
    else:
        shell.effects.extend(run_sql(text, shell.inv, shell.conn))


def _sqlite_script(shell: Shell, script: str) -> None:
    """SQL lines and dot-command lines, in order (a dot-command is seen only between statements)."""
    buffer: list[str] = []
    for line in script.splitlines():
        pending = "\n".join(buffer).strip()
        if line.lstrip().startswith(".") and (not pending or pending.endswith(";")):
            flush_sql(shell, buffer)
            _dot_command(shell, line.strip())
        else:
            buffer.append(line)
    flush_sql(shell, buffer)


def flush_sql(shell: Shell, buffer: list[str]) -> None:
    text = "\n".join(buffer)
    buffer.clear()
    if text.strip():
        shell.effects.extend(run_sql(text, shell.inv, shell.conn))


def _dot_command(shell: Shell, line: str) -> None:
    words = split_words(line[1:])
    if not words:
        return
    name, args = words[0].lower(), words[1:]
    handler = _DOT_HANDLERS.get(name)
    if handler is not None:
        handler(shell, args, line)
    elif name in SQLITE_READ_DOTS:
        shell.effects.append(
            db_effect(
                Kind.READ, shell.conn.target, f"runs .{name}", shell.inv, shell.conn.context, path=shell.conn.path
            )
        )
    else:
        shell.effects.append(
            db_unknown(f"{shell.inv.name} dot-command .{name} is not modelled", shell.inv, shell.conn.context)
        )


def _dot_output(shell: Shell, args: list[str], line: str) -> None:
    """.output/.once/.log FILE write a file; `|cmd` pipes into a shell command; -x/-e open another program."""
    if any(a in ("-x", "-e") for a in args) or line.split()[0].lower() == ".excel":
        shell.effects.append(
            db_effect(Kind.EXEC_PROGRAM, "spreadsheet or editor", "opens the output in another program", shell.inv)
        )
    files = [a for a in args if not a.startswith("-")]
    if not files:
        return
    target = line[line.index("|") :].strip() if files[0].startswith("|") else files[0]
    shell.effects.extend(
        pipe_or_file(shell.ctx, target, shell.inv, f"{shell.inv.name} writes query output", shell.conn.cwd)
    )


def _dot_backup(shell: Shell, args: list[str], line: str) -> None:
    files = [a for a in args if not a.startswith("-")]
    if not files:
        return
    shell.effects.append(
        db_effect(
            Kind.READ,
            shell.conn.target,
            "reads the database to back it up",
            shell.inv,
            shell.conn.context,
            path=shell.conn.path,
        )
    )
    shell.effects.extend(
        write_output_file(shell.ctx, files[-1], shell.inv, "database backup written to", shell.conn.cwd)
    )


def _dot_restore(shell: Shell, args: list[str], line: str) -> None:
    files = [a for a in args if not a.startswith("-")]
    source = files[-1] if files else "?"
    schema = files[0] if len(files) > 1 else "main"
    path = shell.conn.path if schema == "main" else None
    shell.effects.append(
        guarded(
            db_effect(
                Kind.DB_DROP,
                f"database {shell.conn.target}",
                f"replaces the whole {schema} database with {source} (.restore)",
                shell.inv,
                shell.conn.context,
                path=path,
            ),
            shell.conn,
        )
    )


def _dot_import(shell: Shell, args: list[str], line: str) -> None:
    plain = _dot_operands(args, valued=("--skip", "--schema"))
    source, table = ([*plain, "?", "?"])[:2]
    if source.startswith("|"):
        shell.effects.extend(shell.ctx.shell(source[1:], shell.inv))
    effect = db_effect(
        Kind.DB_WRITE,
        f"table {table}",
        f"imports {source} into table {table} (.import)",
        shell.inv,
        {**shell.conn.context, "rewrites": "rows"},  # a protected database is saved first
        path=shell.conn.path,
    )
    shell.effects.append(guarded(effect, shell.conn))


def _dot_operands(args: list[str], valued: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in valued:
            skip = True
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def _dot_read(shell: Shell, args: list[str], line: str) -> None:
    if not args:
        return
    rest = line.split(None, 1)[1].strip() if len(line.split(None, 1)) > 1 else ""
    if rest.startswith("|"):
        shell.effects.extend(shell.ctx.shell(rest[1:], shell.inv))
        shell.effects.append(
            db_unknown("runs the SQL a shell command prints (.read |cmd)", shell.inv, shell.conn.context)
        )
        return
    script_file(shell, Word.literal(args[0]), _sqlite_script)


def _dot_open(shell: Shell, args: list[str], line: str) -> None:
    files = _dot_operands(args, valued=("--maxsize",))
    if not files:
        return
    conn = _sqlite_conn(
        Word.literal(files[-1]),
        shell.conn.dialect or "sqlite",
        parse_args([]),
        shell.ctx,
        Invocation(shell.inv.words, shell.conn.cwd, shell.inv.source),
    )
    conn.readonly = "--readonly" in args
    if "--new" in args and conn.path and os.path.exists(conn.path):
        shell.effects.append(
            db_effect(
                Kind.DB_DROP,
                f"database {conn.target}",
                f"empties {conn.target} (.open --new)",
                shell.inv,
                conn.context,
                path=conn.path,
            )
        )
    shell.conn = conn


def _dot_shell(shell: Shell, args: list[str], line: str) -> None:
    parts = line.split(None, 1)
    if len(parts) > 1:
        shell.effects.extend(shell.ctx.shell(parts[1], shell.inv))


def _dot_cd(shell: Shell, args: list[str], line: str) -> None:
    base = shell.conn.cwd
    shell.conn.cwd = os.path.normpath(os.path.join(base, os.path.expanduser(args[0]))) if args and base else None


def _dot_clone(shell: Shell, args: list[str], line: str) -> None:
    if args:
        shell.effects.extend(
            write_output_file(shell.ctx, args[0], shell.inv, "database clone written to", shell.conn.cwd)
        )


def _dot_load(shell: Shell, args: list[str], line: str) -> None:
    name = args[0] if args else "?"
    shell.effects.append(db_effect(Kind.EXEC_PROGRAM, name, "loads a native extension (.load)", shell.inv))


def _dot_archive(shell: Shell, args: list[str], line: str) -> None:
    if any(a in ("-t", "--list") or (a.startswith("-") and not a.startswith("--") and "t" in a) for a in args):
        shell.effects.append(db_effect(Kind.READ, shell.conn.target, "lists an SQLite archive", shell.inv))
        return
    shell.effects.append(db_unknown(".archive extracts or rewrites files: not modelled", shell.inv, shell.conn.context))


def _dot_dbconfig(shell: Shell, args: list[str], line: str) -> None:
    if len(args) < 2:
        shell.effects.append(db_effect(Kind.READ, shell.conn.target, "shows settings", shell.inv, shell.conn.context))
        return
    on = args[1].lower() in ("on", "1", "yes", "true")
    kind = Kind.DB_ALTER if args[0] == "writable_schema" and on else Kind.DB_WRITE
    shell.effects.append(
        db_effect(
            kind,
            shell.conn.target,
            f"sets .dbconfig {args[0]} {args[1]}",
            shell.inv,
            shell.conn.context,
            path=shell.conn.path,
        )
    )


def _dot_write(what: str) -> Callable[[Shell, list[str], str], None]:
    def handler(shell: Shell, args: list[str], line: str) -> None:
        shell.effects.append(
            guarded(
                db_effect(Kind.DB_WRITE, shell.conn.target, what, shell.inv, shell.conn.context, path=shell.conn.path),
                shell.conn,
            )
        )

    return handler


_DOT_HANDLERS: dict[str, Callable[[Shell, list[str], str], None]] = {
    "output": _dot_output,
    "once": _dot_output,
    "excel": _dot_output,
    "log": _dot_output,
    "trace": _dot_output,
    "iotrace": _dot_output,
    "backup": _dot_backup,
    "save": _dot_backup,
    "restore": _dot_restore,
    "import": _dot_import,
    "read": _dot_read,
    "open": _dot_open,
    "shell": _dot_shell,
    "system": _dot_shell,
    "cd": _dot_cd,
    "clone": _dot_clone,
    "load": _dot_load,
    "archive": _dot_archive,
    "ar": _dot_archive,
    "dbconfig": _dot_dbconfig,
    "imposter": _dot_write("creates an imposter table (.imposter)"),
    "session": _dot_write("records a session (.session)"),
    "filectrl": _dot_write("changes file controls"),
}
