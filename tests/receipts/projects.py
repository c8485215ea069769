"""Real projects for the receipts tests: a git repo with a module, its pytest tests, and agentguard.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GIT = ["git", "-c", "user.name=tests", "-c", "user.email=tests@example.invalid"]
PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"
CALC = "def add(a, b):\n    return a + b\n"
CALC_BROKEN = "def add(a, b):\n    return a - b\n"
TEST_CALC = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def git(root: Path, *args: str) -> str:
    done = subprocess.run([*GIT, "-C", str(root), *args], check=True, capture_output=True, text=True)
    return done.stdout


def make_pytest_project(root: Path, *, checks: tuple[str, ...] = (PYTEST,), extra_toml: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root.parent, "init", "-q", "-b", "main", str(root))
    (root / "calc.py").write_text(CALC)
    (root / "test_calc.py").write_text(TEST_CALC)
    (root / ".gitignore").write_text("__pycache__/\n*.pyc\n")
    listed = ", ".join(f'"{c}"' for c in checks)
    (root / "agentguard.toml").write_text(f"[receipts]\nchecks = [{listed}]\n{extra_toml}")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def stop_payload(root: Path, session: str = "s1", event: str = "Stop", active: bool = False) -> dict[str, object]:
    return {"hook_event_name": event, "session_id": session, "cwd": str(root), "stop_hook_active": active,
            "transcript_path": "/dev/null"}  # fmt: skip
