"""Shared fixtures: every test gets its own AGENTGUARD_HOME, so no test touches a real user's state."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from agentguard.models import Action, Decision
from agentguard.pipeline import Gate


@pytest.fixture(autouse=True)
def agentguard_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("agentguard-home")
    monkeypatch.setenv("AGENTGUARD_HOME", str(home))
    monkeypatch.delenv("CLAUDE_PROJECT_DIR", raising=False)
    return home


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git project with the agentic-qe memory database of the incident."""
    root = tmp_path / "project"
    (root / ".agentic-qe").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".agentic-qe" / "memory.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 2048)
    (root / ".agentic-qe" / "patterns.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "node_modules").mkdir()
    (root / "notes.txt").write_text("notes\n")
    return root


@pytest.fixture
def decide(project: Path):  # type: ignore[no-untyped-def]
    gate = Gate.from_env()

    def run(command: str, cwd: Path | None = None) -> Decision:
        return gate.decide(Action.shell(command, str(cwd or project)), project_root=str(project))

    return run


def fake_home(tmp_path: Path) -> str:
    return os.fspath(tmp_path)
