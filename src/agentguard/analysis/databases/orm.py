"""ORM CLIs: prisma and rails, and the application code they run (delete_all, raw SQL)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentguard.analysis.databases.common import (
    Conn,
    db_effect,
    db_unknown,
    interactive_session,
    read_sql_file,
    run_sql,
    stdin_text,
)
from agentguard.analysis.databases.options import Parsed, parse_args
from agentguard.analysis.databases.psql import db_target
from agentguard.analysis.databases.targets import merge_contexts, target_context
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

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


def orm_effect(kind: Kind, detail: str, inv: Invocation, tool: str, context: dict[str, str]) -> Effect:
    return db_effect(kind, db_target(context, tool), detail, inv, context)


def word_texts(words: Sequence[Word], unknown: str = "?") -> list[str]:
    """Operand texts, with `unknown` for the ones only known at run time (never their source text)."""
    return [w.text if w.known else unknown for w in words]


def prisma(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(
        inv.args,
        "--schema --config --url --from-url --to-url --name -n --file --shadow-database-url --datasource --script",
    )
    words = word_texts(parsed.operands)
    context = merge_contexts(
        orm_context(inv), target_context(parsed.text("--url") or "") if parsed.text("--url") else {}
    )
    if "?" in words[:2]:
        return [db_unknown("prisma: the sub-command is not known before it runs", inv, context)]
    pair = tuple(words[:2])
    if pair == ("migrate", "reset"):
        return [
            orm_effect(
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
        return [orm_effect(Kind.DB_WRITE, f"prisma {' '.join(pair)}", inv, "prisma", context)]
    if pair in (("migrate", "status"), ("migrate", "diff")) or words[:1] in (["validate"], ["version"], ["debug"], []):
        return [orm_effect(Kind.READ, f"prisma {' '.join(words[:2])}".strip(), inv, "prisma", context)]
    if words[:1] in (["generate"], ["format"], ["init"]) or pair == ("db", "pull"):
        return [db_effect(Kind.EXEC_BUILD, "prisma", f"prisma {' '.join(words[:2])}", inv)]
    return [db_effect(Kind.EXEC_PROGRAM, "prisma", f"prisma {' '.join(words[:2])}", inv, context)]


def _prisma_push(parsed: Parsed, inv: Invocation, context: dict[str, str]) -> Effect:
    if parsed.has("--force-reset"):
        return orm_effect(
            Kind.DB_RESET,
            "drops every table and its data, then applies the schema (db push --force-reset)",
            inv,
            "prisma",
            context,
        )
    if parsed.has("--accept-data-loss"):
        return orm_effect(
            Kind.DB_RESET,
            "applies the schema, dropping columns and tables with their data (db push --accept-data-loss)",
            inv,
            "prisma",
            context,
        )
    return orm_effect(Kind.DB_WRITE, "applies the schema (prisma db push)", inv, "prisma", context)


def _prisma_execute(parsed: Parsed, inv: Invocation, ctx: Context, context: dict[str, str]) -> list[Effect]:
    conn = Conn(None, db_target(context, "prisma"), context, None, inv.cwd)
    file = parsed.value("--file")
    if file is not None:
        text = read_sql_file(ctx, file, inv, conn, "SQL")
        return [text] if isinstance(text, Effect) else run_sql(text, inv, conn)
    stdin = stdin_text(inv, "SQL", conn) if parsed.has("--stdin") else None
    if isinstance(stdin, str):
        return run_sql(stdin, inv, conn)
    return [stdin] if isinstance(stdin, Effect) else [db_unknown("prisma db execute without SQL", inv, context)]


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
    env_args = [split_pair(w.text) for w in args if w.known and re.match(r"[A-Z_][A-Z0-9_]*=", w.text)]
    context = orm_context(inv, env_args)
    environment = option_text(args, "-e", "--environment")
    if environment:
        context["env"] = environment
    tasks = [t for t in word_texts(args) if not t.startswith("-") and "=" not in t and t != environment]
    effects = [_rails_task(task.split("[", 1)[0], dict(env_args).get("VERSION"), inv, context) for task in tasks]
    if rest and not all(w.known for w in rest[1:]):
        return [*effects, db_unknown(f"{inv.name} {rest[0].text}: code not known before it runs", inv, context)]
    if rest:
        return effects + _rails_program(rest[0].text, word_texts(rest[1:]), inv, ctx, context)
    if not effects and any(w.text in RAILS_READ for w in args):
        return [orm_effect(Kind.READ, "lists tasks or shows help", inv, inv.name, context)]
    return effects or [orm_effect(Kind.EXEC_PROGRAM, f"runs {inv.name}", inv, inv.name, context)]


RAILS_PROGRAMS = frozenset({"runner", "r", "console", "c", "dbconsole", "db"})


def split_pair(text: str) -> tuple[str, str]:
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
        return db_unknown(f"{tool}: a task name is not known before it runs", inv, context)
    if _matches(task, RAILS_READ):
        return orm_effect(Kind.READ, f"{tool} {task}", inv, tool, context)
    if _matches(task, RAILS_RESET):
        return orm_effect(
            Kind.DB_RESET, f"drops or reloads the database, losing its data ({tool} {task})", inv, tool, context
        )
    if _matches(task, ("db:fixtures:load",)):
        return orm_effect(Kind.DB_DELETE, f"replaces the rows of every fixture table ({task})", inv, tool, context)
    if _matches(task, RAILS_ALTER):
        return orm_effect(
            Kind.DB_ALTER, f"reverts migrations: may drop tables or columns ({tool} {task})", inv, tool, context
        )
    if task.startswith("db:migrate") and version == "0":
        return orm_effect(
            Kind.DB_RESET, f"migrates down to version 0: drops every table ({task} VERSION=0)", inv, tool, context
        )
    if task.startswith("db:"):
        return orm_effect(Kind.DB_WRITE, f"{tool} {task}", inv, tool, context)
    if _matches(task, RAILS_TEST):
        return db_effect(Kind.EXEC_TEST, tool, f"{tool} {task}", inv, context)
    if _matches(task, RAILS_BUILD):
        return db_effect(Kind.EXEC_BUILD, tool, f"{tool} {task}", inv, context)
    return db_effect(Kind.EXEC_PROGRAM, tool, f"{tool} {task}", inv, context)


def _rails_program(task: str, rest: list[str], inv: Invocation, ctx: Context, context: dict[str, str]) -> list[Effect]:
    """runner/console run Ruby in the app (ActiveRecord calls judged); dbconsole runs SQL from stdin."""
    if task in ("dbconsole", "db"):
        conn = Conn(None, db_target(context, "rails"), context, None, inv.cwd)
        stdin = stdin_text(inv, "SQL", conn)
        if stdin is None:
            return [interactive_session(inv, conn)]
        return [stdin] if isinstance(stdin, Effect) else run_sql(stdin, inv, conn)
    code: str | Effect | None = " ".join(rest) if task in ("runner", "r") and rest else None
    if task in ("console", "c"):
        code = stdin_text(inv, "Ruby code", Conn(None, "", context))
    if code is None:
        return [db_effect(Kind.EXEC_PROGRAM, inv.name, f"opens a {inv.name} {task} session", inv, context)]
    if isinstance(code, Effect):
        return [code]
    if task in ("runner", "r") and re.fullmatch(r"[\w./-]+\.rb", code.strip()):
        text = ctx.read_text(code.strip(), inv.cwd)
        code = text if text is not None else code
    return app_code(code, inv, ctx, context, "ruby")


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


def app_code(code: str, inv: Invocation, ctx: Context, context: dict[str, str], language: str) -> list[Effect]:
    """Code run inside the app (rails runner, manage.py shell -c): unfiltered ORM deletes and updates, raw SQL,
    and what the interpreter analysis finds in it as plain code."""
    flag = "-e" if language == "ruby" else "-c"
    effects = list(ctx.run(inv.with_words([Word.literal(language), Word.literal(flag), Word.literal(code)])))
    patterns = (_AR_DELETE, _AR_UPDATE) if language == "ruby" else (_DJ_DELETE, _DJ_UPDATE)
    for match in patterns[0].finditer(code):
        effects.append(
            db_effect(Kind.DB_DELETE, f"model {match.group(1)}", f"deletes every row of {match.group(1)}", inv, context)
        )
    for match in patterns[1].finditer(code):
        effects.append(
            db_effect(Kind.DB_UPDATE, f"model {match.group(1)}", f"updates every row of {match.group(1)}", inv, context)
        )
    if _FILTERED_WRITE.search(code):
        effects.append(db_effect(Kind.DB_WRITE, db_target(context, "app"), "changes filtered rows", inv, context))
    conn = Conn(None, db_target(context, "app"), context, None, inv.cwd)
    for match in _RAW_SQL.finditer(code):
        effects.extend(run_sql(match.group(2), inv, conn))
    return effects
