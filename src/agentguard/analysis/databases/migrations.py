"""Migration tools judged by sub-command tables: knex, sequelize, typeorm, drizzle, liquibase, flyway…"""

from __future__ import annotations

from collections.abc import Sequence

from agentguard.analysis.databases.common import Conn, db_effect, db_unknown, read_sql_file, run_sql, sql_word
from agentguard.analysis.databases.options import Parsed, parse_args
from agentguard.analysis.databases.orm import orm_context, orm_effect, split_pair, word_texts
from agentguard.analysis.databases.psql import db_target
from agentguard.analysis.databases.targets import merge_contexts, opt_context, target_context, url_context
from agentguard.analysis.types import Context, Handler, Invocation
from agentguard.models import Effect, Kind


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
            return [orm_effect(special[0], f"{special[1]} ({tool} {command} {flag})", inv, tool, context)]
    found = table.get(command)
    if found is None and "?" in command.split():
        return [db_unknown(f"{tool}: the sub-command is not known before it runs", inv, context)]
    if found is None:
        return [db_effect(Kind.EXEC_PROGRAM, tool, f"{tool} {command}".strip(), inv, context)]
    kind, detail = found
    if not kind.value.startswith("db."):
        return [db_effect(kind, tool, f"{detail} ({tool} {command})", inv, context)]
    return [orm_effect(kind, f"{detail} ({tool} {command})", inv, tool, context)]


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


