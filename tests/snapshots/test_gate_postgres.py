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
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)  # as a user's environment or ~/.pgpass gives it
    return postgres_server.orders_database(
        f"gate_shop_{os.getpid()}", 50, config=agentguard_home / "config", setting="snapshot_postgres"
    )


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


@pytest.fixture
def estimated_shop(postgres_server: PostgresServer, agentguard_home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with 1,000 analysed rows, and a policy naming a read-only connection for planner estimates."""
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)  # as a user's environment or ~/.pgpass gives it
    return postgres_server.orders_database(
        f"estimate_shop_{os.getpid()}", 1000, config=agentguard_home / "config", setting="estimate_postgres"
    )


@pytest.mark.parametrize(
    ("where", "verdict", "words"),
    [
        ("id > 0", Verdict.ASK, "deletes about 1,000 of about 1,000 rows in orders"),
        ("qty >= 0", Verdict.ASK, "reaches (nearly) every row"),
        ("id = 7", Verdict.ALLOW, None),
    ],
)
def test_the_planner_says_how_much_a_where_reaches(
    postgres_server: PostgresServer, estimated_shop: str, project: Path, where: str, verdict: Verdict, words: str | None
) -> None:
    """`DELETE … WHERE id > 0` empties the table as surely as no WHERE: the planner's estimate shows it."""
    command = f"psql -h 127.0.0.1 -p {postgres_server.port} -d {estimated_shop} -c 'DELETE FROM orders WHERE {where}'"
    decision = Gate.from_env().decide(Action.shell(command, str(project)), project_root=str(project))
    assert decision.verdict == verdict, decision.reasons
    if words is not None:
        assert words in " ".join(decision.reasons)
    else:
        assert any("planner estimate" in e.detail for e in decision.effects), decision.effects
    assert postgres_server.sql(estimated_shop, "SELECT count(*) FROM orders") == "1000"  # EXPLAIN ran nothing


def test_without_a_connection_the_text_decides(postgres_server: PostgresServer, project: Path) -> None:
    command = f"psql -h 127.0.0.1 -p {postgres_server.port} -d shop -c 'DELETE FROM orders WHERE id > 0'"
    decision = Gate.from_env().decide(Action.shell(command, str(project)), project_root=str(project))
    assert decision.verdict == Verdict.ALLOW and not any("planner" in e.detail for e in decision.effects)
