"""effects_of_sql: every statement judged, destructive ones named with their target, look-alikes left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.analysis.sql import effects_of_sql
from agentguard.models import Effect, Kind


def sql(
    text: str,
    dialect: str | None = "sqlite",
    *,
    context: dict[str, str] | None = None,
    path: str | None = None,
    cwd: str | None = None,
) -> list[Effect]:
    return effects_of_sql(text, dialect=dialect, target="db", context=context or {}, source=text, path=path, cwd=cwd)


def pairs(effects: list[Effect]) -> list[tuple[Kind, str]]:
    return [(e.kind, e.target) for e in effects]


DESTRUCTIVE = [
    pytest.param("sqlite", "DROP TABLE users", [(Kind.DB_DROP, "table users")], id="drop-table"),
    pytest.param(
        "sqlite",
        "drop table if exists a, b",
        [(Kind.DB_DROP, "table a"), (Kind.DB_DROP, "table b")],
        id="drop-two-tables-lowercase",
    ),
    pytest.param("postgres", 'DROP TABLE "My Table"', [(Kind.DB_DROP, "table My Table")], id="quoted-identifier"),
    pytest.param("postgres", "DROP TABLE public.users", [(Kind.DB_DROP, "table public.users")], id="schema-table"),
    pytest.param("sqlite", "DROP VIEW v", [(Kind.DB_DROP, "view v")], id="drop-view"),
    pytest.param("sqlite", "DROP INDEX idx_users", [(Kind.DB_ALTER, "index idx_users")], id="drop-index-alter"),
    pytest.param("postgres", "DROP SCHEMA public CASCADE", [(Kind.DB_DROP, "schema public")], id="drop-schema"),
    pytest.param("mysql", "DROP DATABASE prod", [(Kind.DB_DROP, "database prod")], id="drop-database"),
    pytest.param("postgres", "DROP ROLE alice", [(Kind.DB_DROP, "role alice")], id="drop-role-keyword-scan"),
    pytest.param("postgres", "DROP OWNED BY alice", [(Kind.DB_DROP, "owned alice")], id="drop-owned"),
    pytest.param(None, "DROP KEYSPACE shop", [(Kind.DB_DROP, "keyspace shop")], id="cql-drop-keyspace"),
    pytest.param(
        "postgres",
        "TRUNCATE users, orders RESTART IDENTITY",
        [(Kind.DB_TRUNCATE, "table users"), (Kind.DB_TRUNCATE, "table orders")],
        id="truncate-two",
    ),
    pytest.param("mysql", "TRUNCATE TABLE sessions", [(Kind.DB_TRUNCATE, "table sessions")], id="truncate-table"),
    pytest.param("sqlite", "DELETE FROM users", [(Kind.DB_DELETE, "table users")], id="delete-without-where"),
    pytest.param("sqlite", "DELETE FROM users WHERE 1=1", [(Kind.DB_DELETE, "table users")], id="where-1-eq-1"),
    pytest.param("postgres", "DELETE FROM users WHERE true", [(Kind.DB_DELETE, "table users")], id="where-true"),
    pytest.param("mysql", "DELETE FROM users WHERE 1", [(Kind.DB_DELETE, "table users")], id="where-1"),
    pytest.param(
        "postgres", "DELETE FROM users WHERE 1=1 OR id = 3", [(Kind.DB_DELETE, "table users")], id="where-or-tautology"
    ),
    pytest.param("postgres", "DELETE FROM users WHERE id = id", [(Kind.DB_DELETE, "table users")], id="where-x-eq-x"),
    pytest.param("sqlite", "WITH old AS (SELECT 1) DELETE FROM t", [(Kind.DB_DELETE, "table t")], id="cte-delete"),
    pytest.param("postgres", "UPDATE users SET admin = true", [(Kind.DB_UPDATE, "table users")], id="update-all"),
    pytest.param(
        "postgres",
        "UPDATE users SET admin = true WHERE 'a' = 'a'",
        [(Kind.DB_UPDATE, "table users")],
        id="update-constant-where",
    ),
    pytest.param(
        "postgres", "ALTER TABLE users DROP COLUMN email", [(Kind.DB_ALTER, "table users")], id="alter-drop-column"
    ),
    pytest.param(
        "postgres",
        "ALTER TABLE users DROP CONSTRAINT users_pkey",
        [(Kind.DB_ALTER, "table users")],
        id="alter-drop-constraint",
    ),
    pytest.param(
        "duckdb", "CREATE OR REPLACE TABLE t AS SELECT 1", [(Kind.DB_DROP, "table t")], id="create-or-replace-table"
    ),
    pytest.param("sqlite", "PRAGMA writable_schema=1", [(Kind.DB_ALTER, "db")], id="writable-schema"),
    pytest.param(
        "postgres", "BEGIN; DELETE FROM jobs; COMMIT;", [(Kind.DB_DELETE, "table jobs")], id="inside-transaction"
    ),
    pytest.param(
        "postgres",
        "SELECT 1; DROP TABLE users",
        [(Kind.READ, "db"), (Kind.DB_DROP, "table users")],
        id="second-statement",
    ),
    pytest.param(
        "postgres", "/* tidy */ DROP TABLE users; -- done", [(Kind.DB_DROP, "table users")], id="comments-around"
    ),
    pytest.param(
        "postgres", "EXPLAIN ANALYZE DELETE FROM big", [(Kind.DB_DELETE, "table big")], id="explain-analyze-runs"
    ),
    pytest.param(
        "postgres",
        "PREPARE wipe AS DELETE FROM t; EXECUTE wipe",
        [(Kind.DB_DELETE, "table t")],
        id="prepared-statement",
    ),
    pytest.param(
        "postgres",
        "DO $$ BEGIN EXECUTE 'x'; DROP TABLE audit; END $$",
        [(Kind.DB_DROP, "table audit")],
        id="do-block-scanned",
    ),
    pytest.param(
        "postgres",
        "DROP TABLE users CASCADE CONSTRAINTS PURGE garbage (",
        [(Kind.DB_DROP, "table users")],
        id="unparsable-still-scanned",
    ),
    pytest.param(
        "sqlite",
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM b; END",
        [(Kind.DB_DELETE, "table b"), (Kind.DB_WRITE, "db")],
        id="trigger-body",
    ),
]


@pytest.mark.parametrize(("dialect", "text", "expected"), DESTRUCTIVE)
def test_destructive_statements(dialect: str | None, text: str, expected: list[tuple[Kind, str]]) -> None:
    assert pairs(sql(text, dialect)) == expected


BENIGN = [
    pytest.param("sqlite", "SELECT count(*) FROM users", [(Kind.READ, "db")], id="select"),
    pytest.param("postgres", "DELETE FROM jobs WHERE done", [(Kind.DB_WRITE, "table jobs")], id="delete-where"),
    pytest.param(
        "postgres",
        "DELETE FROM jobs WHERE id IN (SELECT id FROM old)",
        [(Kind.DB_WRITE, "table jobs")],
        id="delete-where-subquery",
    ),
    pytest.param(
        "postgres", "UPDATE users SET a = 1 WHERE id = 2", [(Kind.DB_WRITE, "table users")], id="update-where"
    ),
    pytest.param(
        "sqlite",
        "INSERT INTO logs VALUES ('DROP TABLE users')",
        [(Kind.DB_WRITE, "table logs")],
        id="keyword-in-string",
    ),
    pytest.param("sqlite", "SELECT * FROM t -- DROP TABLE t", [(Kind.READ, "db")], id="keyword-in-comment"),
    pytest.param("sqlite", "REPLACE INTO t VALUES (1)", [(Kind.DB_WRITE, "table t")], id="replace-into"),
    pytest.param("postgres", "CREATE TABLE t (id int)", [(Kind.DB_WRITE, "table t")], id="create-table"),
    pytest.param(
        "postgres", "ALTER TABLE users ADD COLUMN age int", [(Kind.DB_WRITE, "table users")], id="alter-add-column"
    ),
    pytest.param("sqlite", "PRAGMA table_info(users)", [(Kind.READ, "db")], id="pragma-read"),
    pytest.param("sqlite", "PRAGMA journal_mode=WAL", [(Kind.DB_WRITE, "db")], id="pragma-write"),
    pytest.param("postgres", "EXPLAIN DELETE FROM big", [(Kind.READ, "db")], id="explain-only-plans"),
    pytest.param("mysql", "SHOW TABLES", [(Kind.READ, "db")], id="show"),
    pytest.param("postgres", "BEGIN; COMMIT;", [(Kind.READ, "db")], id="transaction-only"),
    pytest.param("postgres", "", [(Kind.READ, "db")], id="empty"),
    pytest.param("postgres", "DELETE FROM t WHERE 1 = 0", [(Kind.DB_WRITE, "table t")], id="where-false"),
]


@pytest.mark.parametrize(("dialect", "text", "expected"), BENIGN)
def test_benign_statements(dialect: str | None, text: str, expected: list[tuple[Kind, str]]) -> None:
    effects = sql(text, dialect)
    assert pairs(effects) == expected
    assert not any(e.kind.destructive for e in effects)


UNKNOWN = [
    pytest.param("postgres", "SELEC 1 FRM t", "could not parse SQL", id="typo"),
    pytest.param("postgres", "SELECT 'unterminated", "could not split", id="unterminated-quote"),
    pytest.param("postgres", "DO $$ BEGIN PERFORM f(); END $$", "stored or dynamic code", id="do-block"),
    pytest.param("postgres", "CALL cleanup()", "stored or dynamic code", id="call"),
    pytest.param(
        "postgres",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
        "pg_terminate_backend",
        id="side-effect-function",
    ),
    pytest.param("postgres", "COPY t TO PROGRAM 'rm -rf /'", "shell command", id="copy-program"),
    pytest.param("sqlite", "SELECT load_extension('evil.so')", "load_extension", id="load-extension"),
]


@pytest.mark.parametrize(("dialect", "text", "reason"), UNKNOWN)
def test_unknown_sql(dialect: str | None, text: str, reason: str) -> None:
    unknown = [e for e in sql(text, dialect) if e.kind is Kind.UNKNOWN]
    assert unknown and reason in unknown[0].detail


def test_effects_carry_path_and_context() -> None:
    (effect,) = sql("DROP TABLE users", path="/srv/app.db", context={"database": "app.db", "host": "h"})
    assert effect.path == "/srv/app.db"
    assert effect.ctx("database") == "app.db" and effect.ctx("host") == "h"
    assert effect.source == "DROP TABLE users"


def test_use_moves_later_statements_to_that_database() -> None:
    effects = sql("DROP TABLE a; USE prod; DROP TABLE b", "mysql", context={"database": "dev"})
    assert [(e.target, e.ctx("database")) for e in effects] == [("table a", "dev"), ("table b", "prod")]


def test_attached_database_file_is_the_path_of_its_tables() -> None:
    effects = sql("ATTACH DATABASE 'other.db' AS o; DELETE FROM o.users; DELETE FROM users", path="/p/app.db", cwd="/p")
    assert [(e.kind, e.target, e.path) for e in effects] == [
        (Kind.DB_WRITE, "database o", "/p/other.db"),
        (Kind.DB_DELETE, "table o.users", "/p/other.db"),
        (Kind.DB_DELETE, "table users", "/p/app.db"),
    ]


def test_vacuum_into_names_the_copy() -> None:
    (effect,) = sql("VACUUM INTO '/tmp/copy.db'")
    assert (effect.kind, effect.target, effect.path) == (Kind.DB_WRITE, "file /tmp/copy.db", "/tmp/copy.db")


def test_duckdb_copy_to_file_is_a_file_write(tmp_path: Path) -> None:
    (effect,) = sql("COPY t TO 'out.csv'", "duckdb", cwd=str(tmp_path))
    assert effect.kind is Kind.FILE_WRITE and effect.path == f"{tmp_path}/out.csv"


def test_a_large_seed_file_is_one_effect_per_table() -> None:
    text = "".join(f"INSERT INTO users (id, name) VALUES ({i}, 'n{i}');\n" for i in range(4000))
    assert pairs(sql(text)) == [(Kind.DB_WRITE, "table users")]  # how fast: benchmarks, not unit tests


def test_a_destructive_statement_in_a_large_file_is_found() -> None:
    text = "".join(f"INSERT INTO users VALUES ({i});\n" for i in range(3000)) + "DROP TABLE users;\n"
    assert (Kind.DB_DROP, "table users") in pairs(sql(text))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=120), st.text(alphabet=list("DROPTABLE SELCT;'\"$()-*/=1xy\n"), max_size=80)))
def test_never_raises_and_always_answers(text: str) -> None:
    effects = sql(text, "postgres")
    assert effects and all(isinstance(e, Effect) for e in effects)