def simple(
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
        words = word_texts(parsed.operands)
        context = orm_context(inv)
        env = parsed.text(*env_options) if env_options else None
        url = parsed.text(*url_options) if url_options else None
        context = merge_contexts(context, {"env": env or ""}, target_context(url) if url else {})
        command = " ".join(words[:words_used])
        if command.startswith("make:") or command.startswith("generate"):
            return [db_effect(Kind.EXEC_BUILD, tool, f"{tool} {command}", inv, context)]
        flags = [name for name, _ in parsed.items if name]
        return _table_tool(tool, table, inv, context, command, flags)

    return handler


def drizzle_kit(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(
        inv.args,
        "--config --dialect --schema --out --url --table-filters --schema-filters "
        "--driver --host --port --user --password --database --name --prefix --casing",
    )
    words = word_texts(parsed.operands)
    command = words[0].split(":", 1)[0] if words else ""
    context = merge_contexts(
        orm_context(inv),
        target_context(parsed.text("--url") or "") if parsed.text("--url") else {},
        opt_context(parsed, {"--host": "host", "--database": "database"}),
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
    words = word_texts(parsed.operands)
    command = words[0].lower().replace("-", "") if words else ""
    context = merge_contexts(
        orm_context(inv), target_context(parsed.text("--url") or "") if parsed.text("--url") else {}
    )
    if command == "dropall":
        return [
            orm_effect(
                Kind.DB_RESET, "drops every object in the database (liquibase dropAll)", inv, "liquibase", context
            )
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
        return [orm_effect(Kind.READ, f"liquibase {command or 'help'}", inv, "liquibase", context)]
    if command.startswith("rollback"):
        return [
            orm_effect(
                Kind.DB_ALTER,
                f"rolls changesets back: may drop tables or columns (liquibase {words[0]})",
                inv,
                "liquibase",
                context,
            )
        ]
    return [orm_effect(Kind.DB_WRITE, f"liquibase {words[0]}", inv, "liquibase", context)]


def _liquibase_sql(parsed: Parsed, inv: Invocation, ctx: Context, context: dict[str, str]) -> list[Effect]:
    conn = Conn(None, db_target(context, "liquibase"), context, None, inv.cwd)
    sql = parsed.value("--sql")
    if sql is not None:
        return sql_word(sql, inv, conn, "--sql")
    file = parsed.value("--sql-file")
    if file is None:
        return [db_unknown("liquibase execute-sql without SQL", inv, context)]
    text = read_sql_file(ctx, file, inv, conn, "SQL")
    return [text] if isinstance(text, Effect) else run_sql(text, inv, conn)


def flyway(inv: Invocation, ctx: Context) -> list[Effect]:
    """flyway takes `-key=value` options; the operands are the commands, run in order."""
    options = dict(
        split_pair(w.text.lstrip("-")) for w in inv.args if w.known and w.text.startswith("-") and "=" in w.text
    )
    context = merge_contexts(
        orm_context(inv),
        url_context(options["url"]) if "url" in options else {},
        {"env": options.get("environment", "")},
    )
    commands = word_texts([w for w in inv.args if not w.text.startswith("-")]) or ["help"]
    return [e for command in commands for e in _table_tool("flyway", FLYWAY, inv, context, command)]


def typeorm(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, "-d --dataSource --connection -c --config -n --name -o --outputPath")
    words = [w for w in parsed.operands]
    context = orm_context(inv)
    if words and words[0].text == "query":
        conn = Conn(None, db_target(context, "typeorm"), context, None, inv.cwd)
        return (
            sql_word(words[1], inv, conn, "query")
            if len(words) > 1
            else [db_unknown("typeorm query without SQL", inv, context)]
        )
    return _table_tool("typeorm", TYPEORM, inv, context, words[0].text if words else "")


def supabase(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(
        inv.args,
        "--db-url --project-ref -p --password --workdir --schema -s -f --file --last --version --profile --output -o",
    )
    words = word_texts(parsed.operands)
    group, sub = ([*words, "", ""])[:2]
    remote = parsed.has("--linked") or parsed.value("--db-url") is not None
    context = merge_contexts(
        orm_context(inv),
        target_context(parsed.text("--db-url") or "") if parsed.text("--db-url") else {},
        {"project": parsed.text("--project-ref") or "", "remote": "linked project" if parsed.has("--linked") else ""},
    )
    where = "the linked (remote) project" if remote else "the local database"
    pair = f"{group} {sub}".strip()
    if pair == "db reset":
        return [orm_effect(Kind.DB_RESET, f"drops and recreates {where} (supabase db reset)", inv, "supabase", context)]
    if group == "stop" and parsed.has("--no-backup"):
        return [
            orm_effect(
                Kind.DB_RESET,
                "deletes the local database volumes (supabase stop --no-backup)",
                inv,
                "supabase",
                context,
            )
        ]
    if sub == "delete" or pair in ("secrets unset", "storage rm"):
        return [db_effect(Kind.SERVICE_DESTROY, f"supabase {group}", f"supabase {pair}", inv, context)]
    return [_supabase_other(group, sub, parsed, inv, context)]


def _supabase_other(group: str, sub: str, parsed: Parsed, inv: Invocation, context: dict[str, str]) -> Effect:
    pair = f"{group} {sub}".strip()
    if pair in ("db push", "migration up", "migration repair", "seed buckets") and not parsed.has("--dry-run"):
        return orm_effect(Kind.DB_WRITE, f"supabase {pair}", inv, "supabase", context)
    if pair == "migration down":
        return orm_effect(Kind.DB_ALTER, "reverts migrations (supabase migration down)", inv, "supabase", context)
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
        return orm_effect(Kind.READ, f"supabase {pair}", inv, "supabase", context)
    if group in ("gen", "init", "migration"):
        return db_effect(Kind.EXEC_BUILD, "supabase", f"supabase {pair}", inv, context)
    if group in ("functions", "secrets", "config", "storage", "branches", "projects"):
        return db_effect(Kind.CLOUD_WRITE, f"supabase {group}", f"supabase {pair}", inv, context)
    return db_effect(Kind.EXEC_PROGRAM, "supabase", f"supabase {pair}", inv, context)


def mix(inv: Invocation, ctx: Context) -> list[Effect]:
    """`mix ecto.reset`, and each task of `mix do a, b`."""
    words = word_texts(inv.args)
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
    words = word_texts(parsed.operands)
    index = next((i for i, w in enumerate(words) if w in GOOSE), None)
    context = orm_context(inv)
    if index is not None and index >= 2:
        dsn = words[index - 1]
        context = merge_contexts(context, target_context(dsn) if dsn != "?" else {}, {"driver": words[index - 2]})
    command = words[index] if index is not None else ""
    if command == "down-to" and words[-1:] == ["0"]:
        return [orm_effect(Kind.DB_RESET, "reverts every migration (goose down-to 0)", inv, "goose", context)]
    return _table_tool("goose", GOOSE, inv, context, command)
