"""The incident's project, built from real parts: a git repo with uncommitted work and a real SQLite memory db."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

MEMORY_DB = Path(".agentic-qe") / "memory.db"
MEMORY_ROWS = [("pattern:auth", "use the session cookie"), ("pattern:db", "migrations run in CI"), ("run", "42")]
APP = Path("src") / "app.py"
APP_COMMITTED = "print('hi')\n"
APP_CHANGED = "print('work in progress')\n"


def make_git_project(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    git = ["git", "-C", str(root), "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / APP).write_text(APP_COMMITTED)
    (root / "notes.txt").write_text("notes\n")
    subprocess.run([*git, "add", "src", "notes.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "initial"], check=True)
    (root / APP).write_text(APP_CHANGED)  # work a `git reset --hard` would lose
    make_memory_db(root / MEMORY_DB)
    return root


def make_memory_db(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    with db:
        db.execute("CREATE TABLE memory (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.executemany("INSERT INTO memory VALUES (?, ?)", MEMORY_ROWS)
    db.close()


def memory_rows(path: Path) -> list[tuple[str, str]]:
    # Read-only through a URI: connecting to a missing file must fail, not create an empty database.
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [(str(k), str(v)) for k, v in db.execute("SELECT key, value FROM memory ORDER BY rowid")]
    finally:
        db.close()
