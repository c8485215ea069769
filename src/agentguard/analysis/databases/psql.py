"""psql: -c/-f/stdin SQL, variables, and meta-commands (\\i, \\copy, \\!, \\connect, \\gexec, \\lo_unlink…)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from agentguard.analysis.databases.common import (
    Conn,
    Shell,
    db_effect,
    db_unknown,
    pipe_or_file,
    run_sql,
    script_file,
    script_stdin,
    script_word,
    split_words,
    write_output_file,
)
from agentguard.analysis.databases.options import Parsed, parse_args
from agentguard.analysis.databases.targets import env_context, merge_contexts, opt_context, target_context
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

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
        return [db_effect(Kind.READ, conn.target, "lists databases or shows help", inv, conn.context)]
    shell = PsqlShell(ctx, inv, conn, variables=_psql_variables(parsed))
    for word in parsed.values("-o", "--output", "-L", "--log-file"):
        shell.effects.extend(pipe_or_file(ctx, word.text, inv, "psql writes query output", inv.cwd))
    actions = [(name, word) for name, word in parsed.items if name in ("-c", "--command", "-f", "--file")]
    for name, word in actions:
        if name in ("-c", "--command"):
            script_word(shell, word, "psql -c", _psql_script)
        elif word.text == "-":
            script_stdin(shell, _psql_script)
        else:
            script_file(shell, word, _psql_script)
    if not actions:
        script_stdin(shell, _psql_script)
    return shell.effects


def _pg_conn(inv: Invocation, parsed: Parsed) -> Conn:
    """Where psql connects: PG* variables, then the dbname (a name, URL or conninfo), then -h/-p/-U."""
    operands = parsed.operands
    dbname = parsed.value("-d", "--dbname") or (operands[0] if operands else None)
    context = env_context(inv, PG_ENV)
    if dbname is not None and dbname.known:
        context = merge_contexts(context, target_context(dbname.text))
    if len(operands) > 1 and operands[1].known and parsed.value("-d", "--dbname") is None:
        context["user"] = operands[1].text
    context = merge_contexts(context, opt_context(parsed, PG_OPTS))
    return Conn("postgres", db_target(context, "postgres"), context, None, inv.cwd)


def db_target(context: dict[str, str], engine: str) -> str:
    database = context.get("database")
    return f"database {database}" if database else f"{engine} database"


def _psql_variables(parsed: Parsed) -> dict[str, str]:
    out: dict[str, str] = {}
    for word in parsed.values("-v", "--set", "--variable"):
        name, eq, value = word.text.partition("=")
        if eq and word.known:
            out[name] = value
    return out


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
        shell.effects.append(db_effect(Kind.READ, shell.conn.target, f"runs \\{name}", shell.inv, shell.conn.context))
    else:
        shell.effects.append(db_unknown(f"psql meta-command \\{name} is not modelled", shell.inv, shell.conn.context))


def _meta_include(shell: PsqlShell, arg: str) -> None:
    words = split_words(arg)
    if words:
        script_file(shell, Word.literal(words[0]), _psql_script)


def _meta_shell(shell: PsqlShell, arg: str) -> None:
    if arg:
        shell.effects.extend(shell.ctx.shell(arg, shell.inv))
    else:
        shell.effects.append(db_effect(Kind.EXEC_PROGRAM, "shell", "opens an interactive shell (\\!)", shell.inv))


def _meta_connect(shell: PsqlShell, arg: str) -> None:
    """\\c dbname [user] [host] [port], or \\c with a URL or conninfo: later SQL runs there."""
    words = split_words(arg)
    if not words:
        return
    context = dict(shell.conn.context)
    if "://" in words[0] or "=" in words[0]:
        context = merge_contexts(context, target_context(arg))
    else:
        for key, value in zip(("database", "user", "host", "port"), words, strict=False):
            if value != "-":
                context[key] = value
    if "://" not in arg and "=" not in arg:
        context.pop("dsn", None)  # a new database on the same server: the old DSN no longer describes it
    shell.conn = Conn("postgres", db_target(context, "postgres"), context, None, shell.conn.cwd)


def _meta_copy(shell: PsqlShell, arg: str) -> None:
    """\\copy runs on the client: FROM a file loads rows, TO a file writes one, PROGRAM runs a shell command."""
    match = _COPY_RE.match(arg)
    if match is None:
        shell.effects.append(db_unknown(f"could not read \\copy {arg}", shell.inv, shell.conn.context))
        return
    table, direction, program, where = match.groups()
    where = where[1:-1].replace("''", "'") if where.startswith("'") else where
    if program:
        shell.effects.extend(shell.ctx.shell(where, shell.inv))
    if direction.lower() == "from":
        detail = f"loads rows into table {table} from {'a command' if program else where} (\\copy)"
        shell.effects.append(db_effect(Kind.DB_WRITE, f"table {table}", detail, shell.inv, shell.conn.context))
        return
    shell.effects.append(
        db_effect(Kind.READ, shell.conn.target, "exports rows (\\copy … TO)", shell.inv, shell.conn.context)
    )
    if not program and where.lower() not in ("stdout", "pstdout"):
        shell.effects.extend(write_output_file(shell.ctx, where, shell.inv, "\\copy writes rows to", shell.conn.cwd))


def _meta_output(shell: PsqlShell, arg: str) -> None:
    if arg:
        shell.effects.extend(
            pipe_or_file(
                shell.ctx,
                arg if arg.startswith("|") else split_words(arg)[0],
                shell.inv,
                "psql writes query output",
                shell.conn.cwd,
            )
        )


def _meta_gexec(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(
        db_unknown(
            "\\gexec runs every value the query returns as SQL: not known before it runs", shell.inv, shell.conn.context
        )
    )


def _meta_set(shell: PsqlShell, arg: str) -> None:
    words = split_words(arg)
    if words:
        shell.variables[words[0]] = "".join(words[1:])


def _meta_cd(shell: PsqlShell, arg: str) -> None:
    words = split_words(arg)
    base = shell.conn.cwd
    shell.conn.cwd = os.path.normpath(os.path.join(base, os.path.expanduser(words[0]))) if words and base else None


def _meta_editor(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(db_effect(Kind.EXEC_PROGRAM, "editor", "opens an editor on the query buffer", shell.inv))


def _meta_lo_unlink(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(
        db_effect(
            Kind.DB_DELETE,
            f"large object {arg or '?'}",
            "deletes a large object (\\lo_unlink)",
            shell.inv,
            shell.conn.context,
        )
    )


def _meta_lo_import(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(
        db_effect(
            Kind.DB_WRITE, shell.conn.target, "imports a large object (\\lo_import)", shell.inv, shell.conn.context
        )
    )


def _meta_lo_export(shell: PsqlShell, arg: str) -> None:
    words = split_words(arg)
    if len(words) > 1:
        shell.effects.extend(write_output_file(shell.ctx, words[1], shell.inv, "\\lo_export writes", shell.conn.cwd))


def _meta_password(shell: PsqlShell, arg: str) -> None:
    shell.effects.append(
        db_effect(
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
