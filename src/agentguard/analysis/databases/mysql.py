"""mysql and mariadb clients: -e, stdin and files, and client commands (source, system, use)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentguard.analysis.databases.common import (
    MAX_SCRIPT_DEPTH,
    Conn,
    Shell,
    db_effect,
    read_sql_file,
    script_stdin,
    script_word,
    write_output_file,
)
from agentguard.analysis.databases.options import parse_args
from agentguard.analysis.databases.orm import word_texts
from agentguard.analysis.databases.psql import db_target
from agentguard.analysis.databases.sqlite import flush_sql
from agentguard.analysis.databases.targets import clean_context, env_context, merge_contexts, opt_context
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

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
    context = merge_contexts(
        env_context(inv, MYSQL_ENV),
        clean_context({"database": word_texts(operands[:1], "")[0] if operands else ""}),
        opt_context(parsed, MYSQL_OPTS),
    )
    conn = Conn("mysql", db_target(context, inv.name), context, None, inv.cwd)
    if parsed.has("-V", "--version", "-?", "-I", "--help"):
        return [db_effect(Kind.READ, inv.name, "shows version or help", inv)]
    shell = MysqlShell(ctx, inv, conn)
    for word in parsed.values("--tee"):
        shell.effects.extend(write_output_file(ctx, word.text, inv, "mysql appends its session to"))
    for word in parsed.values("--init-command"):
        script_word(shell, word, f"{shell.inv.name} -e", _mysql_script)
    executes = parsed.values("-e", "--execute")
    for word in executes:
        script_word(shell, word, f"{shell.inv.name} -e", _mysql_script)
    if not executes:
        script_stdin(shell, _mysql_script)
    return shell.effects


def _mysql_script(shell: MysqlShell, script: str) -> None:
    """SQL with the client's own commands (source, use, system, delimiter…) at the start of a line."""
    buffer: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        first = stripped.split(None, 1)[0] if stripped else ""
        pending = "\n".join(buffer).strip()
        if (not pending or pending.endswith(";")) and _is_client_command(first):
            flush_sql(shell, buffer)
            _mysql_client_command(shell, first, stripped)
            continue
        if shell.delimiter != ";":
            line = line.replace(shell.delimiter, ";")
        buffer.append(re.sub(r"\\[gG]\s*$", ";", line))
    flush_sql(shell, buffer)


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
        shell.conn.target = db_target(shell.conn.context, shell.inv.name)
    elif name in ("system", "\\!"):
        shell.effects.extend(shell.ctx.shell(rest, shell.inv))
    elif name in ("delimiter", "\\d"):
        shell.delimiter = rest or ";"
    elif name in ("tee", "\\t") and first in ("tee", "\\T"):
        shell.effects.extend(write_output_file(shell.ctx, rest, shell.inv, "mysql appends its session to"))
    elif name in ("edit", "\\e"):
        shell.effects.append(db_effect(Kind.EXEC_PROGRAM, "editor", "opens an editor", shell.inv))
    elif name in ("connect", "\\r"):
        words = rest.split()
        shell.conn.context.update(clean_context(dict(zip(("database", "host"), words, strict=False))))
    else:
        return name in MYSQL_QUIET and name != ""
    return True


def _mysql_source(shell: MysqlShell, name: str) -> None:
    text = read_sql_file(shell.ctx, Word.literal(name), shell.inv, shell.conn, "SQL")
    if isinstance(text, Effect):
        shell.effects.append(text)
    elif shell.depth < MAX_SCRIPT_DEPTH:
        shell.depth += 1
        _mysql_script(shell, text)
        shell.depth -= 1
