"""Issue 4 end to end: the real `claude` CLI deletes the memory database, allowed by policy or by a human's
approval of an ask; agentguard saved it first, and `agentguard restore` brings back identical rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from claude_cli import ClaudeRun, Runner
from project_files import MEMORY_DB, MEMORY_ROWS, memory_rows

pytestmark = pytest.mark.e2e

INCIDENT = "rm -f .agentic-qe/*.db"
ALLOW_MEMORY_DELETE = """
[[rule]]
id = "protected-data"
kinds = ["file.delete"]
paths = ["**/.agentic-qe/**"]
verdict = "allow"
reason = "the agent may clear its own memory; agentguard saves it first"
"""


def snapshots(runner: Runner, project: Path) -> list[dict[str, object]]:
    listed = runner.agentguard(project, "snapshots", "list", "--json")
    return list(json.loads(listed.stdout)["snapshots"])


def ledger_events(runner: Runner, project: Path) -> list[dict[str, Any]]:
    """`agentguard ledger verify` passes, and every event, oldest first."""
    verified = json.loads(runner.agentguard(project, "ledger", "verify", "--json").stdout)
    assert verified["ok"] is True and verified["first_bad_seq"] is None
    listed = runner.agentguard(project, "ledger", "list", "--json").stdout.splitlines()
    return [json.loads(line) for line in listed]


def assert_ledger_tells_the_story(runner: Runner, project: Path, verdict: str) -> None:
    """The decision to delete, the snapshot taken before it, and the restore, in that order, and it verifies."""
    events = ledger_events(runner, project)
    kinds = [e["kind"] for e in events]
    snapshot = next(e for e in events if e["kind"] == "snapshot")
    decision = next(e for e in events if e["kind"] == "decision" and e["payload"]["action"] == INCIDENT)
    restore = next(e for e in events if e["kind"] == "restore")
    assert snapshot["seq"] < decision["seq"] < restore["seq"], kinds
    assert decision["payload"]["verdict"] == verdict and decision["payload"]["snapshot"] == "s-0001"
    assert snapshot["payload"]["id"] == "s-0001" and restore["payload"]["snapshot"] == "s-0001"
    assert restore["payload"]["ok"] is True and restore["actor"]["type"] == "human"


def restore_and_check(runner: Runner, project: Path, snapshot_id: str) -> dict[str, object]:
    restored = json.loads(runner.agentguard(project, "restore", snapshot_id, "--json").stdout)
    assert memory_rows(project / MEMORY_DB) == MEMORY_ROWS
    assert restored["ok"] is True
    assert restored["databases"][0]["integrity"] == "ok"
    return restored


def test_an_allowed_delete_is_undone_in_one_command(runner: Runner, guarded_project: Path) -> None:
    config = runner.agentguard_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "agentguard.toml").write_text(ALLOW_MEMORY_DELETE)

    run: ClaudeRun = runner.run(guarded_project, [INCIDENT])

    assert not (guarded_project / MEMORY_DB).exists(), run.describe()  # the policy let the agent delete it
    assert not run.tool_result(0).is_error
    taken = snapshots(runner, guarded_project)
    assert [s["id"] for s in taken] == ["s-0001"] and taken[0]["databases"] == 1
    assert "agentguard restore s-0001" in json.dumps(run.api.main_requests())  # the agent was told how to undo
    restore_and_check(runner, guarded_project, "s-0001")
    assert_ledger_tells_the_story(runner, guarded_project, "allow")


def test_an_approved_ask_is_undone_in_one_command(runner: Runner, guarded_project: Path) -> None:
    run = runner.run(guarded_project, [INCIDENT], human="allow")

    assert run.asked_commands() == [INCIDENT]  # agentguard asked; the stand-in human said yes
    assert not (guarded_project / MEMORY_DB).exists(), run.describe()
    restored = restore_and_check(runner, guarded_project, "s-0001")
    assert restored["safety_snapshot"] is None  # nothing was left to save before the restore
    assert_ledger_tells_the_story(runner, guarded_project, "ask")
