"""Issue 11: what the gate lets through that destroys protected data or uncommitted work was saved first.

Each case runs the real command in a throwaway project after the gate answered, then shows that one
`agentguard restore` brings the data back byte for byte."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from pathlib import Path

import pytest

from agentguard.models import Action, Decision, Verdict
from agentguard.pipeline import Gate
from agentguard.snapshots.restore import restore
from agentguard.snapshots.store import Store
from agentguard.state import Places

ROWS = 5000


def memory_db(project: Path, rows: int) -> Path:
    """The incident's memory database, for real: a memory table of `rows` rows."""
    db = project / ".agentic-qe" / "memory.db"
    db.unlink()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE memory (id INTEGER PRIMARY KEY, pattern TEXT)")
        conn.executemany("INSERT INTO memory (pattern) VALUES (?)", [(f"p{i}",) for i in range(rows)])
    conn.close()
    return db


@pytest.fixture
def repo(project: Path) -> Path:
    """The incident project with a real memory database, a committed file with uncommitted edits, an
    untracked secret, and an ignored log."""
    memory_db(project, ROWS)
    (project / ".gitignore").write_text("*.log\n")
    git(project, "add", "src/app.py", ".gitignore")
    git(project, "commit", "-qm", "first")
    (project / "src" / "app.py").write_text("print('uncommitted work')\n")
    (project / ".env").write_text("API_KEY=secret\n")
    (project / "run.log").write_text("log\n")
    return project


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True)


def decide(command: str, project: Path) -> Decision:
    action = Action.shell(command, str(project), session_id="s-1", tool_use_id="t-1")
    return Gate.from_env().decide(action, project_root=str(project), before_run=True)


def shell(command: str, project: Path) -> None:
    """What the host runs once the gate answered (a human approved the ask)."""
    subprocess.run(["bash", "-c", command], cwd=project, check=False, capture_output=True)


def digest(root: Path, names: list[str]) -> dict[str, str | None]:
    """Each file's content: bytes, and for a database its rows and schema (a consistent copy through SQLite's
    backup API differs from the live file in header counters only)."""
    return {n: _content(root / n) for n in names}


def _content(path: Path) -> str | None:
    if not path.exists():
        return None
    if path.suffix != ".db":
        return hashlib.sha256(path.read_bytes()).hexdigest()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return hashlib.sha256("\n".join(conn.iterdump()).encode()).hexdigest()
    finally:
        conn.close()


def restore_snapshot(snapshot_id: str) -> None:
    store = Store.open(Places.from_env().state)
    try:
        restore(store, snapshot_id)
    finally:
        store.close()


def rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        count = int(conn.execute("SELECT count(*) FROM memory").fetchone()[0])
    conn.close()
    return count


SAVED = {
    'find . -name "*.db" -delete': [".agentic-qe/memory.db"],
    "find . -name '*.db' -exec rm -f {} +": [".agentic-qe/memory.db"],
    "rm -rf .agentic-qe": [".agentic-qe/memory.db"],
    "git clean -fdx": [".agentic-qe/memory.db", ".env"],
    "git clean -fd": [".agentic-qe/memory.db", ".env"],
    "git stash -u": ["src/app.py", ".env", ".agentic-qe/memory.db"],
    "git reset --hard": ["src/app.py"],
    "git read-tree -u --reset HEAD": ["src/app.py"],
    "git checkout HEAD -- src": ["src/app.py"],
    "git checkout -- .": ["src/app.py"],
    "ln -s .agentic-qe/memory.db n && : > n": [".agentic-qe/memory.db"],
    "ln -s .agentic-qe d && rm -f d/memory.db": [".agentic-qe/memory.db"],
    "ln .agentic-qe/memory.db h && truncate -s 0 h": [".agentic-qe/memory.db"],
    "mv .agentic-qe/memory.db m.bin && rm m.bin": [".agentic-qe/memory.db"],
}


@pytest.mark.parametrize("command", list(SAVED))
def test_what_the_command_destroys_comes_back_with_one_restore(command: str, repo: Path) -> None:
    names = SAVED[command]
    before = digest(repo, names)
    decision = decide(command, repo)
    assert decision.verdict != Verdict.DENY and decision.snapshot is not None, decision.reasons
    shell(command, repo)
    assert digest(repo, names) != before  # the command really destroyed it
    restore_snapshot(decision.snapshot)
    assert digest(repo, names) == before


