"""Database clients, admin tools and ORM/migration CLIs: what they would do to which database.

A client is judged by the SQL (or JavaScript, or Redis commands) it would run, wherever that comes from: an
operand, `-c`/`-e`/`--eval`, a file named with `-f`/`.read`/`\\i`/`source`, or stdin (heredoc, here-string,
piped text, `< file`). Client meta-commands (`.restore`, `\\copy`, `\\!`) are modelled too, because they
overwrite databases and files or run shell code. Every effect carries where it runs (host, port, database, user,
a DSN with its password masked, the SQLite file as `path`) so that policy can single out production.
A client with nothing to run is an interactive session; SQL that cannot be known before it runs is unknown.

ORM and migration tools (prisma, rails, manage.py, alembic, …) are judged by sub-command: resets, drops and
migrations to zero are destructive; ordinary migrate/seed is a write; status/list only reads. `RAILS_ENV`,
`DATABASE_URL` and the like, given on the command line, go into the context.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

from agentguard.analysis.types import Context, Handler, Invocation, Word
from agentguard.models import Effect, Kind

MAX_SCRIPT_DEPTH = 6  # .read / \i / source nesting followed at most this deep
_FLAG = Word.literal("")


# ---- command-line options ------------------------------------------------------------------------------


@dataclass
class Parsed:
    """Options and operands in the order given. `items` holds (option, value) pairs; operands have option ""."""

    items: list[tuple[str, Word]] = field(default_factory=list)

    @property
    def operands(self) -> list[Word]:
        return [w for name, w in self.items if name == ""]

    def values(self, *names: str) -> list[Word]:
        return [w for name, w in self.items if name in names and w is not _FLAG]

    def value(self, *names: str) -> Word | None:
        found = self.values(*names)
        return found[-1] if found else None

    def text(self, *names: str) -> str | None:
        word = self.value(*names)
        return word.text if word is not None and word.known else None

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.items)


def parse_args(args: Sequence[Word], valued: str = "", *, single_dash_long: bool = False, optional: str = "") -> Parsed:
    """getopt-style parsing: `-c X`, `-cX`, bundled `-1tA`, `--long X`, `--long=X`; `optional` options take a
    value only when attached (mysql `-pSECRET`). With `single_dash_long` (sqlite3, duckdb) `-cmd` is one option
    and `--cmd` the same one."""
    valued_set, optional_set = frozenset(valued.split()), frozenset(optional.split())
    parsed = Parsed()
    i = 0
    while i < len(args):
        word, text = args[i], args[i].text
        if text == "--" and word.known:
            parsed.items.extend(("", w) for w in args[i + 1 :])
            break
        if not word.known or not text.startswith("-") or text == "-":
            parsed.items.append(("", word))
        elif text.startswith("--") or single_dash_long:
            i = _long_option(args, i, valued_set, parsed, single_dash_long)
        else:
            i = _short_options(args, i, valued_set, optional_set, parsed)
        i += 1
    return parsed


def _long_option(args: Sequence[Word], i: int, valued: frozenset[str], parsed: Parsed, single: bool) -> int:
    word = args[i]
    name, eq, value = word.text.partition("=")
    if single:
        name = "-" + name.lstrip("-")
    if eq:
        parsed.items.append((name, _part(word, value)))
    elif name in valued and i + 1 < len(args):
        parsed.items.append((name, args[i + 1]))
        return i + 1
    else:
        parsed.items.append((name, _FLAG))
    return i


def _short_options(
    args: Sequence[Word], i: int, valued: frozenset[str], optional: frozenset[str], parsed: Parsed
) -> int:
    word = args[i]
    text = word.text
    for j in range(1, len(text)):
        name, rest = "-" + text[j], text[j + 1 :]
        if name in valued:
            if rest:
                parsed.items.append((name, _part(word, rest)))
            elif i + 1 < len(args):
                parsed.items.append((name, args[i + 1]))
                return i + 1
            else:
                parsed.items.append((name, _FLAG))
            return i
        if name in optional:
            parsed.items.append((name, _part(word, rest) if rest else _FLAG))
            return i
        parsed.items.append((name, _FLAG))
    return i


def _part(word: Word, text: str) -> Word:
    return Word(text=text, known=word.known, why=word.why)


# ---- where a command runs ------------------------------------------------------------------------------


def url_context(url: str) -> dict[str, str]:
    """host/port/database/user of a connection URL (postgres://, mysql://, mongodb+srv://, redis://, jdbc:…),
    and the URL itself as `dsn` with its password masked."""
    text = url[5:] if url.startswith("jdbc:") else url
    out: dict[str, str] = {"dsn": _mask(url)}
    try:
        parts = urlsplit(text)
        userinfo, _, hosts = parts.netloc.rpartition("@")
        query = parse_qs(parts.query)
    except ValueError:
        return out
    if userinfo:
        out["user"] = unquote(userinfo.split(":", 1)[0])
    host, port = _host_port(hosts)
    out["host"] = host or query.get("host", [""])[0]
    out["port"] = port
    out["database"] = unquote(parts.path.lstrip("/").split("/", 1)[0]) or query.get("dbname", [""])[0]
    return _clean(out)


def conninfo_context(text: str) -> dict[str, str]:
    """libpq keyword form: `host=db1 port=5432 dbname=app user=me`."""
    pairs = dict(re.findall(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", text))

    def get(*keys: str) -> str:
        return next((pairs[k].strip("'") for k in keys if k in pairs), "")

    masked = re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", text)
    return _clean(
        {
            "host": get("host", "hostaddr"),
            "port": get("port"),
            "database": get("dbname"),
            "user": get("user"),
            "dsn": masked,
        }
    )


def target_context(text: str) -> dict[str, str]:
    """A database operand: a URL, a libpq conninfo string, or a plain database name."""
    if "://" in text:
        return url_context(text)
    if re.match(r"\s*\w+\s*=", text):
        return conninfo_context(text)
    return _clean({"database": text})


def _host_port(hosts: str) -> tuple[str, str]:
    if "," in hosts or not hosts:
        return hosts, ""
    if hosts.startswith("["):
        host, _, rest = hosts[1:].partition("]")
        return host, rest.lstrip(":")
    host, _, port = hosts.partition(":")
    return host, port


def _mask(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", url)


def _clean(pairs: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in pairs.items() if v}


def env_context(inv: Invocation, mapping: dict[str, str]) -> dict[str, str]:
    """Context from `VAR=value` prefixes (PGHOST, MYSQL_HOST…): only what the command line shows."""
    out: dict[str, str] = {}
    for name, value in inv.assignments:
        key = mapping.get(name)
        if key == "url" and value:
            out.update(url_context(value))
        elif key and value:
            out[key] = value
    return out


def _merge(*contexts: dict[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for context in contexts:
        out.update(_clean(context))
    return out


def _opt_context(parsed: Parsed, keys: dict[str, str]) -> dict[str, str]:
    """Context from options: {"-h": "host", "--host": "host", …}."""
    out: dict[str, str] = {}
    for name, word in parsed.items:
        key = keys.get(name)
        if key and word is not _FLAG and word.known and word.text:
            if key == "url":
                out.update(target_context(word.text))
            else:
                out[key] = word.text
    return out


# ---- shared helpers ------------------------------------------------------------------------------------


@dataclass
class Conn:
    """The database a client talks to, as SQL effects need it; `\\c`, `.open` and `use` change it."""

    dialect: str | None
    target: str
    context: dict[str, str]
    path: str | None = None
    cwd: str | None = None
    readonly: bool = False
    memory: bool = False


def _effect(
    kind: Kind, target: str, detail: str, inv: Invocation, context: dict[str, str] | None = None, **kwargs: object
) -> Effect:
    return Effect.make(kind, target, detail, source=inv.source, context=context, **kwargs)


def _unknown(reason: str, inv: Invocation, context: dict[str, str] | None = None) -> Effect:
    return Effect.make(Kind.UNKNOWN, inv.source or "?", reason, source=inv.source, context=context)


def _interactive(inv: Invocation, conn: Conn) -> Effect:
    return _effect(
        Kind.EXEC_PROGRAM, conn.target, f"opens an interactive {inv.name} session", inv, conn.context, path=conn.path
    )


def _stdin_text(inv: Invocation, what: str, conn: Conn) -> str | Effect | None:
    """The text on stdin when known; an unknown effect when it comes from a pipe or unreadable file; None when
    nothing is redirected (an interactive session)."""
    stdin = inv.stdin
    if stdin.text is not None:
        return stdin.text
    if stdin.origin == "none":
        return None
    where = f" {stdin.path}" if stdin.path else ""
    return _unknown(f"{what} read from {stdin.origin}{where} is not known before it runs", inv, conn.context)


def run_sql(text: str, inv: Invocation, conn: Conn) -> list[Effect]:
    from agentguard.analysis.sql import effects_of_sql

    effects = effects_of_sql(
        text,
        dialect=conn.dialect,
        target=conn.target,
        context=conn.context,
        source=inv.source,
        path=conn.path,
        cwd=conn.cwd,
    )
    return [_guarded(e, conn) for e in effects]


def _guarded(effect: Effect, conn: Conn) -> Effect:
    """A read-only connection or an in-memory database cannot lose stored data: its writes are reads."""
    if not effect.kind.value.startswith("db."):
        return effect
    if conn.readonly:
        return _as_read(effect, "read-only connection: the change would be refused")
    if conn.memory and effect.path is None:
        return _as_read(effect, "in-memory database: nothing is stored")
    return effect


def _as_read(effect: Effect, why: str) -> Effect:
    return Effect(
        kind=Kind.READ,
        target=effect.target,
        detail=f"{effect.detail} ({why})",
        source=effect.source,
        path=effect.path,
        context=effect.context,
    )


def _sql_word(word: Word, inv: Invocation, conn: Conn, flag: str) -> list[Effect]:
    if not word.known:
        return [_unknown(f"{inv.name} {flag}: SQL not known before it runs ({word.why})", inv, conn.context)]
    return run_sql(word.text, inv, conn)


def _read_file(ctx: Context, word: Word, inv: Invocation, conn: Conn, what: str) -> str | Effect:
    if not word.known:
        return _unknown(f"{what} file name not known before it runs ({word.why})", inv, conn.context)
    text = ctx.read_text(word.text, conn.cwd or inv.cwd)
    if text is None:
        return _unknown(f"{what} file {word.text} could not be read (missing, too large or binary)", inv, conn.context)
    return text


def _write_file(ctx: Context, name: str, inv: Invocation, detail: str, cwd: str | None = None) -> list[Effect]:
    """An output file a client writes (`.output`, `\\o`, `-o`): overwritten when it exists."""
    word = Word.literal(name)
    found = ctx.targets(word, cwd or inv.cwd)
    kind = Kind.FILE_OVERWRITE if found and found[0].exists else Kind.FILE_WRITE
    where = inv if cwd is None else Invocation(inv.words, cwd, inv.source, inv.stdin, inv.assignments)
    return ctx.file_effects(kind, word, where, detail)


def _pipe_or_file(ctx: Context, target: str, inv: Invocation, detail: str, cwd: str | None) -> list[Effect]:
    """`|cmd` runs a shell command (output piped to it); anything else is a file written."""
    if target.startswith("|"):
        return ctx.shell(target[1:].strip(), inv)
    if target in ("", "stdout", "stderr", "off", "-"):
        return []
    return _write_file(ctx, target, inv, detail, cwd)


def _split_words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


# ---- sqlite3 and duckdb shells -------------------------------------------------------------------------

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


@dataclass
class Shell:
    """State of one sqlite3/duckdb shell run: the connection and the effects so far."""

    ctx: Context
    inv: Invocation
    conn: Conn
    effects: list[Effect] = field(default_factory=list)
    depth: int = 0


def sqlite_shell(inv: Invocation, ctx: Context) -> list[Effect]:
    dialect = "duckdb" if inv.name == "duckdb" else "sqlite"
    parsed = parse_args(inv.args, SQLITE_VALUED, single_dash_long=True)
    if parsed.has("-A", "-archive"):
        return [_unknown(f"{inv.name} -A (archive mode) extracts or rewrites files: not modelled", inv)]
    if parsed.has("-version", "-help"):
        return [_effect(Kind.READ, inv.name, "shows version or help", inv)]
    operands = parsed.operands
    shell = Shell(ctx, inv, _sqlite_conn(operands[0] if operands else None, dialect, parsed, ctx, inv))
    ran = _sqlite_preamble(shell, parsed)
    scripts = operands[1:] + parsed.values("-c", "-s")
    for word in scripts:
        _sqlite_command_word(shell, word)
    for word in parsed.values("-f"):
        _sqlite_file(shell, word)
    if not scripts and not parsed.has("-f", "-c", "-s"):
        _sqlite_stdin(shell, ran)
    return shell.effects or [_effect(Kind.READ, shell.conn.target, "runs nothing that reads or changes data", inv)]


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
        _sqlite_file(shell, word)
    commands = parsed.values("-cmd")
    for word in commands:
        _sqlite_command_word(shell, word)
    return bool(commands) or parsed.has("-init")


def _sqlite_stdin(shell: Shell, ran: bool) -> None:
    """Without SQL operands the shell reads stdin; with nothing redirected it is an interactive session."""
    script = _stdin_text(shell.inv, "SQL", shell.conn)
    if script is None:
        if not ran:
            shell.effects.append(_interactive(shell.inv, shell.conn))
    elif isinstance(script, Effect):
        shell.effects.append(script)
    else:
        _sqlite_script(shell, script)


def _sqlite_command_word(shell: Shell, word: Word) -> None:
    """One operand or -cmd value: a dot-command when it starts with `.`, SQL otherwise."""
    if not word.known:
        shell.effects.append(
            _unknown(f"{shell.inv.name}: SQL not known before it runs ({word.why})", shell.inv, shell.conn.context)
        )
    elif word.text.lstrip().startswith("."):
        _dot_command(shell, word.text.strip())
    else:
        shell.effects.extend(run_sql(word.text, shell.inv, shell.conn))


def _sqlite_file(shell: Shell, word: Word) -> None:
    text = _read_file(shell.ctx, word, shell.inv, shell.conn, "SQL")
    if isinstance(text, Effect):
        shell.effects.append(text)
    elif shell.depth >= MAX_SCRIPT_DEPTH:
        shell.effects.append(_unknown("SQL files nested too deeply to follow", shell.inv, shell.conn.context))
    else:
        shell.depth += 1
        _sqlite_script(shell, text)
        shell.depth -= 1


def _sqlite_script(shell: Shell, script: str) -> None:
    """SQL lines and dot-command lines, in order (a dot-command is seen only between statements)."""
    buffer: list[str] = []
    for line in script.splitlines():
        pending = "\n".join(buffer).strip()
        if line.lstrip().startswith(".") and (not pending or pending.endswith(";")):
            _flush_sql(shell, buffer)
            _dot_command(shell, line.strip())
        else:
            buffer.append(line)
    _flush_sql(shell, buffer)


def _flush_sql(shell: Shell, buffer: list[str]) -> None:
    text = "\n".join(buffer)
    buffer.clear()
    if text.strip():
        shell.effects.extend(run_sql(text, shell.inv, shell.conn))


def _dot_command(shell: Shell, line: str) -> None:
    words = _split_words(line[1:])
    if not words:
        return
    name, args = words[0].lower(), words[1:]
    handler = _DOT_HANDLERS.get(name)
    if handler is not None:
        handler(shell, args, line)
    elif name in SQLITE_READ_DOTS:
        shell.effects.append(
            _effect(Kind.READ, shell.conn.target, f"runs .{name}", shell.inv, shell.conn.context, path=shell.conn.path)
        )
    else:
        shell.effects.append(
            _unknown(f"{shell.inv.name} dot-command .{name} is not modelled", shell.inv, shell.conn.context)
        )


def _dot_output(shell: Shell, args: list[str], line: str) -> None:
    """.output/.once/.log FILE write a file; `|cmd` pipes into a shell command; -x/-e open another program."""
    if any(a in ("-x", "-e") for a in args) or line.split()[0].lower() == ".excel":
        shell.effects.append(
            _effect(Kind.EXEC_PROGRAM, "spreadsheet or editor", "opens the output in another program", shell.inv)
        )
    files = [a for a in args if not a.startswith("-")]
    if not files:
        return
    target = line[line.index("|") :].strip() if files[0].startswith("|") else files[0]
    shell.effects.extend(
        _pipe_or_file(shell.ctx, target, shell.inv, f"{shell.inv.name} writes query output", shell.conn.cwd)
    )


def _dot_backup(shell: Shell, args: list[str], line: str) -> None:
    files = [a for a in args if not a.startswith("-")]
    if not files:
        return
    shell.effects.append(
        _effect(
            Kind.READ,
            shell.conn.target,
            "reads the database to back it up",
            shell.inv,
            shell.conn.context,
            path=shell.conn.path,
        )
    )
    shell.effects.extend(_write_file(shell.ctx, files[-1], shell.inv, "database backup written to", shell.conn.cwd))


def _dot_restore(shell: Shell, args: list[str], line: str) -> None:
    files = [a for a in args if not a.startswith("-")]
    source = files[-1] if files else "?"
    schema = files[0] if len(files) > 1 else "main"
    path = shell.conn.path if schema == "main" else None
    shell.effects.append(
        _guarded(
            _effect(
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
    effect = _effect(
        Kind.DB_WRITE,
        f"table {table}",
        f"imports {source} into table {table} (.import)",
        shell.inv,
        shell.conn.context,
        path=shell.conn.path,
    )
    shell.effects.append(_guarded(effect, shell.conn))


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
            _unknown("runs the SQL a shell command prints (.read |cmd)", shell.inv, shell.conn.context)
        )
        return
    _sqlite_file(shell, Word.literal(args[0]))


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
            _effect(
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
        shell.effects.extend(_write_file(shell.ctx, args[0], shell.inv, "database clone written to", shell.conn.cwd))


def _dot_load(shell: Shell, args: list[str], line: str) -> None:
    name = args[0] if args else "?"
    shell.effects.append(_effect(Kind.EXEC_PROGRAM, name, "loads a native extension (.load)", shell.inv))


def _dot_archive(shell: Shell, args: list[str], line: str) -> None:
    if any(a in ("-t", "--list") or (a.startswith("-") and not a.startswith("--") and "t" in a) for a in args):
        shell.effects.append(_effect(Kind.READ, shell.conn.target, "lists an SQLite archive", shell.inv))
        return
    shell.effects.append(_unknown(".archive extracts or rewrites files: not modelled", shell.inv, shell.conn.context))


def _dot_dbconfig(shell: Shell, args: list[str], line: str) -> None:
    if len(args) < 2:
        shell.effects.append(_effect(Kind.READ, shell.conn.target, "shows settings", shell.inv, shell.conn.context))
        return
    on = args[1].lower() in ("on", "1", "yes", "true")
    kind = Kind.DB_ALTER if args[0] == "writable_schema" and on else Kind.DB_WRITE
    shell.effects.append(
        _effect(
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
            _guarded(
                _effect(Kind.DB_WRITE, shell.conn.target, what, shell.inv, shell.conn.context, path=shell.conn.path),
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


# ---- psql ----------------------------------------------------------------------------------------------

PSQL_VALUED = (
    "-c --command -d --dbname -f --file -h --host -p --port -U --username -v --set --variable "
    "-o --output -L --log-file -F --field-separator -R --record-separator -P --pset -T --table-attr"
)
PG_ENV = {
    "PGHOST": "host",
    "PGHOSTADDR": "host",
    "PGPORT": "port",
    "PGDATABASE": "database",
    "PGUSER": "user",
    "PGSERVICE": "service",
}
PG_OPTS = {"-h": "host", "--host": "host", "-p": "port", "--port": "port", "-U": "user", "--username": "user"}
PSQL_QUIET_METAS = frozenset(
    "a C f H t T x timing echo qecho warn q quit ? h help conninfo encoding prompt if elif else endif r reset p "
    "print s errverbose sf sv l list z copyright getenv pset unset setenv gset gdesc crosstabview watch bind "
    "bind_named parse close_prepared startpipeline endpipeline syncpipeline flushrequest flush getresults "
    "sendpipeline restrict unrestrict lo_list g gx".split()
)
_PSQL_VAR = re.compile(r"(?<![:\w]):(?!:)(['\"]?)([A-Za-z_]\w*)\1")
_COPY_RE = re.compile(r"\s*(\(.*\)|\S+?)(?:\s*\([^)]*\))?\s+(from|to)\s+(program\s+)?('(?:[^']|'')*'|\S+)", re.I | re.S)


@dataclass
class PsqlShell(Shell):
    variables: dict[str, str] = field(default_factory=dict)


def psql(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, PSQL_VALUED)
    conn = _pg_conn(inv, parsed)
    if parsed.has("-l", "--list", "-V", "--version", "-?", "--help"):
        return [_effect(Kind.READ, conn.target, "lists databases or shows help", inv, conn.context)]
    shell = PsqlShell(ctx, inv, conn, variables=_psql_variables(parsed))
    for word in parsed.values("-o", "--output", "-L", "--log-file"):
        shell.effects.extend(_pipe_or_file(ctx, word.text, inv, "psql writes query output", inv.cwd))
    actions = [(name, word) for name, word in parsed.items if name in ("-c", "--command", "-f", "--file")]
    for name, word in actions:
        if name in ("-c", "--command"):
            _psql_text_word(shell, word)
        elif word.text == "-":
            _psql_stdin(shell)
        else:
            _psql_file(shell, word)
    if not actions:
        _psql_stdin(shell)
    return shell.effects


def _pg_conn(inv: Invocation, parsed: Parsed) -> Conn:
    """Where psql connects: PG* variables, then the dbname (a name, URL or conninfo), then -h/-p/-U."""
    operands = parsed.operands
    dbname = parsed.value("-d", "--dbname") or (operands[0] if operands else None)
    context = env_context(inv, PG_ENV)
    if dbname is not None and dbname.known:
        context = _merge(context, target_context(dbname.text))
    if len(operands) > 1 and operands[1].known and parsed.value("-d", "--dbname") is None:
        context["user"] = operands[1].text
    context = _merge(context, _opt_context(parsed, PG_OPTS))
    return Conn("postgres", _db_target(context, "postgres"), context, None, inv.cwd)


def _db_target(context: dict[str, str], engine: str) -> str:
    database = context.get("database")
    return f"database {database}" if database else f"{engine} database"


def _psql_variables(parsed: Parsed) -> dict[str, str]:
    out: dict[str, str] = {}
    for word in parsed.values("-v", "--set", "--variable"):
        name, eq, value = word.text.partition("=")
        if eq and word.known:
            out[name] = value
    return out


def _psql_text_word(shell: PsqlShell, word: Word) -> None:
    if not word.known:
        shell.effects.append(
            _unknown(f"psql -c: SQL not known before it runs ({word.why})", shell.inv, shell.conn.context)
        )
    else:
        _psql_script(shell, word.text)


def _psql_stdin(shell: PsqlShell) -> None:
    script = _stdin_text(shell.inv, "SQL", shell.conn)
    if script is None:
        shell.effects.append(_interactive(shell.inv, shell.conn))
    elif isinstance(script, Effect):
        shell.effects.append(script)
    else:
        _psql_script(shell, script)


def _psql_file(shell: PsqlShell, word: Word) -> None:
    text = _read_file(shell.ctx, word, shell.inv, shell.conn, "SQL")
    if isinstance(text, Effect):
        shell.effects.append(text)
    elif shell.depth >= MAX_SCRIPT_DEPTH:
        shell.effects.append(_unknown("SQL files nested too deeply to follow", shell.inv, shell.conn.context))
    else:
        shell.depth += 1
        _psql_script(shell, text)
        shell.depth -= 1


def _psql_script(shell: PsqlShell, script: str) -> None:
    """SQL and backslash meta-commands, in order; a meta-command ends the SQL gathered before it."""
    buffer: list[str] = []
    quote = ""
    for line in script.splitlines():
        sql, meta, quote = _split_meta(line, quote)
        buffer.append(sql)
        if meta:
            _flush_psql(shell, buffer)
            for name, arg in _metas(meta):
                _psql_meta(shell, name, arg)
    _flush_psql(shell, buffer)


def _split_meta(line: str, quote: str) -> tuple[str, str, str]:
    """Where the first backslash outside quotes starts a meta-command; the quote still open at line end."""
    i = 0
    while i < len(line):
        char = line[i]
        if quote:
            if line.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif char in "'\"":
            quote = char
        elif char == "$":
            tag = re.match(r"\$[A-Za-z_]*\$", line[i:])
            if tag:
                quote = tag.group(0)
                i += len(quote)
                continue
        elif char == "\\":
            return line[:i], line[i:], quote
        elif line.startswith("--", i):
            return line, "", quote
        i += 1
    return line, "", quote


def _metas(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for match in re.finditer(r"\\([^\s\\]+)((?:[^\\]|\\\\)*)", text):
        out.append((match.group(1), match.group(2).strip()))
    return out


def _flush_psql(shell: PsqlShell, buffer: list[str]) -> None:
    text = "\n".join(buffer)
    buffer.clear()
    if text.strip():
        shell.effects.extend(run_sql(_substitute(text, shell.variables), shell.inv, shell.conn))


def _substitute(text: str, variables: dict[str, str]) -> str:
    """psql interpolates `:name`, `:'name'` and `:"name"` from \\set and -v before the server sees the SQL."""

    def value(match: re.Match[str]) -> str:
        quote, name = match.group(1), match.group(2)
        if name not in variables:
            return match.group(0)
        raw = variables[name]
        return f"{quote}{raw}{quote}" if quote else raw

    return _PSQL_VAR.sub(value, text) if variables else text


def _psql_meta(shell: PsqlShell, name: str, arg: str) -> None:
    handler = _PSQL_METAS.get(name)
    if handler is not None:
        handler(shell, arg)
    elif name in PSQL_QUIET_METAS or name.startswith("d"):
        shell.effects.append(_effect(Kind.READ, shell.conn.target, f"runs \\{name}", shell.inv, shell.conn.context))
    else:
        shell.effects.append(_unknown(f"psql meta-command \\{name} is not modelled", shell.inv, shell.conn.context))


def _meta_include(shell: PsqlShell, arg: str) -> None:
    words = _split_words(arg)
    if words:
        _psql_file(shell, Word.literal(words[0]))


def _meta_shell(shell: PsqlShell, arg: str) -> None:
    if arg:
        shell.effects.extend(shell.ctx.shell(arg, shell.inv))
    else:
        shell.effects.append(_effect(Kind.EXEC_PROGRAM, "shell", "opens an interactive shell (\\!)", shell.inv))


def _meta_connect(shell: PsqlShell, arg: str) -> None:
    """\\c dbname [user] [host] [port], or \\c with a URL or conninfo: later SQL runs there."""
    words = _split_words(arg)
    if not words:
        return
    context = dict(shell.conn.context)
    if "://" in words[0] or "=" in words[0]:
        context = _merge(context, target_context(arg))
    else:
        for key, value in zip(("database", "user", "host", "port"), words, strict=False):
            if value != "-":
                context[key] = value
    if "://" not in arg and "=" not in arg:
        context.pop("dsn", None)  # a new database on the same server: the old DSN no longer describes it
    shell.conn = Conn("postgres", _db_target(context, "postgres"), context, None, shell.conn.cwd)


def _meta_copy(shell: PsqlShell, arg: str) -> None:
    """\\copy runs on the client: FROM a file loads rows, TO a file writes one, PROGRAM runs a shell command."""
    match = _COPY_RE.match(arg)
    if match is None:
        shell.effects.append(_unknown(f"could not read \\copy {arg}", shell.inv, shell.conn.context))
        return
    table, direction, program, where = match.groups()
    where = where[1:-1].replace("''", "'") if where.startswith("'") else where
    if program:
        shell.effects.extend(shell.ctx.shell(where, shell.inv))
    if direction.lower() == "from":
        detail = f"loads rows into table {table} from {'a command' if program else where} (\\copy)"
        shell.effects.append(_effect(Kind.DB_WRITE, f"table {table}", detail, shell.inv, shell.conn.context))
        return
    shell.effects.append(
        _effect(Kind.READ, shell.conn.target, "exports rows (\\copy … TO)", shell.inv, shell.conn.context)
    )
    if not program and where.lower() not in ("stdout", "pstdout"):
        shell.effects.extend(_write_file(shell.ctx, where, shell.inv, "\\copy writes rows to", shell.conn.cwd))


def _meta_output(shell: PsqlShell, arg: str) -> None:
    if arg:
        shell.effects.extend(
            _pipe_or_file(
                shell.ctx,
                arg if arg.startswith("|") else _split_words(arg)[0],
                shell.inv,
                "psql writes query output",
                shell.conn.cwd,
            )
        )


def _meta_gexec(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(
        _unknown(
            "\\gexec runs every value the query returns as SQL: not known before it runs", shell.inv, shell.conn.context
        )
    )


def _meta_set(shell: PsqlShell, arg: str) -> None:
    words = _split_words(arg)
    if words:
        shell.variables[words[0]] = "".join(words[1:])


def _meta_cd(shell: PsqlShell, arg: str) -> None:
    words = _split_words(arg)
    base = shell.conn.cwd
    shell.conn.cwd = os.path.normpath(os.path.join(base, os.path.expanduser(words[0]))) if words and base else None


def _meta_editor(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(_effect(Kind.EXEC_PROGRAM, "editor", "opens an editor on the query buffer", shell.inv))


def _meta_lo_unlink(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(
        _effect(
            Kind.DB_DELETE,
            f"large object {arg or '?'}",
            "deletes a large object (\\lo_unlink)",
            shell.inv,
            shell.conn.context,
        )
    )


def _meta_lo_import(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(
        _effect(Kind.DB_WRITE, shell.conn.target, "imports a large object (\\lo_import)", shell.inv, shell.conn.context)
    )


def _meta_lo_export(shell: PsqlShell, arg: str) -> None:
    words = _split_words(arg)
    if len(words) > 1:
        shell.effects.extend(_write_file(shell.ctx, words[1], shell.inv, "\\lo_export writes", shell.conn.cwd))


def _meta_password(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(
        _effect(
            Kind.DB_WRITE, f"role {arg or 'current'}", "changes a password (\\password)", shell.inv, shell.conn.context
        )
    )


def _meta_g(shell: PsqlShell, arg: str) -> None:
    if arg and not arg.startswith("("):
        _meta_output(shell, arg)


_PSQL_METAS: dict[str, Callable[[PsqlShell, str], None]] = {
    "i": _meta_include,
    "ir": _meta_include,
    "include": _meta_include,
    "include_relative": _meta_include,
    "!": _meta_shell,
    "c": _meta_connect,
    "connect": _meta_connect,
    "copy": _meta_copy,
    "o": _meta_output,
    "out": _meta_output,
    "w": _meta_output,
    "write": _meta_output,
    "g": _meta_g,
    "gx": _meta_g,
    "gexec": _meta_gexec,
    "set": _meta_set,
    "cd": _meta_cd,
    "e": _meta_editor,
    "edit": _meta_editor,
    "ef": _meta_editor,
    "ev": _meta_editor,
    "lo_unlink": _meta_lo_unlink,
    "lo_import": _meta_lo_import,
    "lo_export": _meta_lo_export,
    "password": _meta_password,
}


# ---- mysql / mariadb -----------------------------------------------------------------------------------

MYSQL_VALUED = (
    "-e --execute -h --host -P --port -u --user -D --database -S --socket --init-command "
    "--default-character-set --defaults-file --defaults-extra-file --login-path --protocol --tee "
    "--pager --delimiter --connect-timeout --max-allowed-packet --plugin-dir --default-auth "
    "--bind-address --ssl-ca --ssl-cert --ssl-key --ssl-mode --ssl-cipher --tls-version "
    "--net-buffer-length --select-limit --max-join-size --character-sets-dir"
)
MYSQL_OPTS = {
    "-h": "host",
    "--host": "host",
    "-P": "port",
    "--port": "port",
    "-u": "user",
    "--user": "user",
    "-D": "database",
    "--database": "database",
}
MYSQL_ENV = {"MYSQL_HOST": "host", "MYSQL_TCP_PORT": "port", "MYSQL_DATABASE": "database"}
MYSQL_QUIET = frozenset(
    "exit quit \\q charset \\C warnings \\W nowarning \\w status \\s pager \\P nopager \\n notee \\t prompt \\R "
    "rehash \\# resetconnection \\x help \\h ? \\? clear \\c print \\p query_attributes "
    "ssl_session_data_print go ego".split()
)


@dataclass
class MysqlShell(Shell):
    delimiter: str = ";"


def mysql(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, MYSQL_VALUED, optional="-p")
    operands = parsed.operands
    context = _merge(
        env_context(inv, MYSQL_ENV),
        _clean({"database": _texts(operands[:1], "")[0] if operands else ""}),
        _opt_context(parsed, MYSQL_OPTS),
    )
    conn = Conn("mysql", _db_target(context, inv.name), context, None, inv.cwd)
    if parsed.has("-V", "--version", "-?", "-I", "--help"):
        return [_effect(Kind.READ, inv.name, "shows version or help", inv)]
    shell = MysqlShell(ctx, inv, conn)
    for word in parsed.values("--tee"):
        shell.effects.extend(_write_file(ctx, word.text, inv, "mysql appends its session to"))
    for word in parsed.values("--init-command"):
        _mysql_word(shell, word)
    executes = parsed.values("-e", "--execute")
    for word in executes:
        _mysql_word(shell, word)
    if not executes:
        _mysql_stdin(shell)
    return shell.effects


def _mysql_word(shell: MysqlShell, word: Word) -> None:
    if not word.known:
        shell.effects.append(
            _unknown(f"{shell.inv.name} -e: SQL not known before it runs ({word.why})", shell.inv, shell.conn.context)
        )
    else:
        _mysql_script(shell, word.text)


def _mysql_stdin(shell: MysqlShell) -> None:
    script = _stdin_text(shell.inv, "SQL", shell.conn)
    if script is None:
        shell.effects.append(_interactive(shell.inv, shell.conn))
    elif isinstance(script, Effect):
        shell.effects.append(script)
    else:
        _mysql_script(shell, script)


def _mysql_script(shell: MysqlShell, script: str) -> None:
    """SQL with the client's own commands (source, use, system, delimiter…) at the start of a line."""
    buffer: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        first = stripped.split(None, 1)[0] if stripped else ""
        pending = "\n".join(buffer).strip()
        if (not pending or pending.endswith(";")) and _is_client_command(first):
            _flush_sql(shell, buffer)
            _mysql_client_command(shell, first, stripped)
            continue
        if shell.delimiter != ";":
            line = line.replace(shell.delimiter, ";")
        buffer.append(re.sub(r"\\[gG]\s*$", ";", line))
    _flush_sql(shell, buffer)


MYSQL_COMMANDS = (
    frozenset("source \\. use \\u system \\! delimiter \\d tee \\T edit \\e connect \\r".split()) | MYSQL_QUIET
)


def _is_client_command(first: str) -> bool:
    lower = first.lower().rstrip(";")
    return lower in MYSQL_COMMANDS or first in MYSQL_COMMANDS


def _mysql_client_command(shell: MysqlShell, first: str, line: str) -> bool:
    """Handle a client command line; False when the line is SQL."""
    name = first.lower().rstrip(";")
    rest = line[len(first) :].strip().rstrip(";").strip() if first else ""
    if name in ("source", "\\."):
        _mysql_source(shell, rest)
    elif name in ("use", "\\u"):
        shell.conn.context["database"] = rest.strip("`'\"")
        shell.conn.target = _db_target(shell.conn.context, shell.inv.name)
    elif name in ("system", "\\!"):
        shell.effects.extend(shell.ctx.shell(rest, shell.inv))
    elif name in ("delimiter", "\\d"):
        shell.delimiter = rest or ";"
    elif name in ("tee", "\\t") and first in ("tee", "\\T"):
        shell.effects.extend(_write_file(shell.ctx, rest, shell.inv, "mysql appends its session to"))
    elif name in ("edit", "\\e"):
        shell.effects.append(_effect(Kind.EXEC_PROGRAM, "editor", "opens an editor", shell.inv))
    elif name in ("connect", "\\r"):
        words = rest.split()
        shell.conn.context.update(_clean(dict(zip(("database", "host"), words, strict=False))))
    else:
        return name in MYSQL_QUIET and name != ""
    return True


def _mysql_source(shell: MysqlShell, name: str) -> None:
    text = _read_file(shell.ctx, Word.literal(name), shell.inv, shell.conn, "SQL")
    if isinstance(text, Effect):
        shell.effects.append(text)
    elif shell.depth < MAX_SCRIPT_DEPTH:
        shell.depth += 1
        _mysql_script(shell, text)
        shell.depth -= 1


# ---- mongosh / mongo -----------------------------------------------------------------------------------

MONGO_VALUED = (
    "--eval -f --file --host --port -u --username -p --password --authenticationDatabase "
    "--authenticationMechanism --apiVersion --tlsCAFile --tlsCertificateKeyFile "
    "--tlsCertificateKeyFilePassword --tlsCRLFile --awsAccessKeyId --awsSecretAccessKey "
    "--awsSessionToken --keyVaultNamespace --kmsURL --gssapiServiceName --browser "
    "--csfleLibraryPath --cryptSharedLibPath --oidcFlows --oidcRedirectUri"
)
MONGO_READ = frozenset(
    "find findOne count countDocuments estimatedDocumentCount distinct getIndexes getIndexKeys getIndexSpecs stats "
    "dataSize storageSize totalSize totalIndexSize isCapped getCollectionNames getCollectionInfos listCollections "
    "getName getCollection getSiblingDB getMongo getDB explain watch version serverStatus hostInfo isMaster hello "
    "getUsers getUser getRoles getRole currentOp printCollectionStats printShardingStatus getProfilingStatus "
    "getProfilingLevel getReplicationInfo printReplicationInfo printSecondaryReplicationInfo serverBuildInfo "
    "serverCmdLineOpts getLogComponents getShardDistribution latencyStats validate getSearchIndexes "
    "listSearchIndexes help".split()
)
MONGO_WRITE = frozenset(
    "insertOne insertMany insert save updateOne replaceOne deleteOne findOneAndDelete findOneAndUpdate "
    "findOneAndReplace findAndModify bulkWrite createIndex createIndexes ensureIndex createCollection createView "
    "createUser updateUser grantRolesToUser revokeRolesFromUser createRole updateRole grantPrivilegesToRole "
    "revokePrivilegesFromRole setProfilingLevel killOp fsyncLock fsyncUnlock hideIndex unhideIndex compact "
    "reIndex setLogLevel changeUserPassword createSearchIndex updateSearchIndex initializeOrderedBulkOp "
    "initializeUnorderedBulkOp convertToCapped logout auth createEncryptedCollection".split()
)
MONGO_COMMAND_READ = frozenset(
    "ping serverStatus listCollections listDatabases buildInfo hello isMaster ismaster dbStats collStats count "
    "find explain getParameter currentOp replSetGetStatus hostInfo connectionStatus listIndexes distinct "
    "usersInfo rolesInfo getLog top validate dataSize".split()
)
_MONGO_CALL = re.compile(
    r"""\bdb\s*(?:\.\s*getSiblingDB\(\s*(['"])(?P<sib>[^'"]*)\1\s*\))?\s*"""
    r"""(?:\.\s*getCollection\(\s*(['"])(?P<gc>[^'"]*)\3\s*\)|\.\s*(?P<coll>[A-Za-z_$][\w$]*)|"""
    r"""\[\s*(['"])(?P<br>[^'"]*)\5\s*\])?\s*\.\s*(?P<method>[A-Za-z_$][\w$]*)\s*\("""
)
_MONGO_DANGER = re.compile(
    r"\.\s*(dropDatabase|drop|deleteMany|remove|updateMany|update|dropIndexes|dropIndex|"
    r"dropUser|dropAllUsers|dropRole|dropAllRoles|renameCollection|shutdownServer)\s*\("
)


@dataclass
class MongoScript:
    ctx: Context
    inv: Invocation
    context: dict[str, str]
    database: str
    effects: list[Effect] = field(default_factory=list)
    depth: int = 0


def mongosh(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, MONGO_VALUED)
    if parsed.has("--version", "--help", "-h", "--build-info"):
        return [_effect(Kind.READ, inv.name, "shows version or help", inv)]
    address = next((w for w in parsed.operands if not w.text.endswith(".js")), None)
    context, database = _mongo_target(address, parsed)
    script = MongoScript(ctx, inv, context, database)
    files = [w for w in parsed.operands if w.text.endswith(".js")] + parsed.values("-f", "--file")
    evals = parsed.values("--eval")
    for word in evals:
        _mongo_word(script, word)
    for word in files:
        _mongo_file(script, word)
    if not evals and not files:
        _mongo_stdin(script)
    return script.effects


def _mongo_target(address: Word | None, parsed: Parsed) -> tuple[dict[str, str], str]:
    context: dict[str, str] = {}
    host = parsed.value("--host")
    for word in (address, host):
        if word is None or not word.known:
            continue
        if "://" in word.text:
            context.update(url_context(word.text))
        elif "/" in word.text:
            hostport, _, db = word.text.partition("/")
            context.update(_clean({"host": hostport, "database": db}))
        elif word is address:
            context["database"] = word.text
        else:
            context["host"] = word.text
    context = _merge(context, _opt_context(parsed, {"--port": "port", "-u": "user", "--username": "user"}))
    return context, context.get("database", "test")


def _mongo_word(script: MongoScript, word: Word) -> None:
    if not word.known:
        script.effects.append(
            _unknown(
                f"{script.inv.name} --eval: code not known before it runs ({word.why})", script.inv, script.context
            )
        )
    else:
        _mongo_js(script, word.text)


def _mongo_file(script: MongoScript, word: Word) -> None:
    conn = Conn(None, "", script.context, cwd=script.inv.cwd)
    text = _read_file(script.ctx, word, script.inv, conn, "JavaScript")
    if isinstance(text, Effect):
        script.effects.append(text)
    elif script.depth < MAX_SCRIPT_DEPTH:
        script.depth += 1
        _mongo_js(script, text)
        script.depth -= 1


def _mongo_stdin(script: MongoScript) -> None:
    conn = Conn(None, f"database {script.database}", script.context, cwd=script.inv.cwd)
    text = _stdin_text(script.inv, "JavaScript", conn)
    if text is None:
        script.effects.append(_interactive(script.inv, conn))
    elif isinstance(text, Effect):
        script.effects.append(text)
    else:
        _mongo_js(script, text)


def _mongo_js(script: MongoScript, code: str) -> None:
    """Shell helpers (`use x`) line by line, then the collection and database calls of each block."""
    before = len(script.effects)
    block: list[str] = []
    for line in _strip_js_comments(code).splitlines():
        switch = re.match(
            r"\s*(?:use\s+([\w-]+)|db\s*=\s*db\.getSiblingDB\(\s*['\"]([^'\"]+)['\"]\s*\))\s*;?\s*$", line
        )
        if switch:
            _mongo_block(script, "\n".join(block))
            block = []
            script.database = switch.group(1) or switch.group(2)
        else:
            block.append(line)
    _mongo_block(script, "\n".join(block))
    if len(script.effects) == before:
        script.effects.append(
            _effect(
                Kind.READ,
                f"database {script.database}",
                "runs JavaScript that only reads",
                script.inv,
                _mongo_ctx(script, script.database),
            )
        )


def _strip_js_comments(code: str) -> str:
    return re.sub(r"/\*.*?\*/|(?<![:\w])//[^\n]*", " ", code, flags=re.S)


def _mongo_block(script: MongoScript, code: str) -> None:
    covered: set[int] = set()
    for match in _MONGO_CALL.finditer(code):
        database = match.group("sib") or script.database
        collection = match.group("gc") or match.group("coll") or match.group("br")
        args = _call_args(code, match.end() - 1)
        covered.add(match.end())
        _mongo_call(script, match.group("method"), args, database, collection)
    for match in _MONGO_DANGER.finditer(code):
        if match.end() not in covered:
            _mongo_call(script, match.group(1), _call_args(code, match.end() - 1), script.database, "?")
    if re.search(r"\beval\s*\(", code):
        script.effects.append(_unknown("runs JavaScript built at run time (eval)", script.inv, script.context))
    for match in re.finditer(r"\bload\(\s*['\"]([^'\"]+)['\"]\s*\)", code):
        _mongo_file(script, Word.literal(match.group(1)))


def _call_args(code: str, open_index: int) -> str:
    """The text between a call's parentheses, quotes respected; capped so hostile input stays cheap."""
    depth, quote, i = 0, "", open_index
    end = min(len(code), open_index + 20000)
    while i < end:
        char = code[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return code[open_index + 1 : i]
        i += 1
    return code[open_index + 1 : end]


def _first_arg(args: str) -> str:
    depth, quote = 0, ""
    for i, char in enumerate(args):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            return args[:i].strip()
    return args.strip()


def _mongo_ctx(script: MongoScript, database: str) -> dict[str, str]:
    return {**script.context, "database": database}


def _mongo_call(script: MongoScript, method: str, args: str, database: str, collection: str | None) -> None:
    context = _mongo_ctx(script, database)
    coll = f"collection {database}.{collection}" if collection else f"database {database}"
    result = _mongo_classify(method, args, database, collection)
    if result is None:
        return
    if isinstance(result, str):
        script.effects.append(_unknown(result, script.inv, context))
        return
    kind, target, detail = result
    script.effects.append(_effect(kind, target or coll, detail, script.inv, context))


def _mongo_classify(
    method: str, args: str, database: str, collection: str | None
) -> tuple[Kind, str, str] | str | None:
    """(kind, target, detail) of one call; a string is the reason it is unknown; None for calls that do nothing
    to data (cursor helpers, reads are reported once per script)."""
    empty = _first_arg(args) in ("", "{}") or re.fullmatch(r"\{\s*\}", _first_arg(args)) is not None
    what = f"{database}.{collection}" if collection else database
    if method == "dropDatabase":
        return Kind.DB_DROP, f"database {database}", f"drops database {database}"
    if method == "drop" and collection:
        return Kind.DB_DROP, "", f"drops collection {what}"
    if method in ("deleteMany", "remove"):
        if empty:
            return Kind.DB_DELETE, "", f"deletes every document of {what} ({method} with an empty filter)"
        return Kind.DB_WRITE, "", f"deletes documents of {what} ({method} with a filter)"
    if method in ("updateMany", "update"):
        multi = method == "updateMany" or re.search(r"multi\s*:\s*true", args) is not None
        if empty and multi:
            return Kind.DB_UPDATE, "", f"updates every document of {what} ({method} with an empty filter)"
        return Kind.DB_WRITE, "", f"updates documents of {what} ({method})"
    return _mongo_other(method, args, what, collection)


def _mongo_other(method: str, args: str, what: str, collection: str | None) -> tuple[Kind, str, str] | str | None:
    if method in ("dropIndex", "dropIndexes", "dropSearchIndex"):
        return Kind.DB_ALTER, "", f"drops indexes of {what}"
    if method in ("dropUser", "dropAllUsers", "dropRole", "dropAllRoles"):
        name = _first_arg(args).strip("'\"") or "all"
        return Kind.DB_DROP, f"user {name}", f"{method} {name}"
    if method == "renameCollection":
        if re.search(r",\s*true\b", args):
            return Kind.DB_DROP, "", f"renames {what} over an existing collection (dropTarget)"
        return Kind.DB_WRITE, "", f"renames {what}"
    if method == "shutdownServer":
        return Kind.DB_RESET, "", "shuts the server down"
    if method == "aggregate":
        if re.search(r"['\"]?\$(out|merge)\b", args):
            return Kind.DB_WRITE, "", f"writes aggregation results into a collection ({what})"
        return None
    if method in ("runCommand", "adminCommand"):
        return _mongo_command(args, what)
    if method in MONGO_WRITE:
        return Kind.DB_WRITE, "", f"{method} on {what}"
    if method in MONGO_READ or (collection is None and method in ("print", "printjson")):
        return None
    return f"mongo method {method}() on {what} is not modelled"


def _mongo_command(args: str, what: str) -> tuple[Kind, str, str] | str | None:
    first = re.match(r"\s*(?:\{\s*)?['\"]?(\w+)['\"]?\s*[:,)]?", args)
    name = first.group(1) if first else ""
    if name in MONGO_COMMAND_READ or (name.startswith("get") and name != "getMore"):
        return None
    if name == "dropDatabase":
        return Kind.DB_DROP, "", f"drops the database ({what})"
    if name in ("drop", "dropUser", "dropRole", "dropAllUsersFromDatabase", "dropAllRolesFromDatabase"):
        return Kind.DB_DROP, "", f"runs {name} on {what}"
    if name in ("dropIndexes", "dropSearchIndex"):
        return Kind.DB_ALTER, "", f"runs {name} on {what}"
    if name in ("delete", "update"):
        unbounded = re.search(r"\bq\s*:\s*\{\s*\}", args) is not None
        kind = (Kind.DB_DELETE if name == "delete" else Kind.DB_UPDATE) if unbounded else Kind.DB_WRITE
        return kind, "", f"runs {name} on {what}"
    if name == "shutdown":
        return Kind.DB_RESET, "", "shuts the server down"
    return Kind.DB_WRITE, "", f"runs command {name or '?'} on {what}"


# ---- redis-cli / valkey-cli ----------------------------------------------------------------------------

REDIS_VALUED = (
    "-h -p -s -a -u -r -i -n -d -D -t --user --pass --pattern --count --quoted-pattern --eval --rdb "
    "--functions-rdb --memkeys-samples --cacert --cacertdir --cert --key --tls-ciphers "
    "--tls-ciphersuites --sni --lru-test --intrinsic-latency --pipe-timeout --show-pushes "
    "--keystats-samples --cursor --top"
)
REDIS_READ = frozenset(
    "GET MGET GETRANGE SUBSTR STRLEN EXISTS TYPE TTL PTTL EXPIRETIME PEXPIRETIME KEYS SCAN SSCAN HSCAN ZSCAN HGET "
    "HGETALL HMGET HKEYS HVALS HLEN HEXISTS HSTRLEN HRANDFIELD LRANGE LLEN LINDEX LPOS SMEMBERS SISMEMBER "
    "SMISMEMBER SCARD SRANDMEMBER SINTER SUNION SDIFF SINTERCARD ZRANGE ZRANGEBYSCORE ZREVRANGE ZREVRANGEBYSCORE "
    "ZRANGEBYLEX ZREVRANGEBYLEX ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZRANDMEMBER ZUNION ZINTER "
    "ZDIFF XRANGE XREVRANGE XLEN XREAD XPENDING INFO PING ECHO DBSIZE TIME LASTSAVE MONITOR RANDOMKEY DUMP "
    "SUBSCRIBE PSUBSCRIBE SSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE BITCOUNT BITPOS GETBIT BITFIELD_RO PFCOUNT GEOPOS "
    "GEODIST GEORADIUS_RO GEORADIUSBYMEMBER_RO GEOSEARCH GEOHASH ROLE AUTH HELLO SELECT QUIT RESET LOLWUT "
    "SORT_RO TOUCH WAIT WAITAOF LCS OBJECT XINFO PUBSUB COMMAND MULTI EXEC DISCARD WATCH UNWATCH READONLY "
    "READWRITE FT.SEARCH FT.AGGREGATE FT.INFO FT._LIST FT.EXPLAIN JSON.GET JSON.MGET JSON.TYPE JSON.STRLEN "
    "JSON.OBJKEYS JSON.OBJLEN JSON.ARRLEN TS.GET TS.MGET TS.RANGE TS.MRANGE TS.REVRANGE TS.INFO TS.QUERYINDEX "
    "BF.EXISTS BF.MEXISTS CF.EXISTS GRAPH.QUERY_RO GRAPH.LIST".split()
)
REDIS_READ_SUBCOMMANDS = {
    "CONFIG": {"GET", "HELP"},
    "CLIENT": {"LIST", "INFO", "GETNAME", "ID", "TRACKINGINFO", "GETREDIR", "HELP"},
    "CLUSTER": {
        "INFO",
        "NODES",
        "SLOTS",
        "SHARDS",
        "MYID",
        "MYSHARDID",
        "KEYSLOT",
        "COUNTKEYSINSLOT",
        "GETKEYSINSLOT",
        "LINKS",
        "REPLICAS",
        "SLAVES",
        "COUNT-FAILURE-REPORTS",
        "HELP",
    },
    "SCRIPT": {"EXISTS", "HELP"},
    "FUNCTION": {"LIST", "DUMP", "STATS", "HELP"},
    "ACL": {"LIST", "USERS", "WHOAMI", "GETUSER", "CAT", "LOG", "GENPASS", "DRYRUN", "HELP"},
    "SLOWLOG": {"GET", "LEN", "HELP"},
    "MEMORY": {"USAGE", "STATS", "DOCTOR", "MALLOC-STATS", "HELP"},
    "MODULE": {"LIST", "HELP"},
    "LATENCY": {"LATEST", "HISTORY", "DOCTOR", "GRAPH", "HISTOGRAM", "HELP"},
    "XGROUP": {"HELP"},
}
REDIS_CONTAINERS = frozenset(REDIS_READ_SUBCOMMANDS) | {"XGROUP", "OBJECT", "XINFO", "PUBSUB", "COMMAND", "DEBUG"}
REDIS_MODES_READ = (
    "--scan",
    "--bigkeys",
    "--memkeys",
    "--hotkeys",
    "--keystats",
    "--stat",
    "--latency",
    "--latency-history",
    "--latency-dist",
    "--intrinsic-latency",
    "--replica",
    "--slave",
)


def redis_cli(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    cluster = next((i for i, w in enumerate(args) if w.text == "--cluster"), None)
    parsed = parse_args(args[:cluster] if cluster is not None else args, REDIS_VALUED)
    context = _merge(
        env_context(inv, {"REDIS_URL": "url"}),
        _opt_context(
            parsed, {"-h": "host", "-p": "port", "-n": "database", "--user": "user", "-u": "url", "-s": "host"}
        ),
    )
    conn = Conn(None, f"redis {context.get('host', 'localhost')}", context, None, inv.cwd)
    if parsed.has("--version", "-v", "--help"):
        return [_effect(Kind.READ, inv.name, "shows version or help", inv)]
    if cluster is not None:
        return _redis_cluster([w for w in args[cluster + 1 :]], inv, conn)
    effects = _redis_files(parsed, inv, ctx, conn)
    if parsed.operands:
        return effects + _redis_command(parsed.operands, inv, conn)
    if parsed.has(*REDIS_MODES_READ) or parsed.has("--rdb", "--functions-rdb", "--eval"):
        return effects or [_effect(Kind.READ, conn.target, "scans or monitors", inv, conn.context)]
    return effects + _redis_stdin(inv, conn, parsed.has("--pipe"))


def _redis_files(parsed: Parsed, inv: Invocation, ctx: Context, conn: Conn) -> list[Effect]:
    effects: list[Effect] = []
    for word in parsed.values("--rdb", "--functions-rdb"):
        effects.append(_effect(Kind.READ, conn.target, "dumps the data set", inv, conn.context))
        effects.extend(_write_file(ctx, word.text, inv, "redis-cli writes an RDB dump to"))
    for word in parsed.values("--eval"):
        text = _read_file(ctx, word, inv, conn, "Lua script")
        effects.extend([text] if isinstance(text, Effect) else _redis_lua(text, inv, conn))
    if parsed.has("--lru-test"):
        effects.append(_effect(Kind.DB_WRITE, conn.target, "writes test keys (--lru-test)", inv, conn.context))
    return effects


def _redis_stdin(inv: Invocation, conn: Conn, pipe: bool) -> list[Effect]:
    text = _stdin_text(inv, "Redis commands", conn)
    if text is None:
        return [_interactive(inv, conn)]
    if isinstance(text, Effect):
        return [text]
    if pipe and text.lstrip().startswith("*"):
        return [_unknown("redis-cli --pipe of raw protocol is not modelled", inv, conn.context)]
    effects: list[Effect] = []
    for line in text.splitlines():
        words = [Word.literal(w) for w in _split_words(line)]
        if words:
            effects.extend(_redis_command(words, inv, conn))
    return effects or [_effect(Kind.READ, conn.target, "runs no command", inv, conn.context)]


def _redis_command(words: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if not words[0].known:
        return [_unknown(f"Redis command not known before it runs ({words[0].why})", inv, conn.context)]
    name = words[0].text.upper()
    args = words[1:]
    sub = args[0].text.upper() if args and args[0].known else ""
    special = _REDIS_SPECIAL.get(name)
    if special is not None:
        return special(name, args, inv, conn)
    if name in REDIS_READ or sub in REDIS_READ_SUBCOMMANDS.get(name, ()):
        return [_effect(Kind.READ, conn.target, f"runs {name}", inv, conn.context)]
    return [_redis_other(name, sub, args, inv, conn)]


def _redis_other(name: str, sub: str, args: list[Word], inv: Invocation, conn: Conn) -> Effect:
    full = f"{name} {sub}".strip() if name in REDIS_CONTAINERS else name
    if full in ("SCRIPT FLUSH", "FUNCTION FLUSH"):
        return _effect(Kind.DB_DROP, conn.target, f"deletes every stored script ({full})", inv, conn.context)
    if full in ("FUNCTION DELETE", "ACL DELUSER", "XGROUP DESTROY", "GRAPH.DELETE", "FT.DROP"):
        return _effect(Kind.DB_DROP, conn.target, f"runs {full}", inv, conn.context)
    if name == "FT.DROPINDEX":
        dd = any(w.text.upper() == "DD" for w in args)
        kind = Kind.DB_DROP if dd else Kind.DB_ALTER
        return _effect(
            kind, conn.target, "drops a search index" + (" and its documents (DD)" if dd else ""), inv, conn.context
        )
    if full in ("CLUSTER RESET", "CLUSTER FLUSHSLOTS"):
        return _effect(Kind.DB_RESET, conn.target, f"runs {full}", inv, conn.context)
    if name == "SWAPDB":
        return _effect(Kind.DB_ALTER, conn.target, "swaps two databases", inv, conn.context)
    if name == "DEBUG":
        return _unknown("Redis DEBUG can crash, reload or flush the server: not modelled", inv, conn.context)
    if name in ("EVALSHA", "EVALSHA_RO", "FCALL", "FCALL_RO"):
        return _unknown(f"{name} runs a stored script whose effect is not known", inv, conn.context)
    return _effect(Kind.DB_WRITE, conn.target, f"runs {full}", inv, conn.context)


def _redis_flush(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if name == "FLUSHALL":
        return [
            _effect(Kind.DB_RESET, "all databases", f"deletes every key of every database ({name})", inv, conn.context)
        ]
    number = conn.context.get("database", "0")
    return [
        _effect(
            Kind.DB_RESET, f"database {number}", f"deletes every key of database {number} ({name})", inv, conn.context
        )
    ]


def _redis_delete(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if not args:
        return [_effect(Kind.READ, conn.target, f"{name} without keys", inv, conn.context)]
    effects = []
    for word in args:
        if word.known:
            effects.append(
                _effect(Kind.DB_DELETE, f"key {word.text}", f"deletes key {word.text} ({name})", inv, conn.context)
            )
        else:
            effects.append(
                _effect(
                    Kind.DB_DELETE,
                    "keys not known before it runs",
                    f"deletes keys ({name}) that are not known before it runs ({word.why})",
                    inv,
                    conn.context,
                )
            )
    return effects


def _redis_shutdown(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    nosave = any(w.text.upper() == "NOSAVE" for w in args)
    detail = "stops the server" + (" without saving: recent writes are lost" if nosave else "")
    return [_effect(Kind.DB_RESET, conn.target, detail, inv, conn.context)]


def _redis_replicaof(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if [w.text.upper() for w in args[:2]] == ["NO", "ONE"]:
        return [_effect(Kind.DB_WRITE, conn.target, "promotes the server to primary", inv, conn.context)]
    source = " ".join(w.text for w in args[:2])
    return [
        _effect(
            Kind.DB_RESET,
            conn.target,
            f"replaces the whole data set with a copy of {source} ({name})",
            inv,
            conn.context,
        )
    ]


def _redis_eval(name: str, args: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    if not args or not args[0].known:
        return [_unknown(f"{name}: script not known before it runs", inv, conn.context)]
    return _redis_lua(args[0].text, inv, conn)


def _redis_lua(script: str, inv: Invocation, conn: Conn) -> list[Effect]:
    """A Lua script acts through redis.call('CMD', …): each command named is judged; keys are computed."""
    effects: list[Effect] = []
    for match in re.finditer(r"redis\.p?call\(\s*['\"]([\w.]+)['\"]", script, re.I):
        words = [Word.literal(match.group(1)), Word("?", known=False, why="a key computed by the script")]
        effects.extend(_redis_command(words, inv, conn))
    if re.search(r"\bloadstring\b|\bload\s*\(", script):
        effects.append(_unknown("the Lua script builds code at run time", inv, conn.context))
    return effects or [_effect(Kind.READ, conn.target, "runs a Lua script that calls no command", inv, conn.context)]


def _redis_cluster(words: list[Word], inv: Invocation, conn: Conn) -> list[Effect]:
    sub = words[0].text.lower() if words else "help"
    if sub in ("check", "info", "help", "backup"):
        return [_effect(Kind.READ, conn.target, f"redis-cli --cluster {sub}", inv, conn.context)]
    if sub == "call":
        return _redis_command(words[2:], inv, conn) if len(words) > 2 else []
    return [_effect(Kind.DB_WRITE, conn.target, f"redis-cli --cluster {sub}", inv, conn.context)]


_REDIS_SPECIAL: dict[str, Callable[[str, list[Word], Invocation, Conn], list[Effect]]] = {
    "FLUSHALL": _redis_flush,
    "FLUSHDB": _redis_flush,
    "DEL": _redis_delete,
    "UNLINK": _redis_delete,
    "GETDEL": _redis_delete,
    "SHUTDOWN": _redis_shutdown,
    "REPLICAOF": _redis_replicaof,
    "SLAVEOF": _redis_replicaof,
    "EVAL": _redis_eval,
    "EVAL_RO": _redis_eval,
}


# ---- admin tools: dropdb, mysqladmin, pg_restore, mongorestore, dumps ----------------------------------

PG_ADMIN_VALUED = (
    "-h --host -p --port -U --username --maintenance-db -D --tablespace -E --encoding -O --owner "
    "-T --template -l --locale --lc-collate --lc-ctype --icu-locale --strategy -c --connection-limit"
)


def _pg_admin(kind: Kind, what: str, verb: str) -> Handler:
    """dropdb/dropuser/createdb/createuser: one named database or role, on the server the options name."""

    def handler(inv: Invocation, ctx: Context) -> list[Effect]:
        parsed = parse_args(inv.args, PG_ADMIN_VALUED)
        context = _merge(env_context(inv, PG_ENV), _opt_context(parsed, PG_OPTS))
        if parsed.has("--help", "-?", "-V", "--version"):
            return [_effect(Kind.READ, inv.name, "shows version or help", inv)]
        names = parsed.operands[:1]
        if not names:
            return [_unknown(f"{inv.name} without a {what} name (taken from the environment)", inv, context)]
        word = names[0]
        if not word.known:
            return [
                _effect(
                    kind,
                    f"{what} not known before it runs",
                    f"{verb} a {what} whose name is not known ({word.why})",
                    inv,
                    context,
                )
            ]
        extra = {"database": word.text} if what == "database" else {"role": word.text}
        return [_effect(kind, f"{what} {word.text}", f"{verb} {what} {word.text}", inv, {**context, **extra})]

    return handler


MYSQLADMIN_ARGS = frozenset({"create", "drop", "kill", "password", "old-password"})
MYSQLADMIN_READ = frozenset("status extended-status processlist ping variables version debug".split())


def mysqladmin(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, MYSQL_VALUED + " -c --count -i --sleep", optional="-p -w")
    context = _merge(env_context(inv, MYSQL_ENV), _opt_context(parsed, MYSQL_OPTS))
    words = parsed.operands
    effects: list[Effect] = []
    i = 0
    while i < len(words):
        command = words[i].text.lower()
        arg = words[i + 1] if command in MYSQLADMIN_ARGS and i + 1 < len(words) else None
        i += 2 if arg is not None else 1
        effects.append(_mysqladmin_command(command, arg, inv, context))
    return effects or [_effect(Kind.READ, inv.name, "shows help", inv, context)]


def _mysqladmin_command(command: str, arg: Word | None, inv: Invocation, context: dict[str, str]) -> Effect:
    name = arg.text if arg is not None and arg.known else "?"
    if command == "drop":
        return _effect(Kind.DB_DROP, f"database {name}", f"drops database {name}", inv, {**context, "database": name})
    if command == "create":
        return _effect(Kind.DB_WRITE, f"database {name}", f"creates database {name}", inv, context)
    if command == "shutdown":
        return _effect(Kind.DB_RESET, _db_target(context, "mysql"), "stops the server", inv, context)
    if command in MYSQLADMIN_READ:
        return _effect(Kind.READ, _db_target(context, "mysql"), f"mysqladmin {command}", inv, context)
    return _effect(Kind.DB_WRITE, _db_target(context, "mysql"), f"mysqladmin {command}", inv, context)


PG_RESTORE_VALUED = (
    "-d --dbname -f --file -F --format -h --host -p --port -U --username -I --index -j --jobs "
    "-L --use-list -n --schema -N --exclude-schema -P --function -S --superuser -t --table "
    "-T --trigger --role --section --exclude-database --filter"
)


def pg_restore(inv: Invocation, ctx: Context) -> list[Effect]:
    """Without -d it only prints SQL; with --clean it drops every object of the archive first."""
    parsed = parse_args(inv.args, PG_RESTORE_VALUED)
    archive = parsed.operands[0].text if parsed.operands else "stdin"
    if parsed.has("-l", "--list", "--help", "-?", "-V", "--version"):
        return [_effect(Kind.READ, archive, "lists an archive", inv)]
    effects = [
        e
        for w in parsed.values("-f", "--file")
        if w.text != "-"
        for e in _write_file(ctx, w.text, inv, "pg_restore writes SQL to")
    ]
    dbname = parsed.value("-d", "--dbname")
    if dbname is None:
        return [*effects, _effect(Kind.READ, archive, "prints the SQL of the archive", inv)]
    context = _merge(
        env_context(inv, PG_ENV), target_context(dbname.text) if dbname.known else {}, _opt_context(parsed, PG_OPTS)
    )
    target = _db_target(context, "postgres")
    clean, create = parsed.has("-c", "--clean"), parsed.has("-C", "--create")
    if clean and create:
        return [
            *effects,
            _effect(
                Kind.DB_DROP,
                f"database named in {archive}",
                f"drops and recreates the database named in {archive} (--clean --create)",
                inv,
                context,
            ),
        ]
    if clean:
        tables = _texts(parsed.values("-t", "--table"))
        return effects + [
            _effect(
                Kind.DB_DROP,
                f"table {t}" if t else target,
                f"drops {t or 'every object of'} {archive if not t else ''} before restoring it (--clean)".replace(
                    "  ", " "
                ),
                inv,
                context,
            )
            for t in tables or [""]
        ]
    return [*effects, _effect(Kind.DB_WRITE, target, f"restores {archive} into {target}", inv, context)]


MONGORESTORE_VALUED = (
    "--uri -h --host --port -u --username -p --password -d --db -c --collection --nsInclude "
    "--nsExclude --nsFrom --nsTo --dir --authenticationDatabase --authenticationMechanism -j "
    "--numParallelCollections --numInsertionWorkersPerCollection --writeConcern "
    "--readPreference --config --oplogFile --oplogLimit --tlsCAFile --tlsCertificateKeyFile"
)


def mongorestore(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, MONGORESTORE_VALUED)
    context, database = _mongo_target(parsed.value("--uri"), parsed)
    database = parsed.text("-d", "--db") or context.get("database", "")
    context = _merge(context, {"database": database})
    if parsed.has("--help", "--version", "--dryRun"):
        return [_effect(Kind.READ, "dump", "dry run or help", inv, context)]
    namespaces = _texts(parsed.values("--nsInclude"))
    collection = parsed.text("-c", "--collection")
    if collection:
        namespaces.append(f"{database or '?'}.{collection}")
    targets = namespaces or ([f"{database}.*"] if database else ["every collection in the dump"])
    if parsed.has("--drop"):
        return [
            _effect(
                Kind.DB_DROP, f"collections {t}", f"drops collections {t} before restoring them (--drop)", inv, context
            )
            for t in targets
        ]
    return [_effect(Kind.DB_WRITE, f"collections {t}", f"restores {t}", inv, context) for t in targets]


DUMP_OUTPUT = {
    "pg_dump": ("-f", "--file"),
    "pg_dumpall": ("-f", "--file"),
    "mysqldump": ("-r", "--result-file"),
    "mariadb-dump": ("-r", "--result-file"),
    "mongodump": ("-o", "--out", "--archive"),
}
DUMP_VALUED = (
    "-f --file -F --format -h --host -p --port -U --username -d --dbname -n --schema -N "
    "--exclude-schema -t --table -T --exclude-table -j --jobs -Z --compress -E --encoding -r "
    "--result-file -u --user -P -o --out --uri --db -c --collection -q --query --authenticationDatabase"
)


def dump(inv: Invocation, ctx: Context) -> list[Effect]:
    """pg_dump, mysqldump, mongodump: read a database; the dump file they write is a file write."""
    parsed = parse_args(inv.args, DUMP_VALUED, optional="-p" if "mysql" in inv.name or "maria" in inv.name else "")
    operands = parsed.operands
    context = _merge(
        _clean({"database": _texts(operands[:1], "")[0] if operands else ""}),
        _opt_context(
            parsed, {"-h": "host", "--host": "host", "-d": "url", "--dbname": "url", "--uri": "url", "--db": "database"}
        ),
    )
    effects = [_effect(Kind.READ, _db_target(context, inv.name), "dumps (reads) the database", inv, context)]
    for word in parsed.values(*DUMP_OUTPUT.get(inv.name, ())):
        if word.text not in ("-", ""):
            effects.extend(_write_file(ctx, word.text, inv, f"{inv.name} writes the dump to"))
    return effects


# ---- other database clients ----------------------------------------------------------------------------

CQLSH_VALUED = (
    "-e --execute -f --file -k --keyspace -u --username -p --password --cqlshrc --cqlversion "
    "--encoding --connect-timeout --request-timeout -t --protocol-version -b --secure-connect-bundle"
)
CQLSH_QUIET = frozenset("CONSISTENCY SERIAL TRACING EXPAND PAGING LOGIN EXIT QUIT CLEAR CLS SHOW HELP".split())


def cqlsh(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, CQLSH_VALUED)
    operands = parsed.operands
    context = _merge(
        _clean(dict(zip(("host", "port"), _texts(operands[:2], ""), strict=False))),
        _opt_context(parsed, {"-k": "database", "--keyspace": "database", "-u": "user"}),
    )
    conn = Conn(None, _db_target(context, "cassandra"), context, None, inv.cwd)
    shell = Shell(ctx, inv, conn)
    scripts = parsed.values("-e", "--execute")
    for word in scripts:
        if word.known:
            _cql_script(shell, word.text)
        else:
            shell.effects.append(_unknown(f"cqlsh -e: CQL not known before it runs ({word.why})", inv, context))
    for word in parsed.values("-f", "--file"):
        text = _read_file(ctx, word, inv, conn, "CQL")
        shell.effects.append(text) if isinstance(text, Effect) else _cql_script(shell, text)
    if not scripts and not parsed.has("-f", "--file"):
        stdin = _stdin_text(inv, "CQL", conn)
        if stdin is None:
            shell.effects.append(_interactive(inv, conn))
        elif isinstance(stdin, Effect):
            shell.effects.append(stdin)
        else:
            _cql_script(shell, stdin)
    return shell.effects


def _cql_script(shell: Shell, script: str) -> None:
    """CQL statements; cqlsh's own commands (SOURCE, CAPTURE, COPY, CONSISTENCY…) are handled here."""
    sql: list[str] = []
    for statement in script.split(";"):
        words = statement.split()
        first = words[0].upper() if words else ""
        if first == "SOURCE" and len(words) > 1:
            text = _read_file(shell.ctx, Word.literal(words[1].strip("'\"")), shell.inv, shell.conn, "CQL")
            shell.effects.append(text) if isinstance(text, Effect) else _cql_script(shell, text)
        elif first == "CAPTURE" and len(words) > 1 and words[1].upper() != "OFF":
            shell.effects.extend(_write_file(shell.ctx, words[1].strip("'\""), shell.inv, "cqlsh captures to"))
        elif first == "COPY" and len(words) > 3:
            _cql_copy(shell, words)
        elif first not in CQLSH_QUIET:
            sql.append(statement)
    text = ";".join(sql)
    if text.strip():
        shell.effects.extend(run_sql(text, shell.inv, shell.conn))


def _cql_copy(shell: Shell, words: list[str]) -> None:
    table, direction, where = words[1], words[-2].upper() if len(words) > 3 else "", words[-1].strip("'\"")
    direction = next((w.upper() for w in words if w.upper() in ("FROM", "TO")), direction)
    if direction == "FROM":
        shell.effects.append(
            _effect(
                Kind.DB_WRITE,
                f"table {table}",
                f"loads rows into table {table} (COPY FROM)",
                shell.inv,
                shell.conn.context,
            )
        )
    else:
        shell.effects.append(
            _effect(Kind.READ, f"table {table}", "exports rows (COPY TO)", shell.inv, shell.conn.context)
        )
        if where.upper() != "STDOUT":
            shell.effects.extend(_write_file(shell.ctx, where, shell.inv, "cqlsh COPY TO writes"))


CLICKHOUSE_VALUED = (
    "-q --query --queries-file -h --host --port -u --user --password -d --database --config-file "
    "-C --config -f --format --log-level --history_file --connection --query_id --stage "
    "--param --max_memory_usage --file --structure --table --input-format --output-format"
)


def clickhouse_client(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, CLICKHOUSE_VALUED)
    context = _opt_context(
        parsed,
        {
            "-h": "host",
            "--host": "host",
            "--port": "port",
            "-u": "user",
            "--user": "user",
            "-d": "database",
            "--database": "database",
        },
    )
    local = inv.name == "clickhouse-local"
    conn = Conn(
        "clickhouse",
        "clickhouse-local" if local else _db_target(context, "clickhouse"),
        context,
        None,
        inv.cwd,
        memory=local,
    )
    effects: list[Effect] = []
    queries = parsed.values("-q", "--query")
    for word in queries:
        effects.extend(_sql_word(word, inv, conn, "--query"))
    for word in parsed.values("--queries-file"):
        text = _read_file(ctx, word, inv, conn, "SQL")
        effects.extend([text] if isinstance(text, Effect) else run_sql(text, inv, conn))
    if queries or parsed.has("--queries-file"):
        return effects
    stdin = _stdin_text(inv, "SQL", conn)
    if stdin is None:
        return [_interactive(inv, conn)]
    return [stdin] if isinstance(stdin, Effect) else run_sql(stdin, inv, conn)


def clickhouse(inv: Invocation, ctx: Context) -> list[Effect]:
    """`clickhouse client …` and `clickhouse local …` are the client programs under one binary."""
    args = inv.args
    sub = args[0].text if args else ""
    if sub in ("client", "local"):
        return clickhouse_client(inv.with_words([Word.literal(f"clickhouse-{sub}"), *args[1:]]), ctx)
    return [_effect(Kind.EXEC_PROGRAM, "clickhouse", f"runs clickhouse {sub}".strip(), inv)]


INFLUX_V2_VALUED = (
    "--host --org -o --org-id --bucket -b --bucket-id --token -t --start --stop --predicate -p "
    "--name -n --id -i --file -f --configs-path -c --active-config --precision --format "
    "--retention -r --description -d --username -u --password --bucket-name --new-bucket"
)
INFLUX_READ = frozenset("ping version query backup export config completion help".split())


def influx(inv: Invocation, ctx: Context) -> list[Effect]:
    args = inv.args
    if args and args[0].text.startswith("-") and not args[0].text.startswith("--"):
        return _influx_v1(inv, ctx)
    parsed = parse_args(args, INFLUX_V2_VALUED)
    words = _texts(parsed.operands)
    context = _opt_context(
        parsed,
        {
            "--host": "host",
            "--org": "org",
            "-o": "org",
            "--bucket": "database",
            "-b": "database",
            "-c": "profile",
            "--active-config": "profile",
        },
    )
    bucket = parsed.text("--bucket", "-b", "--name", "-n", "--bucket-id", "--id", "-i") or "?"
    if not words:
        return _influx_v1(inv, ctx)
    return [_influx_v2(words, parsed, bucket, inv, context)]


def _influx_v2(words: list[str], parsed: Parsed, bucket: str, inv: Invocation, context: dict[str, str]) -> Effect:
    group, sub = words[0], words[1] if len(words) > 1 else ""
    if group == "delete":
        if parsed.has("--predicate", "-p"):
            return _effect(Kind.DB_WRITE, f"bucket {bucket}", "deletes points matching a predicate", inv, context)
        return _effect(
            Kind.DB_DELETE, f"bucket {bucket}", "deletes every point in the time range (no --predicate)", inv, context
        )
    if sub == "delete" and group in ("bucket", "org", "v1"):
        return _effect(Kind.DB_DROP, f"{group} {bucket}", f"deletes {group} {bucket} and its data", inv, context)
    if group == "restore":
        kind = Kind.DB_RESET if parsed.has("--full") else Kind.DB_WRITE
        return _effect(
            kind,
            "influx data",
            "restores a backup" + (" over all data (--full)" if kind is Kind.DB_RESET else ""),
            inv,
            context,
        )
    if group == "query":
        return _effect(Kind.READ, "influx data", "runs a Flux query", inv, context)
    if group in INFLUX_READ or sub in ("list", "find", "ls"):
        return _effect(Kind.READ, "influx", f"influx {' '.join(words[:2])}", inv, context)
    return _effect(Kind.DB_WRITE, "influx", f"influx {' '.join(words[:2])}", inv, context)


def _influx_v1(inv: Invocation, ctx: Context) -> list[Effect]:
    """InfluxDB 1.x: `influx -execute 'DROP DATABASE x' -database db -host h`."""
    parsed = parse_args(
        inv.args,
        "-execute -database -host -port -username -password -format -precision -path -consistency -type -pps",
        single_dash_long=True,
    )
    context = _opt_context(parsed, {"-host": "host", "-port": "port", "-database": "database", "-username": "user"})
    conn = Conn("influxql", _db_target(context, "influx"), context, None, inv.cwd)
    executes = parsed.values("-execute")
    if parsed.has("-import"):
        return [_effect(Kind.DB_WRITE, conn.target, "imports points from a file", inv, context)]
    if executes:
        return [e for w in executes for e in _sql_word(w, inv, conn, "-execute")]
    stdin = _stdin_text(inv, "InfluxQL", conn)
    if stdin is None:
        return [_interactive(inv, conn)]
    return [stdin] if isinstance(stdin, Effect) else run_sql(stdin, inv, conn)


ETCD_VALUED = (
    "--endpoints --cacert --cert --key --user --password --dial-timeout --command-timeout "
    "--keepalive-time --keepalive-timeout -w --write-out --discovery-srv --discovery-srv-name --limit "
    "--rev --lease --order --sort-by --consistency --peer-urls --ttl --dest-cacert --dest-cert "
    "--dest-key --dest-prefix --data-dir --name --initial-cluster "
    "--initial-cluster-token --initial-advertise-peer-urls"
)
ETCD_READ = frozenset("get watch version check endpoint help".split())


def etcdctl(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, ETCD_VALUED)
    words = parsed.operands
    context = _merge(env_context(inv, {"ETCDCTL_ENDPOINTS": "host"}), _opt_context(parsed, {"--endpoints": "host"}))
    sub = words[0].text if words else "help"
    rest = words[1:]
    second = rest[0].text if rest else ""
    if sub == "del":
        return _etcd_delete(rest, parsed, inv, context)
    if sub in ETCD_READ or second in ("list", "status", "timetolive", "get", "health", "hashkv"):
        return [_effect(Kind.READ, "etcd", f"etcdctl {sub} {second}".strip(), inv, context)]
    if sub == "lease" and second == "revoke":
        return [
            _effect(Kind.DB_DELETE, "keys attached to the lease", "revokes a lease: its keys are deleted", inv, context)
        ]
    if (sub, second) in (("member", "remove"), ("user", "delete"), ("role", "delete")):
        return [
            _effect(
                Kind.DB_DROP, f"{sub} {rest[1].text if len(rest) > 1 else '?'}", f"etcdctl {sub} {second}", inv, context
            )
        ]
    if sub == "snapshot" and second == "save" and len(rest) > 1:
        return [
            _effect(Kind.READ, "etcd", "saves a snapshot", inv, context),
            *_write_file(ctx, rest[1].text, inv, "etcd snapshot written to"),
        ]
    return [_effect(Kind.DB_WRITE, "etcd", f"etcdctl {sub} {second}".strip(), inv, context)]


def _etcd_delete(keys: list[Word], parsed: Parsed, inv: Invocation, context: dict[str, str]) -> list[Effect]:
    key = keys[0].text if keys and keys[0].known else ("?" if keys else "")
    if parsed.has("--prefix"):
        target = f"keys with prefix {key}" if key else "every key"
        return [_effect(Kind.DB_DELETE, target, f"deletes {target} (del --prefix)", inv, context)]
    if parsed.has("--from-key"):
        return [
            _effect(Kind.DB_DELETE, f"keys from {key}", f"deletes every key from {key} on (--from-key)", inv, context)
        ]
    if len(keys) > 1:
        return [_effect(Kind.DB_DELETE, f"keys {key}..{keys[1].text}", "deletes a key range", inv, context)]
    return [_effect(Kind.DB_DELETE, f"key {key or '?'}", f"deletes key {key or '?'}", inv, context)]


SQLCMD_VALUED = (
    "-S -d -U -P -Q -q -i -o -v -H -h -s -w -l -t -f -c -z -Z -a -V -m -y -Y -A -K -M -G -F -L -R "
    "--server --database-name --user-name --password --query --initial-query --input-file "
    "--output-file --variables"
)
GO_SQLCMD = {
    "create": Kind.EXEC_PROGRAM,
    "install": Kind.EXEC_PROGRAM,
    "start": Kind.EXEC_PROGRAM,
    "stop": Kind.EXEC_PROGRAM,
    "config": Kind.READ,
    "open": Kind.EXEC_PROGRAM,
    "delete": Kind.CONTAINER_DESTROY,
    "uninstall": Kind.CONTAINER_DESTROY,
}


def sqlcmd(inv: Invocation, ctx: Context) -> list[Effect]:
    args = inv.args
    if args and args[0].text in GO_SQLCMD:
        kind = GO_SQLCMD[args[0].text]
        return [_effect(kind, "sqlcmd", f"sqlcmd {args[0].text} (a local SQL Server container)", inv)]
    if args and args[0].text == "query":
        args = (Word.literal("-Q"), *args[1:])
    parsed = parse_args(args, SQLCMD_VALUED)
    context = _opt_context(
        parsed,
        {
            "-S": "host",
            "--server": "host",
            "-d": "database",
            "--database-name": "database",
            "-U": "user",
            "--user-name": "user",
        },
    )
    conn = Conn("tsql", _db_target(context, "sqlserver"), context, None, inv.cwd)
    shell = Shell(ctx, inv, conn)
    for word in parsed.values("-o", "--output-file"):
        shell.effects.extend(_write_file(ctx, word.text, inv, "sqlcmd writes output to"))
    queries = parsed.values("-Q", "-q", "--query", "--initial-query")
    for word in queries:
        shell.effects.extend(
            [_unknown(f"sqlcmd -Q: SQL not known ({word.why})", inv, context)]
            if not word.known
            else _tsql_script(shell, word.text)
        )
    files = [f for w in parsed.values("-i", "--input-file") for f in w.text.split(",")]
    for name in files:
        text = _read_file(ctx, Word.literal(name), inv, conn, "SQL")
        shell.effects.extend([text] if isinstance(text, Effect) else _tsql_script(shell, text))
    if not queries and not files:
        stdin = _stdin_text(inv, "SQL", conn)
        if stdin is None:
            shell.effects.append(_interactive(inv, conn))
        else:
            shell.effects.extend([stdin] if isinstance(stdin, Effect) else _tsql_script(shell, stdin))
    return shell.effects


def _tsql_script(shell: Shell, script: str) -> list[Effect]:
    """T-SQL batches split on GO, with sqlcmd's own `:r file`, `!! cmd` and `:out file` lines."""
    effects: list[Effect] = []
    batch: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        lower = stripped.lower()
        if re.fullmatch(r"go(\s+\d+)?", lower):
            batch.append(";")
        elif stripped.startswith("!!"):
            effects.extend(shell.ctx.shell(stripped[2:], shell.inv))
        elif lower.startswith(":r ") and shell.depth < MAX_SCRIPT_DEPTH:
            text = _read_file(shell.ctx, Word.literal(stripped[3:].strip().strip('"')), shell.inv, shell.conn, "SQL")
            shell.depth += 1
            effects.extend([text] if isinstance(text, Effect) else _tsql_script(shell, text))
            shell.depth -= 1
        elif lower.startswith(":out "):
            effects.extend(_pipe_or_file(shell.ctx, stripped[5:].strip(), shell.inv, "sqlcmd writes output to", None))
        elif not stripped.startswith(":"):
            batch.append(line)
    text = "\n".join(batch)
    return effects + (run_sql(text, shell.inv, shell.conn) if text.strip(" ;\n") else [])


def memcached_tool(inv: Invocation, ctx: Context) -> list[Effect]:
    host = inv.args[0].text if inv.args else "localhost:11211"
    mode = inv.args[1].text if len(inv.args) > 1 else "display"
    return [_effect(Kind.READ, f"memcached {host}", f"memcached-tool {mode}", inv, {"host": host})]


# ---- ORM and migration tools ---------------------------------------------------------------------------

ORM_ENV = {
    "RAILS_ENV": "env",
    "RACK_ENV": "env",
    "NODE_ENV": "env",
    "MIX_ENV": "env",
    "APP_ENV": "env",
    "FLASK_ENV": "env",
    "ENVIRONMENT": "env",
    "DATABASE_URL": "url",
    "DB_URL": "url",
    "GOOSE_DBSTRING": "url",
    "DJANGO_SETTINGS_MODULE": "settings",
}


def orm_context(inv: Invocation, extra: Sequence[tuple[str, str]] = ()) -> dict[str, str]:
    """Where an ORM command runs, from `VAR=value` prefixes (and rake-style `VAR=value` arguments)."""
    out: dict[str, str] = {}
    for name, value in (*inv.assignments, *extra):
        key = ORM_ENV.get(name)
        if name == "DISABLE_DATABASE_ENVIRONMENT_CHECK" and value not in ("", "0", "false"):
            out["env_check"] = "disabled"
        elif key == "url" and value:
            out.update(target_context(value))
        elif key == "settings" and value:
            out.update({"settings": value, "env": value.rsplit(".", 1)[-1]})
        elif key and value:
            out[key] = value
    return out


def _orm(kind: Kind, detail: str, inv: Invocation, tool: str, context: dict[str, str]) -> Effect:
    return _effect(kind, _db_target(context, tool), detail, inv, context)


def _texts(words: Sequence[Word], unknown: str = "?") -> list[str]:
    """Operand texts, with `unknown` for the ones only known at run time (never their source text)."""
    return [w.text if w.known else unknown for w in words]


def prisma(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(
        inv.args,
        "--schema --config --url --from-url --to-url --name -n --file --shadow-database-url --datasource --script",
    )
    words = _texts(parsed.operands)
    context = _merge(orm_context(inv), target_context(parsed.text("--url") or "") if parsed.text("--url") else {})
    if "?" in words[:2]:
        return [_unknown("prisma: the sub-command is not known before it runs", inv, context)]
    pair = tuple(words[:2])
    if pair == ("migrate", "reset"):
        return [
            _orm(
                Kind.DB_RESET,
                "drops the database and re-applies every migration (prisma migrate reset)",
                inv,
                "prisma",
                context,
            )
        ]
    if pair == ("db", "push"):
        return [_prisma_push(parsed, inv, context)]
    if pair == ("db", "execute"):
        return _prisma_execute(parsed, inv, ctx, context)
    if pair in (("db", "seed"), ("migrate", "dev"), ("migrate", "deploy"), ("migrate", "resolve")):
        return [_orm(Kind.DB_WRITE, f"prisma {' '.join(pair)}", inv, "prisma", context)]
    if pair in (("migrate", "status"), ("migrate", "diff")) or words[:1] in (["validate"], ["version"], ["debug"], []):
        return [_orm(Kind.READ, f"prisma {' '.join(words[:2])}".strip(), inv, "prisma", context)]
    if words[:1] in (["generate"], ["format"], ["init"]) or pair == ("db", "pull"):
        return [_effect(Kind.EXEC_BUILD, "prisma", f"prisma {' '.join(words[:2])}", inv)]
    return [_effect(Kind.EXEC_PROGRAM, "prisma", f"prisma {' '.join(words[:2])}", inv, context)]


def _prisma_push(parsed: Parsed, inv: Invocation, context: dict[str, str]) -> Effect:
    if parsed.has("--force-reset"):
        return _orm(
            Kind.DB_RESET,
            "drops every table and its data, then applies the schema (db push --force-reset)",
            inv,
            "prisma",
            context,
        )
    if parsed.has("--accept-data-loss"):
        return _orm(
            Kind.DB_RESET,
            "applies the schema, dropping columns and tables with their data (db push --accept-data-loss)",
            inv,
            "prisma",
            context,
        )
    return _orm(Kind.DB_WRITE, "applies the schema (prisma db push)", inv, "prisma", context)


def _prisma_execute(parsed: Parsed, inv: Invocation, ctx: Context, context: dict[str, str]) -> list[Effect]:
    conn = Conn(None, _db_target(context, "prisma"), context, None, inv.cwd)
    file = parsed.value("--file")
    if file is not None:
        text = _read_file(ctx, file, inv, conn, "SQL")
        return [text] if isinstance(text, Effect) else run_sql(text, inv, conn)
    stdin = _stdin_text(inv, "SQL", conn) if parsed.has("--stdin") else None
    if isinstance(stdin, str):
        return run_sql(stdin, inv, conn)
    return [stdin] if isinstance(stdin, Effect) else [_unknown("prisma db execute without SQL", inv, context)]


RAILS_RESET = (
    "db:drop",
    "db:reset",
    "db:schema:load",
    "db:structure:load",
    "db:migrate:reset",
    "db:purge",
    "db:truncate_all",
    "db:setup",
    "db:seed:replant",
    "db:test:purge",
)
RAILS_ALTER = ("db:rollback", "db:migrate:down", "db:migrate:redo")
RAILS_READ = (
    "db:migrate:status",
    "db:version",
    "db:abort_if_pending_migrations",
    "db:charset",
    "db:collation",
    "routes",
    "about",
    "stats",
    "notes",
    "middleware",
    "secret",
    "time:zones",
    "initializers",
    "version",
    "-v",
    "--version",
    "-h",
    "--help",
    "-T",
    "--tasks",
    "-D",
    "--describe",
    "-P",
    "-W",
    "-n",
    "--dry-run",
)
RAILS_TEST = ("test", "spec", "test:system", "test:all", "rubocop")
RAILS_BUILD = (
    "generate",
    "g",
    "destroy",
    "d",
    "new",
    "assets:precompile",
    "assets:clean",
    "assets:clobber",
    "javascript:build",
    "css:build",
    "tmp:clear",
    "log:clear",
    "app:update",
    "zeitwerk:check",
)


def rails(inv: Invocation, ctx: Context) -> list[Effect]:
    """rails/rake tasks, each judged; `RAILS_ENV=production` may be a prefix or an argument."""
    args = list(inv.args)
    program = next((i for i, w in enumerate(args) if w.text in RAILS_PROGRAMS), len(args))
    args, rest = args[:program], args[program:]
    env_args = [_pair(w.text) for w in args if w.known and re.match(r"[A-Z_][A-Z0-9_]*=", w.text)]
    context = orm_context(inv, env_args)
    environment = option_text(args, "-e", "--environment")
    if environment:
        context["env"] = environment
    tasks = [t for t in _texts(args) if not t.startswith("-") and "=" not in t and t != environment]
    effects = [_rails_task(task.split("[", 1)[0], dict(env_args).get("VERSION"), inv, context) for task in tasks]
    if rest and not all(w.known for w in rest[1:]):
        return [*effects, _unknown(f"{inv.name} {rest[0].text}: code not known before it runs", inv, context)]
    if rest:
        return effects + _rails_program(rest[0].text, _texts(rest[1:]), inv, ctx, context)
    if not effects and any(w.text in RAILS_READ for w in args):
        return [_orm(Kind.READ, "lists tasks or shows help", inv, inv.name, context)]
    return effects or [_orm(Kind.EXEC_PROGRAM, f"runs {inv.name}", inv, inv.name, context)]


RAILS_PROGRAMS = frozenset({"runner", "r", "console", "c", "dbconsole", "db"})


def _pair(text: str) -> tuple[str, str]:
    name, _, value = text.partition("=")
    return name, value


def option_text(args: Sequence[Word], *names: str) -> str | None:
    for i, word in enumerate(args):
        if word.text in names and i + 1 < len(args):
            return args[i + 1].text
        for name in names:
            if name.startswith("--") and word.text.startswith(name + "="):
                return word.text.split("=", 1)[1]
    return None


def _matches(task: str, names: Sequence[str]) -> bool:
    return any(task == n or task.startswith(n + ":") for n in names)


def _rails_task(task: str, version: str | None, inv: Invocation, context: dict[str, str]) -> Effect:
    tool = inv.name
    if task == "?":
        return _unknown(f"{tool}: a task name is not known before it runs", inv, context)
    if _matches(task, RAILS_READ):
        return _orm(Kind.READ, f"{tool} {task}", inv, tool, context)
    if _matches(task, RAILS_RESET):
        return _orm(
            Kind.DB_RESET, f"drops or reloads the database, losing its data ({tool} {task})", inv, tool, context
        )
    if _matches(task, ("db:fixtures:load",)):
        return _orm(Kind.DB_DELETE, f"replaces the rows of every fixture table ({task})", inv, tool, context)
    if _matches(task, RAILS_ALTER):
        return _orm(
            Kind.DB_ALTER, f"reverts migrations: may drop tables or columns ({tool} {task})", inv, tool, context
        )
    if task.startswith("db:migrate") and version == "0":
        return _orm(
            Kind.DB_RESET, f"migrates down to version 0: drops every table ({task} VERSION=0)", inv, tool, context
        )
    if task.startswith("db:"):
        return _orm(Kind.DB_WRITE, f"{tool} {task}", inv, tool, context)
    if _matches(task, RAILS_TEST):
        return _effect(Kind.EXEC_TEST, tool, f"{tool} {task}", inv, context)
    if _matches(task, RAILS_BUILD):
        return _effect(Kind.EXEC_BUILD, tool, f"{tool} {task}", inv, context)
    return _effect(Kind.EXEC_PROGRAM, tool, f"{tool} {task}", inv, context)


def _rails_program(task: str, rest: list[str], inv: Invocation, ctx: Context, context: dict[str, str]) -> list[Effect]:
    """runner/console run Ruby in the app (ActiveRecord calls judged); dbconsole runs SQL from stdin."""
    if task in ("dbconsole", "db"):
        conn = Conn(None, _db_target(context, "rails"), context, None, inv.cwd)
        stdin = _stdin_text(inv, "SQL", conn)
        if stdin is None:
            return [_interactive(inv, conn)]
        return [stdin] if isinstance(stdin, Effect) else run_sql(stdin, inv, conn)
    code: str | Effect | None = " ".join(rest) if task in ("runner", "r") and rest else None
    if task in ("console", "c"):
        code = _stdin_text(inv, "Ruby code", Conn(None, "", context))
    if code is None:
        return [_effect(Kind.EXEC_PROGRAM, inv.name, f"opens a {inv.name} {task} session", inv, context)]
    if isinstance(code, Effect):
        return [code]
    if task in ("runner", "r") and re.fullmatch(r"[\w./-]+\.rb", code.strip()):
        text = ctx.read_text(code.strip(), inv.cwd)
        code = text if text is not None else code
    return _app_code(code, inv, ctx, context, "ruby")


_AR_DELETE = re.compile(r"\b([A-Z]\w*(?:::[A-Z]\w*)*)(?:\.all|\.unscoped)?\.(delete_all|destroy_all)\b")
_AR_UPDATE = re.compile(r"\b([A-Z]\w*(?:::[A-Z]\w*)*)(?:\.all|\.unscoped)?\.update_all\b")
_DJ_DELETE = re.compile(r"\b(\w+)\.objects(?:\.all\(\))?\.delete\(\)")
_DJ_UPDATE = re.compile(r"\b(\w+)\.objects(?:\.all\(\))?\.update\(")
_FILTERED_WRITE = re.compile(
    r"\.(?:where|filter|exclude)\(.*?\)\s*\.(?:delete_all|destroy_all|update_all|delete\(\)"
    r"|update\()",
    re.S,
)
_RAW_SQL = re.compile(
    r"\.(?:execute|exec_query|exec_update|exec_delete|raw)\(\s*(?:r|%q)?(['\"])((?:\\.|(?!\1).)*)\1", re.S
)


def _app_code(code: str, inv: Invocation, ctx: Context, context: dict[str, str], language: str) -> list[Effect]:
    """Code run inside the app (rails runner, manage.py shell -c): unfiltered ORM deletes and updates, raw SQL,
    and what the interpreter analysis finds in it as plain code."""
    flag = "-e" if language == "ruby" else "-c"
    effects = list(ctx.run(inv.with_words([Word.literal(language), Word.literal(flag), Word.literal(code)])))
    patterns = (_AR_DELETE, _AR_UPDATE) if language == "ruby" else (_DJ_DELETE, _DJ_UPDATE)
    for match in patterns[0].finditer(code):
        effects.append(
            _effect(Kind.DB_DELETE, f"model {match.group(1)}", f"deletes every row of {match.group(1)}", inv, context)
        )
    for match in patterns[1].finditer(code):
        effects.append(
            _effect(Kind.DB_UPDATE, f"model {match.group(1)}", f"updates every row of {match.group(1)}", inv, context)
        )
    if _FILTERED_WRITE.search(code):
        effects.append(_effect(Kind.DB_WRITE, _db_target(context, "app"), "changes filtered rows", inv, context))
    conn = Conn(None, _db_target(context, "app"), context, None, inv.cwd)
    for match in _RAW_SQL.finditer(code):
        effects.extend(run_sql(match.group(2), inv, conn))
    return effects


DJANGO_VALUED = (
    "--settings --pythonpath --database -v --verbosity -c --command -i --interface --format -o "
    "--output -e --exclude --app --indent --parallel --tag --exclude-tag -k --testrunner --level "
    "--name -n"
)
DJANGO_READ = frozenset(
    "check showmigrations sqlmigrate sqlsequencereset sqlflush diffsettings inspectdb help version show_urls "
    "dumpdata validate_templates print_settings show_template_tags graph_models list_model_info".split()
)
DJANGO_WRITE = frozenset(
    "loaddata createsuperuser changepassword clearsessions createcachetable remove_stale_contenttypes "
    "update_permissions sync_translation_fields".split()
)
DJANGO_BUILD = frozenset(
    "makemigrations squashmigrations startapp startproject compilemessages makemessages collectstatic "
    "optimizemigration".split()
)


def manage_py(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, DJANGO_VALUED)
    words = _texts(parsed.operands)
    context = orm_context(inv)
    settings = parsed.text("--settings")
    if settings:
        context.update({"settings": settings, "env": settings.rsplit(".", 1)[-1]})
    database = parsed.text("--database")
    if database:
        context["database"] = database
    command = words[0] if words else "help"
    return _django_command(command, words[1:], parsed, inv, ctx, context)


def _django_command(
    command: str, rest: list[str], parsed: Parsed, inv: Invocation, ctx: Context, context: dict[str, str]
) -> list[Effect]:
    tool = "django"
    if command in ("flush", "reset_db", "reset_schema"):
        return [_orm(Kind.DB_RESET, f"deletes all data from the database (manage.py {command})", inv, tool, context)]
    if command == "migrate":
        return [_django_migrate(rest, parsed, inv, context)]
    if command == "dbshell":
        return _django_dbshell(rest, inv, context)
    if command in ("shell", "shell_plus"):
        return _django_shell(parsed, inv, ctx, context)
    if command in DJANGO_READ:
        return [_orm(Kind.READ, f"manage.py {command}", inv, tool, context)]
    if command in DJANGO_WRITE:
        return [_orm(Kind.DB_WRITE, f"manage.py {command}", inv, tool, context)]
    if command in DJANGO_BUILD:
        return [_effect(Kind.EXEC_BUILD, "manage.py", f"manage.py {command}", inv, context)]
    if command == "test":
        return [_effect(Kind.EXEC_TEST, "manage.py", "manage.py test", inv, context)]
    return [_effect(Kind.EXEC_PROGRAM, "manage.py", f"manage.py {command}", inv, context)]


def _django_migrate(rest: list[str], parsed: Parsed, inv: Invocation, context: dict[str, str]) -> Effect:
    if parsed.has("--plan", "--check", "--list", "-l"):
        return _orm(Kind.READ, "shows the migration plan", inv, "django", context)
    if len(rest) >= 2 and rest[1] == "zero":
        return _orm(
            Kind.DB_RESET,
            f"unapplies every migration of {rest[0]}: drops its tables (migrate {rest[0]} zero)",
            inv,
            "django",
            context,
        )
    if len(rest) >= 2:
        return _orm(
            Kind.DB_ALTER, f"migrates {rest[0]} to {rest[1]}: later migrations are reverted", inv, "django", context
        )
    return _orm(Kind.DB_WRITE, "applies migrations (manage.py migrate)", inv, "django", context)


def _django_dbshell(rest: list[str], inv: Invocation, context: dict[str, str]) -> list[Effect]:
    conn = Conn(None, _db_target(context, "django"), context, None, inv.cwd)
    for flag in ("-c", "-e", "--command", "--execute"):
        if flag in rest and rest.index(flag) + 1 < len(rest):
            return run_sql(rest[rest.index(flag) + 1], inv, conn)
    stdin = _stdin_text(inv, "SQL", conn)
    if stdin is None:
        return [_interactive(inv, conn)]
    return [stdin] if isinstance(stdin, Effect) else run_sql(stdin, inv, conn)


def _django_shell(parsed: Parsed, inv: Invocation, ctx: Context, context: dict[str, str]) -> list[Effect]:
    word = parsed.value("-c", "--command")
    if word is not None and not word.known:
        return [_unknown(f"manage.py shell -c: code not known before it runs ({word.why})", inv, context)]
    code: str | Effect | None = (
        word.text if word is not None else _stdin_text(inv, "Python code", Conn(None, "", context))
    )
    if code is None:
        return [_effect(Kind.EXEC_PROGRAM, "manage.py", "opens a Django shell", inv, context)]
    if isinstance(code, Effect):
        return [code]
    return _app_code(code, inv, ctx, context, "python")


def alembic(inv: Invocation, ctx: Context) -> list[Effect]:
    words = _texts(inv.args)
    context = orm_context(inv)
    sub = next((w for w in words if w in ALEMBIC_COMMANDS), "")
    offline = "--sql" in words
    rev = _after(words, sub)
    if sub == "downgrade" and not offline:
        if "base" in rev:
            return [
                _orm(
                    Kind.DB_RESET,
                    "downgrades to base: drops every table the migrations made (alembic downgrade base)",
                    inv,
                    "alembic",
                    context,
                )
            ]
        return [
            _orm(
                Kind.DB_ALTER,
                f"reverts migrations to {rev or '?'}: may drop tables or columns",
                inv,
                "alembic",
                context,
            )
        ]
    if sub in ("upgrade", "stamp", "ensure_version") and not offline:
        return [_orm(Kind.DB_WRITE, f"alembic {sub} {rev}".strip(), inv, "alembic", context)]
    if sub in ("revision", "init", "merge", "edit", "list_templates"):
        return [_effect(Kind.EXEC_BUILD, "alembic", f"alembic {sub}", inv, context)]
    return [
        _orm(Kind.READ, f"alembic {sub or 'help'}" + (" (prints SQL only)" if offline else ""), inv, "alembic", context)
    ]


ALEMBIC_COMMANDS = frozenset(
    "upgrade downgrade stamp revision init merge edit list_templates current history heads "
    "branches show check ensure_version".split()
)


def _after(words: list[str], sub: str) -> str:
    """The operand after a sub-command; `-1` (a relative revision) counts as an operand."""
    if sub not in words:
        return ""
    for word in words[words.index(sub) + 1 :]:
        if not word.startswith("-") or re.fullmatch(r"-\d+", word):
            return word
    return ""


def _table_tool(
    tool: str,
    table: dict[str, tuple[Kind, str]],
    inv: Invocation,
    context: dict[str, str],
    command: str,
    flags: Sequence[str] = (),
) -> list[Effect]:
    """Tools whose sub-commands map one-to-one to effects; `command!flag` entries win when the flag is given."""
    for flag in flags:
        special = table.get(f"{command}!{flag}")
        if special is not None:
            return [_orm(special[0], f"{special[1]} ({tool} {command} {flag})", inv, tool, context)]
    found = table.get(command)
    if found is None and "?" in command.split():
        return [_unknown(f"{tool}: the sub-command is not known before it runs", inv, context)]
    if found is None:
        return [_effect(Kind.EXEC_PROGRAM, tool, f"{tool} {command}".strip(), inv, context)]
    kind, detail = found
    if not kind.value.startswith("db."):
        return [_effect(kind, tool, f"{detail} ({tool} {command})", inv, context)]
    return [_orm(kind, f"{detail} ({tool} {command})", inv, tool, context)]


_R, _W, _A, _B = Kind.DB_RESET, Kind.DB_WRITE, Kind.DB_ALTER, Kind.EXEC_BUILD
KNEX = {
    "migrate:rollback!--all": (_R, "reverts every migration"),
    "migrate:rollback": (_A, "reverts the last batch"),
    "migrate:down": (_A, "reverts a migration"),
    "migrate:latest": (_W, "applies migrations"),
    "migrate:up": (_W, "applies a migration"),
    "seed:run": (_W, "runs seed files"),
    "migrate:unlock": (_W, "releases the migration lock"),
    "migrate:list": (Kind.READ, "lists migrations"),
    "migrate:status": (Kind.READ, "shows status"),
    "migrate:currentVersion": (Kind.READ, "shows the version"),
    "migrate:make": (_B, "creates a migration file"),
    "seed:make": (_B, "creates a seed file"),
    "init": (_B, "creates a knexfile"),
}
SEQUELIZE = {
    "db:drop": (Kind.DB_DROP, "drops the database"),
    "db:migrate:undo:all": (_R, "reverts every migration"),
    "db:migrate:undo": (_A, "reverts migrations"),
    "db:seed:undo:all": (Kind.DB_DELETE, "deletes every seeded row"),
    "db:seed:undo": (_W, "deletes seeded rows"),
    "db:create": (_W, "creates the database"),
    "db:migrate": (_W, "applies migrations"),
    "db:seed": (_W, "runs a seeder"),
    "db:seed:all": (_W, "runs every seeder"),
    "db:migrate:status": (Kind.READ, "shows status"),
    "init": (_B, "initialises"),
    "model:generate": (_B, "generates a model"),
    "model:create": (_B, "creates a model"),
    "migration:generate": (_B, "creates a migration"),
    "migration:create": (_B, "creates a migration"),
    "seed:generate": (_B, "creates a seeder"),
    "seed:create": (_B, "creates a seeder"),
}
TYPEORM = {
    "schema:drop": (_R, "drops every table"),
    "schema:sync": (_A, "syncs the schema: may drop columns and tables"),
    "migration:revert": (_A, "reverts the last migration"),
    "migration:run": (_W, "applies migrations"),
    "schema:log": (Kind.READ, "prints schema changes"),
    "migration:show": (Kind.READ, "shows migrations"),
    "cache:clear": (_W, "clears the query cache"),
    "migration:create": (_B, "creates a migration"),
    "migration:generate": (_B, "generates a migration"),
    "entity:create": (_B, "creates an entity"),
    "subscriber:create": (_B, "creates a subscriber"),
    "init": (_B, "initialises"),
    "version": (Kind.READ, "shows the version"),
}
DRIZZLE = {
    "push!--force": (_A, "applies the schema, approving every data-loss statement"),
    "push": (_W, "applies the schema"),
    "migrate": (_W, "applies migrations"),
    "generate": (_B, "generates migrations"),
    "introspect": (_B, "pulls the schema"),
    "pull": (_B, "pulls the schema"),
    "up": (_B, "upgrades snapshots"),
    "export": (_B, "exports SQL"),
    "check": (Kind.READ, "checks migrations"),
    "studio": (Kind.EXEC_PROGRAM, "starts drizzle studio"),
    "drop": (Kind.FILE_DELETE, "deletes a generated migration file"),
}
FLYWAY = {
    "clean": (_R, "drops every object in the configured schemas"),
    "migrate": (_W, "applies migrations"),
    "baseline": (_W, "baselines the schema history"),
    "repair": (_W, "repairs the schema history"),
    "undo": (_A, "reverts the last migration"),
    "info": (Kind.READ, "shows migrations"),
    "validate": (Kind.READ, "validates migrations"),
    "check": (Kind.READ, "checks"),
    "snapshot": (Kind.READ, "snapshots the schema"),
}
DIESEL = {
    "database reset": (_R, "drops and recreates the database"),
    "database drop": (Kind.DB_DROP, "drops the database"),
    "database setup": (_W, "creates the database and runs migrations"),
    "migration run": (_W, "applies migrations"),
    "migration revert!--all": (_R, "reverts every migration"),
    "migration revert": (_A, "reverts the last migration"),
    "migration redo": (_A, "reverts and re-applies migrations"),
    "migration list": (Kind.READ, "lists migrations"),
    "migration pending": (Kind.READ, "lists pending migrations"),
    "migration generate": (_B, "creates a migration"),
    "print-schema": (_B, "prints the schema"),
    "setup": (_W, "creates the database and runs migrations"),
}
SQLX = {
    "database drop": (Kind.DB_DROP, "drops the database"),
    "database reset": (_R, "drops, recreates and migrates the database"),
    "database create": (_W, "creates the database"),
    "database setup": (_W, "creates and migrates the database"),
    "migrate run": (_W, "applies migrations"),
    "migrate revert": (_A, "reverts the last migration"),
    "migrate info": (Kind.READ, "shows migrations"),
    "migrate add": (_B, "creates a migration"),
    "prepare": (_B, "prepares offline query data"),
}
DBMATE = {
    "drop": (Kind.DB_DROP, "drops the database"),
    "rollback": (_A, "reverts the last migration"),
    "down": (_A, "reverts the last migration"),
    "up": (_W, "creates the database and applies migrations"),
    "migrate": (_W, "applies migrations"),
    "create": (_W, "creates the database"),
    "status": (Kind.READ, "shows status"),
    "new": (_B, "creates a migration"),
    "dump": (_B, "writes the schema file"),
    "load": (_W, "loads the schema file"),
    "wait": (Kind.READ, "waits for the database"),
}
GOOSE = {
    "reset": (_R, "reverts every migration"),
    "down": (_A, "reverts the last migration"),
    "redo": (_A, "reverts and re-applies the last migration"),
    "down-to": (_A, "reverts migrations"),
    "up": (_W, "applies migrations"),
    "up-by-one": (_W, "applies a migration"),
    "up-to": (_W, "applies migrations"),
    "status": (Kind.READ, "shows status"),
    "version": (Kind.READ, "shows the version"),
    "validate": (Kind.READ, "validates migrations"),
    "create": (_B, "creates a migration"),
    "fix": (_B, "renumbers migrations"),
}
ECTO = {
    "ecto.drop": (Kind.DB_DROP, "drops the database"),
    "ecto.reset": (_R, "drops, recreates and migrates the database"),
    "ecto.rollback!--all": (_R, "reverts every migration"),
    "ecto.rollback": (_A, "reverts migrations"),
    "ecto.migrate": (_W, "applies migrations"),
    "ecto.create": (_W, "creates the database"),
    "ecto.setup": (_W, "creates, migrates and seeds the database"),
    "ecto.load": (_W, "loads the structure"),
    "ecto.migrations": (Kind.READ, "lists migrations"),
    "ecto.dump": (_B, "dumps the structure"),
    "ecto.gen.migration": (_B, "creates a migration"),
    "test": (Kind.EXEC_TEST, "runs tests"),
    "format": (_B, "formats code"),
    "compile": (_B, "compiles"),
    "deps.get": (_B, "fetches dependencies"),
    "credo": (Kind.EXEC_TEST, "lints"),
    "dialyzer": (Kind.EXEC_TEST, "type-checks"),
}
ARTISAN = {
    "migrate:fresh": (_R, "drops every table and re-runs all migrations"),
    "migrate:reset": (_R, "reverts every migration"),
    "migrate:refresh": (_R, "reverts and re-runs every migration"),
    "db:wipe": (_R, "drops every table, view and type"),
    "migrate:rollback": (_A, "reverts the last batch"),
    "migrate": (_W, "applies migrations"),
    "db:seed": (_W, "seeds the database"),
    "migrate:install": (_W, "creates the migration table"),
    "migrate:status": (Kind.READ, "shows status"),
    "queue:flush": (Kind.DB_DELETE, "deletes every failed job"),
    "queue:clear": (Kind.DB_DELETE, "deletes every queued job"),
    "cache:clear": (_W, "clears the cache"),
    "test": (Kind.EXEC_TEST, "runs tests"),
    "tinker": (Kind.EXEC_PROGRAM, "opens a REPL"),
    "serve": (Kind.EXEC_PROGRAM, "serves the app"),
    "db:show": (Kind.READ, "shows the database"),
    "db:table": (Kind.READ, "shows a table"),
    "route:list": (Kind.READ, "lists routes"),
    "about": (Kind.READ, "shows app information"),
    "list": (Kind.READ, "lists commands"),
}


def _simple(
    tool: str,
    table: dict[str, tuple[Kind, str]],
    words_used: int = 1,
    valued: str = "",
    env_options: Sequence[str] = ("--env", "-e"),
    url_options: Sequence[str] = (),
) -> Handler:
    """A handler for a tool whose first one or two operands name the sub-command."""

    def handler(inv: Invocation, ctx: Context) -> list[Effect]:
        parsed = parse_args(inv.args, valued + " " + " ".join((*env_options, *url_options)))
        words = _texts(parsed.operands)
        context = orm_context(inv)
        env = parsed.text(*env_options) if env_options else None
        url = parsed.text(*url_options) if url_options else None
        context = _merge(context, {"env": env or ""}, target_context(url) if url else {})
        command = " ".join(words[:words_used])
        if command.startswith("make:") or command.startswith("generate"):
            return [_effect(Kind.EXEC_BUILD, tool, f"{tool} {command}", inv, context)]
        flags = [name for name, _ in parsed.items if name]
        return _table_tool(tool, table, inv, context, command, flags)

    return handler


def drizzle_kit(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(
        inv.args,
        "--config --dialect --schema --out --url --table-filters --schema-filters "
        "--driver --host --port --user --password --database --name --prefix --casing",
    )
    words = _texts(parsed.operands)
    command = words[0].split(":", 1)[0] if words else ""
    context = _merge(
        orm_context(inv),
        target_context(parsed.text("--url") or "") if parsed.text("--url") else {},
        _opt_context(parsed, {"--host": "host", "--database": "database"}),
    )
    flags = [name for name, _ in parsed.items if name]
    return _table_tool("drizzle-kit", DRIZZLE, inv, context, command, flags)


def liquibase(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(
        inv.args,
        "--url --username --password --changelog-file --defaults-file --sql --sql-file "
        "--count --tag --date --contexts --labels --search-path --driver --classpath "
        "--reference-url --output-file",
    )
    words = _texts(parsed.operands)
    command = words[0].lower().replace("-", "") if words else ""
    context = _merge(orm_context(inv), target_context(parsed.text("--url") or "") if parsed.text("--url") else {})
    if command == "dropall":
        return [
            _orm(Kind.DB_RESET, "drops every object in the database (liquibase dropAll)", inv, "liquibase", context)
        ]
    if command == "executesql":
        return _liquibase_sql(parsed, inv, ctx, context)
    if command.endswith("sql") or command in (
        "status",
        "history",
        "diff",
        "diffchangelog",
        "validate",
        "snapshot",
        "dbdoc",
        "generatechangelog",
        "unexpectedchangesets",
        "help",
        "",
    ):
        return [_orm(Kind.READ, f"liquibase {command or 'help'}", inv, "liquibase", context)]
    if command.startswith("rollback"):
        return [
            _orm(
                Kind.DB_ALTER,
                f"rolls changesets back: may drop tables or columns (liquibase {words[0]})",
                inv,
                "liquibase",
                context,
            )
        ]
    return [_orm(Kind.DB_WRITE, f"liquibase {words[0]}", inv, "liquibase", context)]


def _liquibase_sql(parsed: Parsed, inv: Invocation, ctx: Context, context: dict[str, str]) -> list[Effect]:
    conn = Conn(None, _db_target(context, "liquibase"), context, None, inv.cwd)
    sql = parsed.value("--sql")
    if sql is not None:
        return _sql_word(sql, inv, conn, "--sql")
    file = parsed.value("--sql-file")
    if file is None:
        return [_unknown("liquibase execute-sql without SQL", inv, context)]
    text = _read_file(ctx, file, inv, conn, "SQL")
    return [text] if isinstance(text, Effect) else run_sql(text, inv, conn)


def flyway(inv: Invocation, ctx: Context) -> list[Effect]:
    """flyway takes `-key=value` options; the operands are the commands, run in order."""
    options = dict(_pair(w.text.lstrip("-")) for w in inv.args if w.known and w.text.startswith("-") and "=" in w.text)
    context = _merge(
        orm_context(inv),
        url_context(options["url"]) if "url" in options else {},
        {"env": options.get("environment", "")},
    )
    commands = _texts([w for w in inv.args if not w.text.startswith("-")]) or ["help"]
    return [e for command in commands for e in _table_tool("flyway", FLYWAY, inv, context, command)]


def typeorm(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, "-d --dataSource --connection -c --config -n --name -o --outputPath")
    words = [w for w in parsed.operands]
    context = orm_context(inv)
    if words and words[0].text == "query":
        conn = Conn(None, _db_target(context, "typeorm"), context, None, inv.cwd)
        return (
            _sql_word(words[1], inv, conn, "query")
            if len(words) > 1
            else [_unknown("typeorm query without SQL", inv, context)]
        )
    return _table_tool("typeorm", TYPEORM, inv, context, words[0].text if words else "")


def supabase(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(
        inv.args,
        "--db-url --project-ref -p --password --workdir --schema -s -f --file --last --version --profile --output -o",
    )
    words = _texts(parsed.operands)
    group, sub = ([*words, "", ""])[:2]
    remote = parsed.has("--linked") or parsed.value("--db-url") is not None
    context = _merge(
        orm_context(inv),
        target_context(parsed.text("--db-url") or "") if parsed.text("--db-url") else {},
        {"project": parsed.text("--project-ref") or "", "remote": "linked project" if parsed.has("--linked") else ""},
    )
    where = "the linked (remote) project" if remote else "the local database"
    pair = f"{group} {sub}".strip()
    if pair == "db reset":
        return [_orm(Kind.DB_RESET, f"drops and recreates {where} (supabase db reset)", inv, "supabase", context)]
    if group == "stop" and parsed.has("--no-backup"):
        return [
            _orm(
                Kind.DB_RESET,
                "deletes the local database volumes (supabase stop --no-backup)",
                inv,
                "supabase",
                context,
            )
        ]
    if sub == "delete" or pair in ("secrets unset", "storage rm"):
        return [_effect(Kind.SERVICE_DESTROY, f"supabase {group}", f"supabase {pair}", inv, context)]
    return [_supabase_other(group, sub, parsed, inv, context)]


def _supabase_other(group: str, sub: str, parsed: Parsed, inv: Invocation, context: dict[str, str]) -> Effect:
    pair = f"{group} {sub}".strip()
    if pair in ("db push", "migration up", "migration repair", "seed buckets") and not parsed.has("--dry-run"):
        return _orm(Kind.DB_WRITE, f"supabase {pair}", inv, "supabase", context)
    if pair == "migration down":
        return _orm(Kind.DB_ALTER, "reverts migrations (supabase migration down)", inv, "supabase", context)
    if group in (
        "db",
        "migration",
        "inspect",
        "projects",
        "orgs",
        "status",
        "branches",
        "functions",
        "secrets",
        "storage",
    ) and sub in ("pull", "diff", "dump", "lint", "list", "ls", "", "show", "get", "report"):
        return _orm(Kind.READ, f"supabase {pair}", inv, "supabase", context)
    if group in ("gen", "init", "migration"):
        return _effect(Kind.EXEC_BUILD, "supabase", f"supabase {pair}", inv, context)
    if group in ("functions", "secrets", "config", "storage", "branches", "projects"):
        return _effect(Kind.CLOUD_WRITE, f"supabase {group}", f"supabase {pair}", inv, context)
    return _effect(Kind.EXEC_PROGRAM, "supabase", f"supabase {pair}", inv, context)


def mix(inv: Invocation, ctx: Context) -> list[Effect]:
    """`mix ecto.reset`, and each task of `mix do a, b`."""
    words = _texts(inv.args)
    context = orm_context(inv)
    if words[:1] == ["do"]:
        tasks = [t.strip() for t in " ".join(words[1:]).replace("+", ",").split(",") if t.strip()]
    else:
        tasks = [" ".join(words)] if words else ["help"]
    effects: list[Effect] = []
    for task in tasks:
        parts = task.split()
        effects.extend(_table_tool("mix", ECTO, inv, context, parts[0], parts[1:]))
    return effects


def goose(inv: Invocation, ctx: Context) -> list[Effect]:
    """`goose [driver dbstring] command [version]`; `down-to 0` reverts everything."""
    parsed = parse_args(
        inv.args,
        "-dir -table -env -certfile -ssl-cert -ssl-key -s -v -timeout -a -allow-missing",
        single_dash_long=True,
    )
    words = _texts(parsed.operands)
    index = next((i for i, w in enumerate(words) if w in GOOSE), None)
    context = orm_context(inv)
    if index is not None and index >= 2:
        dsn = words[index - 1]
        context = _merge(context, target_context(dsn) if dsn != "?" else {}, {"driver": words[index - 2]})
    command = words[index] if index is not None else ""
    if command == "down-to" and words[-1:] == ["0"]:
        return [_orm(Kind.DB_RESET, "reverts every migration (goose down-to 0)", inv, "goose", context)]
    return _table_tool("goose", GOOSE, inv, context, command)


HANDLERS: dict[str, Handler] = {
    "sqlite3": sqlite_shell,
    "duckdb": sqlite_shell,
    "psql": psql,
    "mysql": mysql,
    "mariadb": mysql,
    "mongosh": mongosh,
    "mongo": mongosh,
    "redis-cli": redis_cli,
    "valkey-cli": redis_cli,
    "dropdb": _pg_admin(Kind.DB_DROP, "database", "drops"),
    "dropuser": _pg_admin(Kind.DB_DROP, "role", "drops"),
    "createdb": _pg_admin(Kind.DB_WRITE, "database", "creates"),
    "createuser": _pg_admin(Kind.DB_WRITE, "role", "creates"),
    "mysqladmin": mysqladmin,
    "mariadb-admin": mysqladmin,
    "pg_restore": pg_restore,
    "mongorestore": mongorestore,
    "pg_dump": dump,
    "pg_dumpall": dump,
    "mysqldump": dump,
    "mariadb-dump": dump,
    "mongodump": dump,
    "cqlsh": cqlsh,
    "clickhouse-client": clickhouse_client,
    "clickhouse-local": clickhouse_client,
    "clickhouse": clickhouse,
    "influx": influx,
    "etcdctl": etcdctl,
    "sqlcmd": sqlcmd,
    "memcached-tool": memcached_tool,
    "prisma": prisma,
    "rails": rails,
    "rake": rails,
    "alembic": alembic,
    "knex": _simple(
        "knex",
        KNEX,
        valued="--knexfile --cwd --client --connection --migrations-directory --specific --name",
        url_options=("--connection",),
    ),
    "sequelize": _simple(
        "sequelize",
        SEQUELIZE,
        valued="--config --options-path --models-path --seeders-path "
        "--migrations-path --name --to --from --seed --attributes",
        url_options=("--url",),
    ),
    "typeorm": typeorm,
    "typeorm-ts-node-commonjs": typeorm,
    "typeorm-ts-node-esm": typeorm,
    "manage.py": manage_py,
    "django-admin": manage_py,
    "drizzle-kit": drizzle_kit,
    "supabase": supabase,
    "flyway": flyway,
    "liquibase": liquibase,
    "diesel": _simple(
        "diesel",
        DIESEL,
        words_used=2,
        valued="--migration-dir --config-file --schema-key",
        env_options=(),
        url_options=("--database-url",),
    ),
    "sqlx": _simple(
        "sqlx",
        SQLX,
        words_used=2,
        valued="--source --target-version",
        env_options=(),
        url_options=("-D", "--database-url"),
    ),
    "dbmate": _simple(
        "dbmate",
        DBMATE,
        valued="-d --migrations-dir -s --schema-file --migrations-table --wait-timeout",
        env_options=("-e", "--env"),
        url_options=("-u", "--url"),
    ),
    "goose": goose,
    "mix": mix,
    "artisan": _simple("artisan", ARTISAN, valued="--database --path --seeder --class --step", env_options=("--env",)),
}
HANDLERS["sequelize-cli"] = HANDLERS["sequelize"]


def _never_empty(handler: Handler) -> Handler:
    """A command always has an effect to judge: one that ends up running nothing only reads."""

    def wrapped(inv: Invocation, ctx: Context) -> list[Effect]:
        effects = list(handler(inv, ctx))
        return effects or [_effect(Kind.READ, inv.name, "runs nothing that reads or changes data", inv)]

    return wrapped


HANDLERS = {name: _never_empty(handler) for name, handler in HANDLERS.items()}
