"""The gate dumps a PostgreSQL database named in the policy before a destructive statement runs against it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pg_server import PostgresServer

from agentguard.models import Action, Decision, Verdict
from agentguard.pipeline import Gate
from agentguard.snapshots.model import POSTGRES
from agentguard.snapshots.restore import restore
from agentguard.snapshots.store import Store
from agentguard.state import Places


@pytest.fixture
def named_shop(postgres_server: PostgresServer, agentguard_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"gate_shop_{os.getpid()}"
    postgres_server.sql("postgres", f"DROP DATABASE IF EXISTS {name}")
    postgres_server.sql("postgres", f"CREATE DATABASE {name}")
    postgres_server.sql(name, "CREATE TABLE orders (id serial PRIMARY KEY, qty int); INSERT INTO orders (qty) "
                        "SELECT i FROM generate_series(1, 50) i")  # fmt: skip
    (agentguard_home / "config").mkdir(exist_ok=True)
    policy = f'[settings]\nsnapshot_postgres = ["{postgres_server.dsn(name, password=False)}"]\n'
    (agentguard_home / "config" / "agentguard.toml").write_text(policy)
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)  # as a user's environment or ~/.pgpass gives it
    return name


def decide(command: str, project: Path) -> Decision:
    action = Action.shell(command, str(project), session_id="s-1")
    return Gate.from_env().decide(action, project_root=str(project), before_run=True)


def test_a_drop_on_a_named_database_is_dumped_first_and_undone(
    postgres_server: PostgresServer, named_shop: str, project: Path
) -> None:
    command = f"psql -h 127.0.0.1 -p {postgres_server.port} -U agentguard -d {named_shop} -c 'DROP TABLE orders'"
    decision = decide(command, project)
    assert decision.verdict == Verdict.ASK and decision.snapshot is not None
    assert postgres_server.password not in " ".join(decision.reasons)
    postgres_server.sql(named_shop, "DROP TABLE orders")  # what the host runs after a human says yes

    store = Store.open(Places.from_env().state)
    try:
        snapshot = store.get(decision.snapshot)
        assert [e.type for e in snapshot.entries] == [POSTGRES]
        restore(store, snapshot.id, postgres_dsn=postgres_server.dsn(named_shop))
    finally:
        store.close()
    assert postgres_server.sql(named_shop, "SELECT count(*) FROM orders") == "50"


def test_other_databases_and_reads_are_not_dumped(
    postgres_server: PostgresServer, named_shop: str, project: Path
) -> None:
    port = postgres_server.port
    assert decide(f"psql -h 127.0.0.1 -p {port} -d {named_shop} -c 'SELECT 1'", project).snapshot is None
    other = decide(f"psql -h 127.0.0.1 -p {port} -d elsewhere -c 'DROP TABLE orders'", project)
    assert other.snapshot is None


def test_a_password_in_the_policy_is_refused(agentguard_home: Path, project: Path) -> None:
    (agentguard_home / "config").mkdir(exist_ok=True)
    (agentguard_home / "config" / "agentguard.toml").write_text(
        '[settings]\nsnapshot_postgres = ["postgresql://u:secret@localhost/app"]\n'
    )
    decision = decide("ls", project)
    assert decision.verdict == Verdict.DENY and "password" in " ".join(decision.reasons)