def test_find_names_what_it_matches_now(repo: Path) -> None:
    decision = decide('find . -name "*.db" -delete', repo)
    assert "nothing matches now" not in " ".join(decision.reasons)
    assert any(".agentic-qe/memory.db" in r for r in decision.reasons)


def test_a_walk_past_its_budget_judges_the_whole_tree(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentguard.analysis import paths

    monkeypatch.setattr(paths, "TREE_BUDGET_SECONDS", -1.0)
    found, root = paths.expand_deep("./**/*.db", str(repo))
    assert root == "." and found == []  # nothing walked: the pattern stands for what it matches
    decision = decide('find . -name "*.db" -delete', repo)
    assert decision.verdict == Verdict.ASK and decision.snapshot is not None  # the tree was looked through


def test_git_clean_lists_exactly_what_git_would_delete(repo: Path) -> None:
    from agentguard.analysis import analyze_command

    deleted = {e.target for e in analyze_command("git clean -fd", str(repo)) if e.kind.value == "file.delete"}
    assert deleted == {".agentic-qe", ".env", "node_modules", "notes.txt"}  # ignored run.log stays without -x
    with_ignored = {e.target for e in analyze_command("git clean -fdx", str(repo)) if e.kind.value == "file.delete"}
    assert with_ignored == deleted | {"run.log"}


def test_git_clean_that_would_remove_the_hook_wiring_is_denied(repo: Path) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text('{"hooks": {}}\n')
    decision = decide("git clean -fdx", repo)
    assert decision.verdict == Verdict.DENY and ".claude" in " ".join(decision.reasons)


MEMORY = ".agentic-qe/memory.db"


@pytest.mark.parametrize(
    ("sql", "verdict", "detail"),
    [
        pytest.param("DELETE FROM memory WHERE id > 0", Verdict.ASK, "deletes 5,000 of 5,000 rows in memory", id="all"),
        pytest.param("UPDATE memory SET pattern = 'x' WHERE id >= 1", Verdict.ASK, "updates 5,000 of 5,000", id="upd"),
        pytest.param("DELETE FROM memory WHERE id > 4990", Verdict.ALLOW, "deletes 10 of 5,000 rows", id="some"),
    ],
)
def test_sql_is_counted_against_the_live_database_and_saved_first(
    sql: str, verdict: Verdict, detail: str, repo: Path
) -> None:
    command = f'sqlite3 {MEMORY} "{sql}"'
    before = digest(repo, [MEMORY])
    decision = decide(command, repo)
    assert decision.verdict == verdict and decision.snapshot is not None
    assert any(detail in r for r in decision.reasons) or verdict == Verdict.ALLOW
    shell(command, repo)
    assert digest(repo, [MEMORY]) != before
    restore_snapshot(decision.snapshot)
    assert digest(repo, [MEMORY]) == before and rows(repo / MEMORY) == ROWS


def test_a_bounded_write_to_unprotected_data_takes_no_snapshot(repo: Path) -> None:
    with sqlite3.connect(repo / "scratch.data") as conn:
        conn.execute("CREATE TABLE memory (id INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO memory VALUES (?)", [(i,) for i in range(10)])
    conn.close()
    decision = decide('sqlite3 scratch.data "DELETE FROM memory WHERE id > 5"', repo)
    assert decision.verdict == Verdict.ALLOW and decision.snapshot is None


FAKE_ROWS = (
    "INSERT INTO users(name) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 4000) "
    "SELECT 'fake' || x FROM c"
)


@pytest.mark.parametrize(
    ("database", "sql", "verdict"),
    [
        pytest.param("prod.db", FAKE_ROWS, Verdict.DENY, id="replit-refill-production"),
        pytest.param("app.data", FAKE_ROWS, Verdict.ASK, id="bulk-insert"),
        pytest.param("prod.db", "INSERT INTO users(name) VALUES ('a'), ('b')", Verdict.ALLOW, id="two-rows"),
    ],
)
def test_an_insert_of_thousands_of_rows_is_a_bulk_rewrite(
    database: str, sql: str, verdict: Verdict, repo: Path
) -> None:
    with sqlite3.connect(repo / database) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    conn.close()
    command = f'sqlite3 {database} "{sql}"'
    decision = decide(command, repo)
    assert decision.verdict == verdict, decision.reasons
    if verdict != Verdict.ALLOW:
        assert any("4,000 rows at once" in r for r in decision.reasons)
