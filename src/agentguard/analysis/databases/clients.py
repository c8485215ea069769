"""Other database clients: cqlsh, clickhouse, influx, etcdctl, sqlcmd, memcached-tool."""

from __future__ import annotations

import re

from agentguard.analysis.databases.common import (
    MAX_SCRIPT_DEPTH,
    Conn,
    Shell,
    db_effect,
    db_unknown,
    interactive_session,
    pipe_or_file,
    read_sql_file,
    run_sql,
    sql_word,
    stdin_text,
    write_output_file,
)
from agentguard.analysis.databases.options import Parsed, parse_args
from agentguard.analysis.databases.orm import word_texts
from agentguard.analysis.databases.psql import db_target
from agentguard.analysis.databases.targets import clean_context, env_context, merge_contexts, opt_context
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

CQLSH_VALUED = (
    "-e --execute -f --file -k --keyspace -u --username -p --password --cqlshrc --cqlversion "
    "--encoding --connect-timeout --request-timeout -t --protocol-version -b --secure-connect-bundle"
)


CQLSH_QUIET = frozenset("CONSISTENCY SERIAL TRACING EXPAND PAGING LOGIN EXIT QUIT CLEAR CLS SHOW HELP".split())


def cqlsh(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, CQLSH_VALUED)
    operands = parsed.operands
    context = merge_contexts(
        clean_context(dict(zip(("host", "port"), word_texts(operands[:2], ""), strict=False))),
        opt_context(parsed, {"-k": "database", "--keyspace": "database", "-u": "user"}),
    )
    conn = Conn(None, db_target(context, "cassandra"), context, None, inv.cwd)
    shell = Shell(ctx, inv, conn)
    scripts = parsed.values("-e", "--execute")
    for word in scripts:
        if word.known:
            _cql_script(shell, word.text)
        else:
            shell.effects.append(db_unknown(f"cqlsh -e: CQL not known before it runs ({word.why})", inv, context))
    for word in parsed.values("-f", "--file"):
        text = read_sql_file(ctx, word, inv, conn, "CQL")
        shell.effects.append(text) if isinstance(text, Effect) else _cql_script(shell, text)
    if not scripts and not parsed.has("-f", "--file"):
        stdin = stdin_text(inv, "CQL", conn)
        if stdin is None:
            shell.effects.append(interactive_session(inv, conn))
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
            text = read_sql_file(shell.ctx, Word.literal(words[1].strip("'\"")), shell.inv, shell.conn, "CQL")
            shell.effects.append(text) if isinstance(text, Effect) else _cql_script(shell, text)
        elif first == "CAPTURE" and len(words) > 1 and words[1].upper() != "OFF":
            shell.effects.extend(write_output_file(shell.ctx, words[1].strip("'\""), shell.inv, "cqlsh captures to"))
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
            db_effect(
                Kind.DB_WRITE,
                f"table {table}",
                f"loads rows into table {table} (COPY FROM)",
                shell.inv,
                shell.conn.context,
            )
        )
    else:
        shell.effects.append(
            db_effect(Kind.READ, f"table {table}", "exports rows (COPY TO)", shell.inv, shell.conn.context)
        )
        if where.upper() != "STDOUT":
            shell.effects.extend(write_output_file(shell.ctx, where, shell.inv, "cqlsh COPY TO writes"))


CLICKHOUSE_VALUED = (
    "-q --query --queries-file -h --host --port -u --user --password -d --database --config-file "
    "-C --config -f --format --log-level --history_file --connection --query_id --stage "
    "--param --max_memory_usage --file --structure --table --input-format --output-format"
)


