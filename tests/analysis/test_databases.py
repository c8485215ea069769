"""Database clients, admin tools and ORM CLIs, parsed end to end from real command lines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agentguard.analysis import analyze_command
from agentguard.models import Effect, Kind


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    """A project with a real SQLite database and a few SQL files."""
    with sqlite3.connect(tmp_path / "app.db") as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    (tmp_path / "drop.sql").write_text("-- cleanup\nDROP TABLE users;\n")
    (tmp_path / "seed.sql").write_text("INSERT INTO users (name) VALUES ('a');\n")
    (tmp_path / "inc.sql").write_text("TRUNCATE logs;\n")
    (tmp_path / "wipe.js").write_text("db.sessions.deleteMany({})\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001.sql").write_text("DROP TABLE old;\n")
    return tmp_path


def run(command: str, cwd: Path) -> tuple[Effect, ...]:
    return analyze_command(command, str(cwd))


def pairs(effects: tuple[Effect, ...]) -> set[tuple[Kind, str]]:
    return {(e.kind, e.target) for e in effects}


DESTRUCTIVE = [
    # sqlite3
    pytest.param('sqlite3 app.db "DROP TABLE users"', {(Kind.DB_DROP, "table users")}, id="sqlite-operand"),
    pytest.param("sqlite3 app.db < drop.sql", {(Kind.DB_DROP, "table users")}, id="sqlite-redirect"),
    pytest.param("cat drop.sql | sqlite3 app.db", {(Kind.DB_DROP, "table users")}, id="sqlite-cat-pipe"),
    pytest.param(
        'echo "DELETE FROM users;" | sqlite3 app.db', {(Kind.DB_DELETE, "table users")}, id="sqlite-echo-pipe"
    ),
    pytest.param(
        "sqlite3 app.db <<'EOF'\nSELECT 1;\nDELETE FROM users;\nEOF",
        {(Kind.DB_DELETE, "table users")},
        id="sqlite-heredoc",
    ),
    pytest.param(
        'sqlite3 app.db <<< "UPDATE users SET name = 1"', {(Kind.DB_UPDATE, "table users")}, id="sqlite-here-string"
    ),
    pytest.param('sqlite3 app.db ".read drop.sql"', {(Kind.DB_DROP, "table users")}, id="sqlite-dot-read"),
    pytest.param('sqlite3 -cmd "DROP TABLE users" app.db .tables', {(Kind.DB_DROP, "table users")}, id="sqlite-cmd"),
    pytest.param('sqlite3 -init drop.sql app.db ".tables"', {(Kind.DB_DROP, "table users")}, id="sqlite-init"),
    pytest.param('sqlite3 app.db ".restore backup.db"', {(Kind.DB_DROP, "database app.db")}, id="sqlite-restore"),
    pytest.param('sqlite3 app.db ".import data.csv users"', {(Kind.DB_WRITE, "table users")}, id="sqlite-import"),
    pytest.param('sqlite3 app.db ".open --new app.db"', {(Kind.DB_DROP, "database app.db")}, id="sqlite-open-new"),
    pytest.param('sqlite3 app.db ".shell rm -rf build"', {(Kind.FILE_DELETE, "build")}, id="sqlite-dot-shell"),
    pytest.param('sqlite3 app.db "PRAGMA writable_schema=ON"', {(Kind.DB_ALTER, "app.db")}, id="sqlite-pragma"),
    pytest.param('duckdb data.duckdb "DROP TABLE t"', {(Kind.DB_DROP, "table t")}, id="duckdb-operand"),
    pytest.param('duckdb -c "TRUNCATE t" data.duckdb', {(Kind.DB_TRUNCATE, "table t")}, id="duckdb-c"),
    # psql
    pytest.param('psql -c "DROP TABLE users"', {(Kind.DB_DROP, "table users")}, id="psql-c"),
    pytest.param("psql -f drop.sql", {(Kind.DB_DROP, "table users")}, id="psql-f"),
    pytest.param("psql shop < drop.sql", {(Kind.DB_DROP, "table users")}, id="psql-redirect"),
    pytest.param('echo "TRUNCATE orders" | psql', {(Kind.DB_TRUNCATE, "table orders")}, id="psql-echo-pipe"),
    pytest.param("psql <<EOF\nSELECT 1;\n\\i inc.sql\nEOF", {(Kind.DB_TRUNCATE, "table logs")}, id="psql-include"),
    pytest.param("psql -c 'DELETE FROM jobs WHERE 1=1'", {(Kind.DB_DELETE, "table jobs")}, id="psql-tautology"),
    pytest.param('psql -v t=users -c "DROP TABLE :t"', {(Kind.DB_DROP, "table users")}, id="psql-variable"),
    pytest.param('psql -c "\\! rm -rf build"', {(Kind.FILE_DELETE, "build")}, id="psql-shell-escape"),
    pytest.param(
        "psql <<EOF\nSELECT 1;\n\\lo_unlink 1234\nEOF", {(Kind.DB_DELETE, "large object 1234")}, id="psql-lo-unlink"
    ),
    # mysql / mariadb
    pytest.param('mysql -e "DROP DATABASE shop"', {(Kind.DB_DROP, "database shop")}, id="mysql-e"),
    pytest.param("mariadb shop < drop.sql", {(Kind.DB_DROP, "table users")}, id="mariadb-redirect"),
    pytest.param("mysql <<EOF\nsource inc.sql\nEOF", {(Kind.DB_TRUNCATE, "table logs")}, id="mysql-source"),
    pytest.param("mysql <<EOF\nsystem rm -rf build\nEOF", {(Kind.FILE_DELETE, "build")}, id="mysql-system"),
    # document and key-value stores
    pytest.param(
        'mongosh shop --eval "db.users.deleteMany({})"',
        {(Kind.DB_DELETE, "collection shop.users")},
        id="mongo-delete-many-empty",
    ),
    pytest.param('mongosh --eval "db.dropDatabase()" shop', {(Kind.DB_DROP, "database shop")}, id="mongo-drop-db"),
    pytest.param(
        "mongosh shop --eval 'db.users.drop()'", {(Kind.DB_DROP, "collection shop.users")}, id="mongo-drop-collection"
    ),
    pytest.param(
        "mongo shop --eval 'db.logs.remove({})'", {(Kind.DB_DELETE, "collection shop.logs")}, id="mongo-legacy-remove"
    ),
    pytest.param("mongosh shop wipe.js", {(Kind.DB_DELETE, "collection shop.sessions")}, id="mongo-script-file"),
    pytest.param(
        "mongosh <<EOF\nuse shop\ndb.users.updateMany({}, {\\$set: {a: 1}})\nEOF",
        {(Kind.DB_UPDATE, "collection shop.users")},
        id="mongo-stdin-use",
    ),
    pytest.param("redis-cli FLUSHALL", {(Kind.DB_RESET, "all databases")}, id="redis-flushall"),
    pytest.param("redis-cli -n 2 flushdb", {(Kind.DB_RESET, "database 2")}, id="redis-flushdb"),
    pytest.param("valkey-cli DEL session:1", {(Kind.DB_WRITE, "key session:1")}, id="valkey-del-named-key"),
    pytest.param(
        "redis-cli --scan --pattern 'sess:*' | xargs redis-cli del",
        {(Kind.DB_DELETE, "keys not known before it runs")},
        id="redis-scan-xargs-del",
    ),
    pytest.param(
        "redis-cli EVAL \"return redis.call('FLUSHALL')\" 0", {(Kind.DB_RESET, "all databases")}, id="redis-eval"
    ),
    pytest.param("redis-cli <<EOF\nSET a 1\nFLUSHDB\nEOF", {(Kind.DB_RESET, "database 0")}, id="redis-stdin"),
    pytest.param("etcdctl del --prefix /app", {(Kind.DB_DELETE, "keys with prefix /app")}, id="etcd-del-prefix"),
    pytest.param("etcdctl del /app/x", {(Kind.DB_DELETE, "key /app/x")}, id="etcd-del-key"),
    # admin tools and other clients
    pytest.param("dropdb shop", {(Kind.DB_DROP, "database shop")}, id="dropdb"),
    pytest.param("dropuser alice", {(Kind.DB_DROP, "role alice")}, id="dropuser"),
    pytest.param("mysqladmin -u root -f drop shop", {(Kind.DB_DROP, "database shop")}, id="mysqladmin-drop"),
    pytest.param("pg_restore --clean -d shop dump.pgdump", {(Kind.DB_DROP, "database shop")}, id="pg-restore-c"),
    pytest.param("mongorestore --drop --db shop dump/", {(Kind.DB_DROP, "collections shop.*")}, id="mongorestore-drop"),
    pytest.param('cqlsh -e "DROP KEYSPACE shop"', {(Kind.DB_DROP, "keyspace shop")}, id="cqlsh-e"),
    pytest.param(
        'clickhouse-client --query "TRUNCATE TABLE events"',
        {(Kind.DB_TRUNCATE, "table events")},
        id="clickhouse-client",
    ),
    pytest.param('clickhouse client -q "DROP TABLE events"', {(Kind.DB_DROP, "table events")}, id="clickhouse"),
    pytest.param(
        "influx delete --bucket b --start 1970-01-01T00:00:00Z --stop 2030-01-01T00:00:00Z",
        {(Kind.DB_DELETE, "bucket b")},
        id="influx-delete",
    ),
    pytest.param("influx bucket delete --name b", {(Kind.DB_DROP, "bucket b")}, id="influx-bucket-delete"),
    pytest.param('sqlcmd -S db1 -Q "DROP TABLE orders"', {(Kind.DB_DROP, "table orders")}, id="sqlcmd-Q"),
    pytest.param(
        "sqlcmd <<EOF\nSELECT 1\nGO\nDELETE FROM orders\nGO\nEOF",
        {(Kind.DB_DELETE, "table orders")},
        id="sqlcmd-go-batches",
    ),
    # ORM and migration tools
    pytest.param("npx prisma migrate reset --force", {(Kind.DB_RESET, "prisma database")}, id="prisma-reset"),
    pytest.param("prisma db push --force-reset", {(Kind.DB_RESET, "prisma database")}, id="prisma-force-reset"),
    pytest.param("prisma db push --accept-data-loss", {(Kind.DB_RESET, "prisma database")}, id="prisma-data-loss"),
    pytest.param("prisma db execute --file drop.sql", {(Kind.DB_DROP, "table users")}, id="prisma-execute"),
    pytest.param("bin/rails db:drop", {(Kind.DB_RESET, "rails database")}, id="rails-db-drop"),
    pytest.param("bundle exec rake db:reset", {(Kind.DB_RESET, "rake database")}, id="rake-db-reset"),
    pytest.param("rails db:schema:load", {(Kind.DB_RESET, "rails database")}, id="rails-schema-load"),
    pytest.param("rake db:truncate_all", {(Kind.DB_RESET, "rake database")}, id="rake-truncate-all"),
    pytest.param("rails db:migrate VERSION=0", {(Kind.DB_RESET, "rails database")}, id="rails-migrate-zero"),
    pytest.param("rails db:rollback STEP=3", {(Kind.DB_ALTER, "rails database")}, id="rails-rollback"),
    pytest.param('rails runner "User.delete_all"', {(Kind.DB_DELETE, "model User")}, id="rails-runner"),
    pytest.param("python manage.py flush --noinput", {(Kind.DB_RESET, "django database")}, id="django-flush"),
    pytest.param("./manage.py migrate shop zero", {(Kind.DB_RESET, "django database")}, id="django-zero"),
    pytest.param("manage.py reset_db", {(Kind.DB_RESET, "django database")}, id="django-reset-db"),
    pytest.param("django-admin migrate shop 0003", {(Kind.DB_ALTER, "django database")}, id="django-back"),
    pytest.param(
        "./manage.py shell -c 'User.objects.all().delete()'", {(Kind.DB_DELETE, "model User")}, id="django-shell-delete"
    ),
    pytest.param(
        "python manage.py dbshell <<EOF\nDROP TABLE auth_user;\nEOF",
        {(Kind.DB_DROP, "table auth_user")},
        id="django-dbshell",
    ),
    pytest.param("alembic downgrade base", {(Kind.DB_RESET, "alembic database")}, id="alembic-base"),
    pytest.param("alembic downgrade -1", {(Kind.DB_ALTER, "alembic database")}, id="alembic-minus-one"),
    pytest.param("knex migrate:rollback --all", {(Kind.DB_RESET, "knex database")}, id="knex-rollback-all"),
    pytest.param(
        "npx sequelize-cli db:migrate:undo:all", {(Kind.DB_RESET, "sequelize database")}, id="sequelize-undo-all"
    ),
    pytest.param("sequelize db:drop", {(Kind.DB_DROP, "sequelize database")}, id="sequelize-drop"),
    pytest.param("typeorm schema:drop", {(Kind.DB_RESET, "typeorm database")}, id="typeorm-schema-drop"),
    pytest.param('typeorm query "DELETE FROM users"', {(Kind.DB_DELETE, "table users")}, id="typeorm-query"),
    pytest.param("drizzle-kit push --force", {(Kind.DB_ALTER, "drizzle-kit database")}, id="drizzle-push-force"),
    pytest.param("supabase db reset", {(Kind.DB_RESET, "supabase database")}, id="supabase-db-reset"),
    pytest.param("flyway clean", {(Kind.DB_RESET, "flyway database")}, id="flyway-clean"),
    pytest.param("liquibase dropAll", {(Kind.DB_RESET, "liquibase database")}, id="liquibase-drop-all"),
    pytest.param("mix ecto.reset", {(Kind.DB_RESET, "mix database")}, id="ecto-reset"),
    pytest.param("./artisan migrate:fresh", {(Kind.DB_RESET, "artisan database")}, id="artisan-fresh"),
    pytest.param("diesel database reset", {(Kind.DB_RESET, "diesel database")}, id="diesel-reset"),
    pytest.param("sqlx database drop -y", {(Kind.DB_DROP, "sqlx database")}, id="sqlx-drop"),
    pytest.param("dbmate drop", {(Kind.DB_DROP, "dbmate database")}, id="dbmate-drop"),
    pytest.param("goose postgres 'host=db dbname=shop' reset", {(Kind.DB_RESET, "database shop")}, id="goose-reset"),
]


@pytest.mark.parametrize(("command", "expected"), DESTRUCTIVE)
def test_destructive(command: str, expected: set[tuple[Kind, str]], cwd: Path) -> None:
    assert expected <= pairs(run(command, cwd))


BENIGN = [
    pytest.param('sqlite3 app.db "SELECT count(*) FROM users"', Kind.READ, id="sqlite-select"),
    pytest.param("sqlite3 app.db .tables", Kind.READ, id="sqlite-tables"),
    pytest.param("sqlite3 app.db .schema", Kind.READ, id="sqlite-schema"),
    pytest.param("sqlite3 app.db \"INSERT INTO users (name) VALUES ('x')\"", Kind.DB_WRITE, id="sqlite-insert"),
    pytest.param("sqlite3 app.db < seed.sql", Kind.DB_WRITE, id="sqlite-seed-file"),
    pytest.param('sqlite3 -readonly app.db "DROP TABLE users"', Kind.READ, id="sqlite-readonly"),
    pytest.param('sqlite3 "file:app.db?mode=ro" "DELETE FROM users"', Kind.READ, id="sqlite-uri-readonly"),
    pytest.param('sqlite3 :memory: "CREATE TABLE t(a); DROP TABLE t"', Kind.READ, id="sqlite-memory"),
    pytest.param('psql -c "DELETE FROM jobs WHERE done"', Kind.DB_WRITE, id="psql-delete-where"),
    pytest.param('psql -c "\\dt"', Kind.READ, id="psql-describe"),
    pytest.param("psql -l", Kind.READ, id="psql-list"),
    pytest.param('psql -c "EXPLAIN DELETE FROM big"', Kind.READ, id="psql-explain"),
    pytest.param('mysql -e "SHOW DATABASES"', Kind.READ, id="mysql-show"),
    pytest.param('mysql shop -e "UPDATE users SET a = 1 WHERE id = 2"', Kind.DB_WRITE, id="mysql-update-where"),
    pytest.param("mongosh shop --eval 'db.users.find({})'", Kind.READ, id="mongo-find"),
    pytest.param(
        "mongosh shop --eval 'db.users.deleteMany({active: false})'", Kind.DB_WRITE, id="mongo-delete-many-filter"
    ),
    pytest.param("redis-cli KEYS 'user:*'", Kind.READ, id="redis-keys"),
    pytest.param("redis-cli GET session:1", Kind.READ, id="redis-get"),
    pytest.param("redis-cli --scan --pattern 'sess:*'", Kind.READ, id="redis-scan"),
    pytest.param("redis-cli CONFIG SET maxmemory 1gb", Kind.DB_WRITE, id="redis-config-set"),
    pytest.param("redis-cli CONFIG GET maxmemory", Kind.READ, id="redis-config-get"),
    pytest.param("etcdctl get /app --prefix", Kind.READ, id="etcd-get"),
    pytest.param("pg_restore dump.pgdump", Kind.READ, id="pg-restore-prints"),
    pytest.param("pg_restore -d shop dump.pgdump", Kind.DB_WRITE, id="pg-restore-no-clean"),
    pytest.param("mongorestore --db shop dump/", Kind.DB_WRITE, id="mongorestore"),
    pytest.param("mysqladmin status", Kind.READ, id="mysqladmin-status"),
    pytest.param("createdb shop_dev", Kind.DB_WRITE, id="createdb"),
    pytest.param("pg_dump shop", Kind.READ, id="pg-dump"),
    pytest.param("prisma migrate deploy", Kind.DB_WRITE, id="prisma-deploy"),
    pytest.param("prisma migrate status", Kind.READ, id="prisma-status"),
    pytest.param("prisma db push", Kind.DB_WRITE, id="prisma-push"),
    pytest.param("prisma generate", Kind.EXEC_BUILD, id="prisma-generate"),
    pytest.param("rails db:migrate", Kind.DB_WRITE, id="rails-migrate"),
    pytest.param("rake db:migrate:status", Kind.READ, id="rake-status"),
    pytest.param("rails db:seed", Kind.DB_WRITE, id="rails-seed"),
    pytest.param("rails test", Kind.EXEC_TEST, id="rails-test"),
    pytest.param("rake -T", Kind.READ, id="rake-tasks"),
    pytest.param("python manage.py migrate", Kind.DB_WRITE, id="django-migrate"),
    pytest.param("python manage.py showmigrations", Kind.READ, id="django-showmigrations"),
    pytest.param("python manage.py sqlflush", Kind.READ, id="django-sqlflush-prints"),
    pytest.param("python manage.py makemigrations", Kind.EXEC_BUILD, id="django-makemigrations"),
    pytest.param("alembic upgrade head", Kind.DB_WRITE, id="alembic-upgrade"),
    pytest.param("alembic downgrade base --sql", Kind.READ, id="alembic-offline"),
    pytest.param("alembic history", Kind.READ, id="alembic-history"),
    pytest.param("knex migrate:latest", Kind.DB_WRITE, id="knex-latest"),
    pytest.param("sequelize db:migrate", Kind.DB_WRITE, id="sequelize-migrate"),
    pytest.param("typeorm migration:run", Kind.DB_WRITE, id="typeorm-run"),
    pytest.param("drizzle-kit generate", Kind.EXEC_BUILD, id="drizzle-generate"),
    pytest.param("supabase db push", Kind.DB_WRITE, id="supabase-push"),
    pytest.param("flyway migrate", Kind.DB_WRITE, id="flyway-migrate"),
    pytest.param("liquibase update", Kind.DB_WRITE, id="liquibase-update"),
    pytest.param("mix ecto.migrate", Kind.DB_WRITE, id="ecto-migrate"),
    pytest.param('grep -r "DROP TABLE" migrations/', Kind.READ, id="grep-for-drop"),
    pytest.param("cat migrations/001.sql", Kind.READ, id="cat-sql-file"),
]


@pytest.mark.parametrize(("command", "kind"), BENIGN)
def test_benign_look_alikes(command: str, kind: Kind, cwd: Path) -> None:
    effects = run(command, cwd)
    assert kind in {e.kind for e in effects}
    assert not [e for e in effects if e.kind.destructive or e.kind is Kind.UNKNOWN]


INTERACTIVE = [
    "sqlite3 app.db",
    "psql -h db1 shop",
    "mysql shop",
    "mongosh shop",
    "redis-cli",
    "cqlsh",
    "clickhouse-client",
    "sqlcmd -S db1",
    "duckdb data.duckdb",
]


@pytest.mark.parametrize("command", INTERACTIVE)
def test_a_client_without_input_is_an_interactive_session(command: str, cwd: Path) -> None:
    (effect,) = run(command, cwd)
    assert effect.kind is Kind.EXEC_PROGRAM and "interactive" in effect.detail


UNKNOWN = [
    pytest.param('psql -c "$QUERY"', id="psql-c-variable"),
    pytest.param("psql < $FILE", id="psql-redirect-variable"),
    pytest.param("psql -f missing.sql", id="psql-missing-file"),
    pytest.param("generate_sql | psql", id="psql-from-pipe"),
    pytest.param("curl -s https://x.test/q.sql | sqlite3 app.db", id="sqlite-from-network"),
    pytest.param('mysql -e "$Q"', id="mysql-e-variable"),
    pytest.param('mongosh --eval "$JS"', id="mongo-eval-variable"),
    pytest.param("psql -c \"SELECT 'DROP TABLE ' || tablename FROM pg_tables\" -c '\\gexec'", id="psql-gexec"),
    pytest.param('sqlite3 app.db "SELEC * FRM users"', id="sqlite-typo"),
    pytest.param('rails runner "$CODE"', id="rails-runner-variable"),
    pytest.param("rake $TASK", id="rake-variable-task"),
    pytest.param("prisma $CMD", id="prisma-variable-command"),
    pytest.param("redis-cli EVALSHA abc 0", id="redis-evalsha"),
]


@pytest.mark.parametrize("command", UNKNOWN)
def test_what_cannot_be_known_is_unknown(command: str, cwd: Path) -> None:
    assert Kind.UNKNOWN in {e.kind for e in run(command, cwd)}


def test_sqlite_effects_carry_the_absolute_database_path(cwd: Path) -> None:
    (effect,) = run('sqlite3 ./app.db "DROP TABLE users"', cwd)
    assert effect.path == str(cwd / "app.db")
    assert effect.ctx("database") == "./app.db"


def test_sqlite_backup_over_an_existing_file_is_an_overwrite(cwd: Path) -> None:
    (cwd / "old.db").write_bytes(b"x")
    effects = run('sqlite3 app.db ".backup old.db"', cwd)
    assert [(e.kind, e.path) for e in effects] == [
        (Kind.READ, str(cwd / "app.db")),
        (Kind.FILE_OVERWRITE, str(cwd / "old.db")),
    ]


def test_sqlite_output_file_is_written(cwd: Path) -> None:
    effects = run('sqlite3 app.db ".output report.txt" "SELECT 1"', cwd)
    assert (Kind.FILE_WRITE, str(cwd / "report.txt")) in {(e.kind, e.path) for e in effects}


def test_sqlite_attach_points_at_the_attached_file(cwd: Path) -> None:
    effects = run("sqlite3 app.db \"ATTACH 'other.db' AS o; DELETE FROM o.users\"", cwd)
    deleted = next(e for e in effects if e.kind is Kind.DB_DELETE)
    assert deleted.path == str(cwd / "other.db")


CONTEXTS = [
    pytest.param(
        'psql -h prod-db.internal -p 5433 -U admin -d shop -c "DROP TABLE t"',
        {"host": "prod-db.internal", "port": "5433", "user": "admin", "database": "shop"},
        id="psql-opts",
    ),
    pytest.param(
        'psql postgresql://admin:s3cret@prod.example.com:5432/shop -c "DROP TABLE t"',
        {
            "host": "prod.example.com",
            "port": "5432",
            "database": "shop",
            "user": "admin",
            "dsn": "postgresql://admin:***@prod.example.com:5432/shop",
        },
        id="psql-url-masked",
    ),
    pytest.param(
        "psql 'host=db9 dbname=shop password=pw' -c 'DROP TABLE t'",
        {"host": "db9", "database": "shop", "dsn": "host=db9 dbname=shop password=***"},
        id="psql-conninfo",
    ),
    pytest.param(
        'PGHOST=prod PGDATABASE=shop psql -c "DROP TABLE t"', {"host": "prod", "database": "shop"}, id="psql-pg-env"
    ),
    pytest.param(
        "psql shop <<EOF\n\\c prod\nDROP TABLE t;\nEOF",
        {"database": "prod"},
        id="psql-connect-meta",
    ),
    pytest.param(
        "psql shop <<EOF\nSELECT 1;\n\\c prod\nDROP TABLE t;\nEOF", {"database": "prod"}, id="psql-connect-meta-later"
    ),
    pytest.param(
        'mysql -h db.prod -P 3307 -u root -pSECRET shop -e "DROP TABLE t"',
        {"host": "db.prod", "port": "3307", "user": "root", "database": "shop"},
        id="mysql-opts",
    ),
    pytest.param("mysql shop <<EOF\nuse prod\nDROP TABLE t;\nEOF", {"database": "prod"}, id="mysql-use"),
    pytest.param(
        "mongosh 'mongodb+srv://u:p@cluster0.prod.example.net/shop' --eval 'db.dropDatabase()'",
        {
            "host": "cluster0.prod.example.net",
            "database": "shop",
            "user": "u",
            "dsn": "mongodb+srv://u:***@cluster0.prod.example.net/shop",
        },
        id="mongo-srv",
    ),
    pytest.param(
        "redis-cli -h cache.prod -p 6380 -n 3 FLUSHDB",
        {"host": "cache.prod", "port": "6380", "database": "3"},
        id="redis-opts",
    ),
    pytest.param(
        "redis-cli -u redis://:pw@cache.prod:6379/1 FLUSHDB",
        {"host": "cache.prod", "dsn": "redis://:***@cache.prod:6379/1", "database": "1"},
        id="redis-url",
    ),
    pytest.param("dropdb -h prod-db shop", {"host": "prod-db", "database": "shop"}, id="dropdb-host"),
    pytest.param(
        "RAILS_ENV=production DISABLE_DATABASE_ENVIRONMENT_CHECK=1 rails db:drop",
        {"env": "production", "env_check": "disabled"},
        id="rails-env-prefix",
    ),
    pytest.param("rake db:reset RAILS_ENV=production", {"env": "production"}, id="rake-env-argument"),
    pytest.param(
        "DATABASE_URL=postgres://u:p@prod.db/shop npx prisma migrate reset --force",
        {"host": "prod.db", "database": "shop", "dsn": "postgres://u:***@prod.db/shop"},
        id="prisma-url",
    ),
    pytest.param(
        "python manage.py flush --settings=config.settings.production",
        {"env": "production", "settings": "config.settings.production"},
        id="django-settings",
    ),
    pytest.param("sequelize db:drop --env production", {"env": "production"}, id="sequelize-env"),
    pytest.param(
        "flyway -url=jdbc:postgresql://prod.db:5432/shop clean",
        {"host": "prod.db", "database": "shop"},
        id="flyway-url",
    ),
    pytest.param("supabase db reset --linked", {"remote": "linked project"}, id="supabase-linked"),
]


@pytest.mark.parametrize(("command", "context"), CONTEXTS)
def test_context_names_where_it_runs(command: str, context: dict[str, str], cwd: Path) -> None:
    destructive = [e for e in run(command, cwd) if e.kind.destructive]
    assert destructive
    for effect in destructive:
        assert context.items() <= dict(effect.context).items()


def test_psql_copy_meta_commands(cwd: Path) -> None:
    effects = run("psql <<EOF\nSELECT 1;\n\\copy users FROM data.csv CSV\n\\copy users TO out.csv CSV\nEOF", cwd)
    assert (Kind.DB_WRITE, "table users") in pairs(effects)
    assert (Kind.FILE_WRITE, str(cwd / "out.csv")) in {(e.kind, e.path) for e in effects}


def test_psql_output_to_a_pipe_runs_the_command(cwd: Path) -> None:
    effects = run("psql <<EOF\nSELECT 1;\n\\o | rm -rf build\nEOF", cwd)
    assert (Kind.FILE_DELETE, "build") in pairs(effects)


def test_every_db_effect_names_its_source(cwd: Path) -> None:
    for effect in run("rails db:drop db:create db:migrate", cwd):
        assert effect.source == "rails db:drop db:create db:migrate"
    kinds = [e.kind for e in run("rails db:drop db:create db:migrate", cwd)]
    assert kinds == [Kind.DB_RESET, Kind.DB_WRITE, Kind.DB_WRITE]


def test_sqlglot_is_not_imported_for_commands_without_sql(cwd: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from agentguard.analysis import analyze_command; "
        f"analyze_command('sqlite3 app.db .tables', {str(cwd)!r}); analyze_command('redis-cli FLUSHALL', '/'); "
        "print('sqlglot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
