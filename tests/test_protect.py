"""The gate saves what an action it lets through would destroy, before the host runs it — or says it cannot."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from agentguard.hosts.claude import run_hook
from agentguard.models import Action, Decision, Verdict
from agentguard.pipeline import Gate
from agentguard.snapshots.restore import restore
from agentguard.snapshots.store import Store
from agentguard.state import Places

ALLOW_MEMORY_DELETE = """
[[rule]]
id = "protected-data"
kinds = ["file.delete"]
paths = ["**/.agentic-qe/**"]
verdict = "allow"
reason = "the agent may clear its own memory; agentguard saves it first"
"""


@pytest.fixture
def memory_db(project: Path) -> Path:
    db = project / ".agentic-qe" / "memory.db"
    db.unlink()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE memory (id INTEGER PRIMARY KEY, pattern TEXT)")
        conn.executemany("INSERT INTO memory (pattern) VALUES (?)", [(f"p{i}",) for i in range(500)])
    return db


def run(command: str, project: Path, *, before_run: bool = True) -> Decision:
    action = Action.shell(command, str(project), session_id="s-1", tool_use_id="t-1")
    return Gate.from_env().decide(action, project_root=str(project), before_run=before_run)


def rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM memory").fetchone()[0])


def restore_snapshot(snapshot_id: str) -> None:
    store = Store.open(Places.from_env().state)
    try:
        restore(store, snapshot_id)
    finally:
        store.close()


def test_an_allowed_delete_of_protected_data_is_saved_first(
    project: Path, memory_db: Path, agentguard_home: Path
) -> None:
    (agentguard_home / "config").mkdir()
    (agentguard_home / "config" / "agentguard.toml").write_text(ALLOW_MEMORY_DELETE)
    decision = run("rm -f .agentic-qe/*.db", project)
    assert decision.verdict == Verdict.ALLOW and decision.snapshot is not None
    assert f"undo: agentguard restore {decision.snapshot}" in decision.reasons[-1]
    memory_db.unlink()  # what the host then runs
    restore_snapshot(decision.snapshot)
    assert rows(memory_db) == 500


def test_an_ask_is_saved_too_because_approval_comes_after_the_hook(project: Path, memory_db: Path) -> None:
    decision = run("rm -f .agentic-qe/memory.db", project)
    assert decision.verdict == Verdict.ASK and decision.snapshot is not None
    assert any("undo: agentguard restore" in r for r in decision.reasons)


def test_a_dry_check_and_a_deny_save_nothing(project: Path, memory_db: Path) -> None:
    assert run("rm -f .agentic-qe/memory.db", project, before_run=False).snapshot is None
    assert run("rm -rf ~", project).snapshot is None
    assert Store.open(Places.from_env().state).list() == []


def test_protected_files_inside_a_deleted_tree_are_found(project: Path) -> None:
    data = project / "var" / "nested"
    data.mkdir(parents=True)
    with sqlite3.connect(data / "app.sqlite") as conn:
        conn.execute("CREATE TABLE memory (id INTEGER PRIMARY KEY, pattern TEXT)")
    (data / "readme.txt").write_text("not protected data")
    decision = run("rm -rf var", project)
    assert decision.snapshot is not None
    snapshot = Store.open(Places.from_env().state).get(decision.snapshot)
    assert [e.path for e in snapshot.entries] == [str(data / "app.sqlite")]


def test_a_destructive_statement_saves_its_database(project: Path) -> None:
    db = project / "app.data"  # not a protected name: the statement makes it data
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE memory (id INTEGER PRIMARY KEY, pattern TEXT)")
        conn.execute("INSERT INTO memory (pattern) VALUES ('x')")
    decision = run("sqlite3 app.data 'DELETE FROM memory'", project)
    assert decision.snapshot is not None
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM memory")
    restore_snapshot(decision.snapshot)
    assert rows(db) == 1


def test_ordinary_work_takes_no_snapshot(project: Path) -> None:
    assert run("rm -rf node_modules", project).snapshot is None
    assert run("ls -la", project).snapshot is None


def test_when_the_data_cannot_be_saved_the_action_is_not_allowed(
    project: Path, memory_db: Path, agentguard_home: Path
) -> None:
    (agentguard_home / "config").mkdir()
    (agentguard_home / "config" / "agentguard.toml").write_text(ALLOW_MEMORY_DELETE)
    (project / "agentguard.toml").write_text("[settings]\nsnapshot_max_mb = 0\n")  # tightening: allowed
    decision = run("rm -f .agentic-qe/memory.db", project)
    assert decision.verdict == Verdict.ASK and decision.snapshot is None
    assert "NOT protected" in decision.reasons[-1]


def test_the_hook_tells_agent_and_human_how_to_undo_an_allowed_delete(
    project: Path, memory_db: Path, agentguard_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (agentguard_home / "config").mkdir()
    (agentguard_home / "config" / "agentguard.toml").write_text(ALLOW_MEMORY_DELETE)
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", str(project))
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": str(project),
               "tool_input": {"command": "rm -f .agentic-qe/memory.db"}}  # fmt: skip
    out = io.StringIO()
    assert run_hook(io.StringIO(json.dumps(payload)), out) == 0
    answer = json.loads(out.getvalue())
    assert "permissionDecision" not in answer["hookSpecificOutput"]  # Claude Code's own rules still apply
    assert "agentguard restore s-0001" in answer["hookSpecificOutput"]["additionalContext"]
    assert "agentguard restore s-0001" in answer["systemMessage"]


def test_artifact_trees_are_not_searched_however_large(project: Path) -> None:
    for i in range(60):  # more entries than protect would look through in a tree it has to search
        package = project / "node_modules" / f"pkg{i}"
        package.mkdir(parents=True)
        for j in range(900):
            (package / f"f{j}.js").touch()
    decision = run("rm -rf node_modules", project)
    assert decision.verdict == Verdict.ALLOW and decision.snapshot is None
    assert not any("NOT protected" in r for r in decision.reasons)


def test_a_project_may_not_widen_what_is_skipped(project: Path) -> None:
    (project / "agentguard.toml").write_text('[settings]\nsnapshot_skip = ["$PROJECT/**"]\n')
    decision = run("ls", project)
    assert decision.verdict == Verdict.DENY and "snapshot_skip" in " ".join(decision.reasons)
