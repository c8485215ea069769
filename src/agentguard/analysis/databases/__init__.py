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

from agentguard.analysis.databases.admin import dump, mongorestore, mysqladmin, pg_admin, pg_restore
from agentguard.analysis.databases.clients import (
    clickhouse,
    clickhouse_client,
    cqlsh,
    etcdctl,
    influx,
    memcached_tool,
    sqlcmd,
)
from agentguard.analysis.databases.common import db_effect
from agentguard.analysis.databases.frameworks import alembic, manage_py
from agentguard.analysis.databases.migrations import (
    ARTISAN,
    DBMATE,
    DIESEL,
    KNEX,
    SEQUELIZE,
    SQLX,
    drizzle_kit,
    flyway,
    goose,
    liquibase,
    mix,
    simple,
    supabase,
    typeorm,
)
from agentguard.analysis.databases.mongo import mongosh
from agentguard.analysis.databases.mysql import mysql
from agentguard.analysis.databases.orm import prisma, rails
from agentguard.analysis.databases.psql import psql
from agentguard.analysis.databases.redis import redis_cli
from agentguard.analysis.databases.sqlite import sqlite_shell
from agentguard.analysis.types import Context, Handler, Invocation
from agentguard.models import Effect, Kind

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
    "dropdb": pg_admin(Kind.DB_DROP, "database", "drops"),
    "dropuser": pg_admin(Kind.DB_DROP, "role", "drops"),
    "createdb": pg_admin(Kind.DB_WRITE, "database", "creates"),
    "createuser": pg_admin(Kind.DB_WRITE, "role", "creates"),
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
    "knex": simple(
        "knex",
        KNEX,
        valued="--knexfile --cwd --client --connection --migrations-directory --specific --name",
        url_options=("--connection",),
    ),
    "sequelize": simple(
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
    "diesel": simple(
        "diesel",
        DIESEL,
        words_used=2,
        valued="--migration-dir --config-file --schema-key",
        env_options=(),
        url_options=("--database-url",),
    ),
    "sqlx": simple(
        "sqlx",
        SQLX,
        words_used=2,
        valued="--source --target-version",
        env_options=(),
        url_options=("-D", "--database-url"),
    ),
    "dbmate": simple(
        "dbmate",
        DBMATE,
        valued="-d --migrations-dir -s --schema-file --migrations-table --wait-timeout",
        env_options=("-e", "--env"),
        url_options=("-u", "--url"),
    ),
    "goose": goose,
    "mix": mix,
    "artisan": simple("artisan", ARTISAN, valued="--database --path --seeder --class --step", env_options=("--env",)),
}


HANDLERS["sequelize-cli"] = HANDLERS["sequelize"]


def _never_empty(handler: Handler) -> Handler:
    """A command always has an effect to judge: one that ends up running nothing only reads."""

    def wrapped(inv: Invocation, ctx: Context) -> list[Effect]:
        effects = list(handler(inv, ctx))
        return effects or [db_effect(Kind.READ, inv.name, "runs nothing that reads or changes data", inv)]

    return wrapped


HANDLERS = {name: _never_empty(handler) for name, handler in HANDLERS.items()}
