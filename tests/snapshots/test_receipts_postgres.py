"""Issue 14 with the real PostgreSQL server of these tests: data-state receipts count its tables, and
`agentguard migrate --postgres` puts it back when the migration fails."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pg_server import PostgresServer

from agentguard.hosts.claude import run_hook

SCRIPT = str(Path(sys.executable).with_name("agentguard"))


@pytest.fixture
def shop(postgres_server: PostgresServer, agentguard_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)  # as a user's environment or ~/.pgpass gives it
    return postgres_server.orders_database(
        f"receipts_shop_{os.getpid()}", 50, config=agentguard_home / "config", setting="snapshot_postgres"
    )


def hook(payload: dict[str, object]) -> dict[str, object]:
    out = io.StringIO()
    run_hook(io.StringIO(json.dumps({"session_id": "pg-1", **payload})), out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_a_postgres_table_emptied_and_refilled_in_the_session_blocks_the_stop(
    postgres_server: PostgresServer, shop: str, project: Path
) -> None:
    hook({"hook_event_name": "SessionStart", "cwd": str(project)})
    command = f"psql -h 127.0.0.1 -p {postgres_server.port} -U agentguard -d {shop} -c 'DELETE FROM orders'"
    wipe = {"cwd": str(project), "tool_name": "Bash", "tool_use_id": "t1", "tool_input": {"command": command}}
    pre = hook({"hook_event_name": "PreToolUse", **wipe})
    assert pre["hookSpecificOutput"]["permissionDecision"] == "ask"  # type: ignore[index]
    postgres_server.sql(shop, "DELETE FROM orders")  # a human said yes
    hook({"hook_event_name": "PostToolUse", **wipe, "tool_response": {}})
    postgres_server.sql(shop, "INSERT INTO orders (qty) SELECT 1 FROM generate_series(1, 50)")

    answer = hook({"hook_event_name": "Stop", "cwd": str(project)})

    assert answer["decision"] == "block"
    assert "orders was emptied or dropped during the session and refilled: 50 rows at session start" in str(
        answer["reason"])  # fmt: skip
    assert postgres_server.password not in str(answer["reason"])


def test_a_failing_migration_puts_the_postgres_database_back(
    postgres_server: PostgresServer, shop: str, project: Path
) -> None:
    dsn = postgres_server.dsn(shop, password=False)
    psql = os.path.join(postgres_server.bindir, "psql")
    migration = f"{psql} '{dsn}' -c 'DROP TABLE orders' && exit 3"

    done = subprocess.run([SCRIPT, "migrate", "--postgres", dsn, "--json", "--", "/bin/sh", "-c", migration],
                          cwd=project, capture_output=True, text=True, check=False)  # fmt: skip

    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["rolled_back"] is True
    assert postgres_server.sql(shop, "SELECT count(*) FROM orders") == "50"


def test_postgres_rows_replaced_or_refilled_with_synthetic_users_block_the_stop(
    postgres_server: PostgresServer, shop: str, project: Path
) -> None:
    """No emptying seen between calls this time: the rows sampled at session start (md5 of whole rows) are gone,
    and the 2,000 rows that replaced them are sequential placeholder users."""
    postgres_server.sql(shop, "CREATE TABLE users (id serial PRIMARY KEY, name text, email text); INSERT INTO users "
                        "(name, email) SELECT 'Real ' || md5(i::text), md5(i::text) || '@corp.example' "
                        "FROM generate_series(1, 100) i")  # fmt: skip
    hook({"hook_event_name": "SessionStart", "cwd": str(project)})
    postgres_server.sql(shop, "BEGIN; DELETE FROM users; INSERT INTO users (name, email) SELECT 'User ' || i, "
                        "'user' || i || '@example.com' FROM generate_series(1, 2000) i; COMMIT")  # fmt: skip

    answer = hook({"hook_event_name": "Stop", "cwd": str(project)})

    assert answer["decision"] == "block", answer
    reason = str(answer["reason"])
    assert "users had its rows replaced" in reason and "look synthetic" in reason, reason
    assert "orders" not in reason  # the table nobody touched is not reported
