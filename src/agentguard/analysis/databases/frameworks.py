"""Django's manage.py / django-admin and alembic."""

from __future__ import annotations

import re

from agentguard.analysis.databases.common import Conn, db_effect, db_unknown, interactive_session, run_sql, stdin_text
from agentguard.analysis.databases.options import Parsed, parse_args
from agentguard.analysis.databases.orm import app_code, orm_context, orm_effect, word_texts
from agentguard.analysis.databases.psql import db_target
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

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
    words = word_texts(parsed.operands)
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
        return [
            orm_effect(Kind.DB_RESET, f"deletes all data from the database (manage.py {command})", inv, tool, context)
        ]
    if command == "migrate":
        return [_django_migrate(rest, parsed, inv, context)]
    if command == "dbshell":
        return _django_dbshell(rest, inv, context)
    if command in ("shell", "shell_plus"):
        return _django_shell(parsed, inv, ctx, context)
    if command in DJANGO_READ:
        return [orm_effect(Kind.READ, f"manage.py {command}", inv, tool, context)]
    if command in DJANGO_WRITE:
        return [orm_effect(Kind.DB_WRITE, f"manage.py {command}", inv, tool, context)]
    if command in DJANGO_BUILD:
        return [db_effect(Kind.EXEC_BUILD, "manage.py", f"manage.py {command}", inv, context)]
    if command == "test":
        return [db_effect(Kind.EXEC_TEST, "manage.py", "manage.py test", inv, context)]
    return [db_effect(Kind.EXEC_PROGRAM, "manage.py", f"manage.py {command}", inv, context)]


def _django_migrate(rest: list[str], parsed: Parsed, inv: Invocation, context: dict[str, str]) -> Effect:
    if parsed.has("--plan", "--check", "--list", "-l"):
        return orm_effect(Kind.READ, "shows the migration plan", inv, "django", context)
    if len(rest) >= 2 and rest[1] == "zero":
        return orm_effect(
            Kind.DB_RESET,
            f"unapplies every migration of {rest[0]}: drops its tables (migrate {rest[0]} zero)",
            inv,
            "django",
            context,
        )
    if len(rest) >= 2:
        return orm_effect(
            Kind.DB_ALTER, f"migrates {rest[0]} to {rest[1]}: later migrations are reverted", inv, "django", context
        )
    return orm_effect(Kind.DB_WRITE, "applies migrations (manage.py migrate)", inv, "django", context)


def _django_dbshell(rest: list[str], inv: Invocation, context: dict[str, str]) -> list[Effect]:
    conn = Conn(None, db_target(context, "django"), context, None, inv.cwd)
    for flag in ("-c", "-e", "--command", "--execute"):
        if flag in rest and rest.index(flag) + 1 < len(rest):
            return run_sql(rest[rest.index(flag) + 1], inv, conn)
    stdin = stdin_text(inv, "SQL", conn)
    if stdin is None:
        return [interactive_session(inv, conn)]
    return [stdin] if isinstance(stdin, Effect) else run_sql(stdin, inv, conn)


def _django_shell(parsed: Parsed, inv: Invocation, ctx: Context, context: dict[str, str]) -> list[Effect]:
    word = parsed.value("-c", "--command")
    if word is not None and not word.known:
        return [db_unknown(f"manage.py shell -c: code not known before it runs ({word.why})", inv, context)]
    code: str | Effect | None = (
        word.text if word is not None else stdin_text(inv, "Python code", Conn(None, "", context))
    )
    if code is None:
        return [db_effect(Kind.EXEC_PROGRAM, "manage.py", "opens a Django shell", inv, context)]
    if isinstance(code, Effect):
        return [code]
    return app_code(code, inv, ctx, context, "python")


def alembic(inv: Invocation, ctx: Context) -> list[Effect]:
    words = word_texts(inv.args)
    context = orm_context(inv)
    sub = next((w for w in words if w in ALEMBIC_COMMANDS), "")
    offline = "--sql" in words
    rev = _after(words, sub)
    if sub == "downgrade" and not offline:
        if "base" in rev:
            return [
                orm_effect(
                    Kind.DB_RESET,
                    "downgrades to base: drops every table the migrations made (alembic downgrade base)",
                    inv,
                    "alembic",
                    context,
                )
            ]
        return [
            orm_effect(
                Kind.DB_ALTER,
                f"reverts migrations to {rev or '?'}: may drop tables or columns",
                inv,
                "alembic",
                context,
            )
        ]
    if sub in ("upgrade", "stamp", "ensure_version") and not offline:
        return [orm_effect(Kind.DB_WRITE, f"alembic {sub} {rev}".strip(), inv, "alembic", context)]
    if sub in ("revision", "init", "merge", "edit", "list_templates"):
        return [db_effect(Kind.EXEC_BUILD, "alembic", f"alembic {sub}", inv, context)]
    return [
        orm_effect(
            Kind.READ, f"alembic {sub or 'help'}" + (" (prints SQL only)" if offline else ""), inv, "alembic", context
        )
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