def clickhouse_client(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, CLICKHOUSE_VALUED)
    context = opt_context(
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
        "clickhouse-local" if local else db_target(context, "clickhouse"),
        context,
        None,
        inv.cwd,
        memory=local,
    )
    effects: list[Effect] = []
    queries = parsed.values("-q", "--query")
    for word in queries:
        effects.extend(sql_word(word, inv, conn, "--query"))
    for word in parsed.values("--queries-file"):
        text = read_sql_file(ctx, word, inv, conn, "SQL")
        effects.extend([text] if isinstance(text, Effect) else run_sql(text, inv, conn))
    if queries or parsed.has("--queries-file"):
        return effects
    stdin = stdin_text(inv, "SQL", conn)
    if stdin is None:
        return [interactive_session(inv, conn)]
    return [stdin] if isinstance(stdin, Effect) else run_sql(stdin, inv, conn)


def clickhouse(inv: Invocation, ctx: Context) -> list[Effect]:
    """`clickhouse client …` and `clickhouse local …` are the client programs under one binary."""
    args = inv.args
    sub = args[0].text if args else ""
    if sub in ("client", "local"):
        return clickhouse_client(inv.with_words([Word.literal(f"clickhouse-{sub}"), *args[1:]]), ctx)
    return [db_effect(Kind.EXEC_PROGRAM, "clickhouse", f"runs clickhouse {sub}".strip(), inv)]


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
    words = word_texts(parsed.operands)
    context = opt_context(
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
            return db_effect(Kind.DB_WRITE, f"bucket {bucket}", "deletes points matching a predicate", inv, context)
        return db_effect(
            Kind.DB_DELETE, f"bucket {bucket}", "deletes every point in the time range (no --predicate)", inv, context
        )
    if sub == "delete" and group in ("bucket", "org", "v1"):
        return db_effect(Kind.DB_DROP, f"{group} {bucket}", f"deletes {group} {bucket} and its data", inv, context)
    if group == "restore":
        kind = Kind.DB_RESET if parsed.has("--full") else Kind.DB_WRITE
        return db_effect(
            kind,
            "influx data",
            "restores a backup" + (" over all data (--full)" if kind is Kind.DB_RESET else ""),
            inv,
            context,
        )
    if group == "query":
        return db_effect(Kind.READ, "influx data", "runs a Flux query", inv, context)
    if group in INFLUX_READ or sub in ("list", "find", "ls"):
        return db_effect(Kind.READ, "influx", f"influx {' '.join(words[:2])}", inv, context)
    return db_effect(Kind.DB_WRITE, "influx", f"influx {' '.join(words[:2])}", inv, context)


def _influx_v1(inv: Invocation, ctx: Context) -> list[Effect]:
    """InfluxDB 1.x: `influx -execute 'DROP DATABASE x' -database db -host h`."""
    parsed = parse_args(
        inv.args,
        "-execute -database -host -port -username -password -format -precision -path -consistency -type -pps",
        single_dash_long=True,
    )
    context = opt_context(parsed, {"-host": "host", "-port": "port", "-database": "database", "-username": "user"})
    conn = Conn("influxql", db_target(context, "influx"), context, None, inv.cwd)
    executes = parsed.values("-execute")
    if parsed.has("-import"):
        return [db_effect(Kind.DB_WRITE, conn.target, "imports points from a file", inv, context)]
    if executes:
        return [e for w in executes for e in sql_word(w, inv, conn, "-execute")]
    stdin = stdin_text(inv, "InfluxQL", conn)
    if stdin is None:
        return [interactive_session(inv, conn)]
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
    context = merge_contexts(
        env_context(inv, {"ETCDCTL_ENDPOINTS": "host"}), opt_context(parsed, {"--endpoints": "host"})
    )
    sub = words[0].text if words else "help"
    rest = words[1:]
    second = rest[0].text if rest else ""
    if sub == "del":
        return _etcd_delete(rest, parsed, inv, context)
    if sub in ETCD_READ or second in ("list", "status", "timetolive", "get", "health", "hashkv"):
        return [db_effect(Kind.READ, "etcd", f"etcdctl {sub} {second}".strip(), inv, context)]
    if sub == "lease" and second == "revoke":
        return [
            db_effect(
                Kind.DB_DELETE, "keys attached to the lease", "revokes a lease: its keys are deleted", inv, context
            )
        ]
    if (sub, second) in (("member", "remove"), ("user", "delete"), ("role", "delete")):
        return [
            db_effect(
                Kind.DB_DROP, f"{sub} {rest[1].text if len(rest) > 1 else '?'}", f"etcdctl {sub} {second}", inv, context
            )
        ]
    if sub == "snapshot" and second == "save" and len(rest) > 1:
        return [
            db_effect(Kind.READ, "etcd", "saves a snapshot", inv, context),
            *write_output_file(ctx, rest[1].text, inv, "etcd snapshot written to"),
        ]
    return [db_effect(Kind.DB_WRITE, "etcd", f"etcdctl {sub} {second}".strip(), inv, context)]


def _etcd_delete(keys: list[Word], parsed: Parsed, inv: Invocation, context: dict[str, str]) -> list[Effect]:
    key = keys[0].text if keys and keys[0].known else ("?" if keys else "")
    if parsed.has("--prefix"):
        target = f"keys with prefix {key}" if key else "every key"
        return [db_effect(Kind.DB_DELETE, target, f"deletes {target} (del --prefix)", inv, context)]
    if parsed.has("--from-key"):
        return [
            db_effect(Kind.DB_DELETE, f"keys from {key}", f"deletes every key from {key} on (--from-key)", inv, context)
        ]
    if len(keys) > 1:
        return [db_effect(Kind.DB_DELETE, f"keys {key}..{keys[1].text}", "deletes a key range", inv, context)]
    return [db_effect(Kind.DB_DELETE, f"key {key or '?'}", f"deletes key {key or '?'}", inv, context)]


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
        return [db_effect(kind, "sqlcmd", f"sqlcmd {args[0].text} (a local SQL Server container)", inv)]
    if args and args[0].text == "query":
        args = (Word.literal("-Q"), *args[1:])
    parsed = parse_args(args, SQLCMD_VALUED)
    context = opt_context(
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
    conn = Conn("tsql", db_target(context, "sqlserver"), context, None, inv.cwd)
    shell = Shell(ctx, inv, conn)
    for word in parsed.values("-o", "--output-file"):
        shell.effects.extend(write_output_file(ctx, word.text, inv, "sqlcmd writes output to"))
    queries = parsed.values("-Q", "-q", "--query", "--initial-query")
    for word in queries:
        shell.effects.extend(
            [db_unknown(f"sqlcmd -Q: SQL not known ({word.why})", inv, context)]
            if not word.known
            else _tsql_script(shell, word.text)
        )
    files = [f for w in parsed.values("-i", "--input-file") for f in w.text.split(",")]
    for name in files:
        text = read_sql_file(ctx, Word.literal(name), inv, conn, "SQL")
        shell.effects.extend([text] if isinstance(text, Effect) else _tsql_script(shell, text))
    if not queries and not files:
        stdin = stdin_text(inv, "SQL", conn)
        if stdin is None:
            shell.effects.append(interactive_session(inv, conn))
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
            text = read_sql_file(shell.ctx, Word.literal(stripped[3:].strip().strip('"')), shell.inv, shell.conn, "SQL")
            shell.depth += 1
            effects.extend([text] if isinstance(text, Effect) else _tsql_script(shell, text))
            shell.depth -= 1
        elif lower.startswith(":out "):
            effects.extend(pipe_or_file(shell.ctx, stripped[5:].strip(), shell.inv, "sqlcmd writes output to", None))
        elif not stripped.startswith(":"):
            batch.append(line)
    text = "\n".join(batch)
    return effects + (run_sql(text, shell.inv, shell.conn) if text.strip(" ;\n") else [])


def memcached_tool(inv: Invocation, ctx: Context) -> list[Effect]:
    host = inv.args[0].text if inv.args else "localhost:11211"
    mode = inv.args[1].text if len(inv.args) > 1 else "display"
    return [db_effect(Kind.READ, f"memcached {host}", f"memcached-tool {mode}", inv, {"host": host})]
