"""Database admin tools: dropdb/createdb, mysqladmin, pg_restore --clean, mongorestore --drop, dumps."""

from __future__ import annotations

from agentguard.analysis.databases.common import db_effect, db_unknown, write_output_file
from agentguard.analysis.databases.mongo import mongo_target
from agentguard.analysis.databases.mysql import MYSQL_ENV, MYSQL_OPTS, MYSQL_VALUED
from agentguard.analysis.databases.options import parse_args
from agentguard.analysis.databases.orm import word_texts
from agentguard.analysis.databases.psql import PG_ENV, PG_OPTS, db_target
from agentguard.analysis.databases.targets import (
    clean_context,
    env_context,
    merge_contexts,
    opt_context,
    target_context,
)
from agentguard.analysis.types import Context, Handler, Invocation, Word
from agentguard.models import Effect, Kind

PG_ADMIN_VALUED = (
    "-h --host -p --port -U --username --maintenance-db -D --tablespace -E --encoding -O --owner "
    "-T --template -l --locale --lc-collate --lc-ctype --icu-locale --strategy -c --connection-limit"
)


def pg_admin(kind: Kind, what: str, verb: str) -> Handler:
    """dropdb/dropuser/createdb/createuser: one named database or role, on the server the options name."""

    def handler(inv: Invocation, ctx: Context) -> list[Effect]:
        parsed = parse_args(inv.args, PG_ADMIN_VALUED)
        context = merge_contexts(env_context(inv, PG_ENV), opt_context(parsed, PG_OPTS))
        if parsed.has("--help", "-?", "-V", "--version"):
            return [db_effect(Kind.READ, inv.name, "shows version or help", inv)]
        names = parsed.operands[:1]
        if not names:
            return [db_unknown(f"{inv.name} without a {what} name (taken from the environment)", inv, context)]
        word = names[0]
        if not word.known:
            return [
                db_effect(
                    kind,
                    f"{what} not known before it runs",
                    f"{verb} a {what} whose name is not known ({word.why})",
                    inv,
                    context,
                )
            ]
        extra = {"database": word.text} if what == "database" else {"role": word.text}
        return [db_effect(kind, f"{what} {word.text}", f"{verb} {what} {word.text}", inv, {**context, **extra})]

    return handler


MYSQLADMIN_ARGS = frozenset({"create", "drop", "kill", "password", "old-password"})


MYSQLADMIN_READ = frozenset("status extended-status processlist ping variables version debug".split())


def mysqladmin(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, MYSQL_VALUED + " -c --count -i --sleep", optional="-p -w")
    context = merge_contexts(env_context(inv, MYSQL_ENV), opt_context(parsed, MYSQL_OPTS))
    words = parsed.operands
    effects: list[Effect] = []
    i = 0
    while i < len(words):
        command = words[i].text.lower()
        arg = words[i + 1] if command in MYSQLADMIN_ARGS and i + 1 < len(words) else None
        i += 2 if arg is not None else 1
        effects.append(_mysqladmin_command(command, arg, inv, context))
    return effects or [db_effect(Kind.READ, inv.name, "shows help", inv, context)]


def _mysqladmin_command(command: str, arg: Word | None, inv: Invocation, context: dict[str, str]) -> Effect:
    name = arg.text if arg is not None and arg.known else "?"
    if command == "drop":
        return db_effect(Kind.DB_DROP, f"database {name}", f"drops database {name}", inv, {**context, "database": name})
    if command == "create":
        return db_effect(Kind.DB_WRITE, f"database {name}", f"creates database {name}", inv, context)
    if command == "shutdown":
        return db_effect(Kind.DB_RESET, db_target(context, "mysql"), "stops the server", inv, context)
    if command in MYSQLADMIN_READ:
        return db_effect(Kind.READ, db_target(context, "mysql"), f"mysqladmin {command}", inv, context)
    return db_effect(Kind.DB_WRITE, db_target(context, "mysql"), f"mysqladmin {command}", inv, context)


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
        return [db_effect(Kind.READ, archive, "lists an archive", inv)]
    effects = [
        e
        for w in parsed.values("-f", "--file")
        if w.text != "-"
        for e in write_output_file(ctx, w.text, inv, "pg_restore writes SQL to")
    ]
    dbname = parsed.value("-d", "--dbname")
    if dbname is None:
        return [*effects, db_effect(Kind.READ, archive, "prints the SQL of the archive", inv)]
    context = merge_contexts(
        env_context(inv, PG_ENV), target_context(dbname.text) if dbname.known else {}, opt_context(parsed, PG_OPTS)
    )
    target = db_target(context, "postgres")
    clean, create = parsed.has("-c", "--clean"), parsed.has("-C", "--create")
    if clean and create:
        return [
            *effects,
            db_effect(
                Kind.DB_DROP,
                f"database named in {archive}",
                f"drops and recreates the database named in {archive} (--clean --create)",
                inv,
                context,
            ),
        ]
    if clean:
        tables = word_texts(parsed.values("-t", "--table"))
        return effects + [
            db_effect(
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
    return [*effects, db_effect(Kind.DB_WRITE, target, f"restores {archive} into {target}", inv, context)]


MONGORESTORE_VALUED = (
    "--uri -h --host --port -u --username -p --password -d --db -c --collection --nsInclude "
    "--nsExclude --nsFrom --nsTo --dir --authenticationDatabase --authenticationMechanism -j "
    "--numParallelCollections --numInsertionWorkersPerCollection --writeConcern "
    "--readPreference --config --oplogFile --oplogLimit --tlsCAFile --tlsCertificateKeyFile"
)


def mongorestore(inv: Invocation, ctx: Context) -> list[Effect]:
    parsed = parse_args(inv.args, MONGORESTORE_VALUED)
    context, database = mongo_target(parsed.value("--uri"), parsed)
    database = parsed.text("-d", "--db") or context.get("database", "")
    context = merge_contexts(context, {"database": database})
    if parsed.has("--help", "--version", "--dryRun"):
        return [db_effect(Kind.READ, "dump", "dry run or help", inv, context)]
    namespaces = word_texts(parsed.values("--nsInclude"))
    collection = parsed.text("-c", "--collection")
    if collection:
        namespaces.append(f"{database or '?'}.{collection}")
    targets = namespaces or ([f"{database}.*"] if database else ["every collection in the dump"])
    if parsed.has("--drop"):
        return [
            db_effect(
                Kind.DB_DROP, f"collections {t}", f"drops collections {t} before restoring them (--drop)", inv, context
            )
            for t in targets
        ]
    return [db_effect(Kind.DB_WRITE, f"collections {t}", f"restores {t}", inv, context) for t in targets]


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
    context = merge_contexts(
        clean_context({"database": word_texts(operands[:1], "")[0] if operands else ""}),
        opt_context(
            parsed, {"-h": "host", "--host": "host", "-d": "url", "--dbname": "url", "--uri": "url", "--db": "database"}
        ),
    )
    effects = [db_effect(Kind.READ, db_target(context, inv.name), "dumps (reads) the database", inv, context)]
    for word in parsed.values(*DUMP_OUTPUT.get(inv.name, ())):
        if word.text not in ("-", ""):
            effects.extend(write_output_file(ctx, word.text, inv, f"{inv.name} writes the dump to"))
    return effects
