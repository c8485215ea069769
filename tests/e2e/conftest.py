"""Fixtures for the end-to-end tests: the real `claude` CLI, a temp git project, agentguard's hooks.

Scenarios take `runner` and a project (`git_project` bare, `guarded_project` after `agentguard init --claude`)
and call `runner.run(project, [commands…])`; see claude_cli.py for what a run gives back.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from claude_cli import Runner, find_claude
from project_files import make_git_project


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    found = find_claude()
    if found is None:
        reason = "the claude CLI is not installed: run scripts/install-test-deps.sh (or set CLAUDE_BIN)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):  # CI must run them, never skip
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture
def runner(claude_bin: Path, tmp_path: Path, agentguard_home: Path) -> Runner:
    home = tmp_path / "home"  # the CLI's own HOME, so a user's ~/.claude (settings, hooks, login) is not used
    home.mkdir()
    return Runner(claude=claude_bin, home=home, agentguard_home=agentguard_home)


@pytest.fixture
def git_project(tmp_path: Path) -> Path:
    """The incident's project: a real SQLite memory database next to the code, and uncommitted work."""
    return make_git_project(tmp_path / "project")


@pytest.fixture
def guarded_project(git_project: Path, runner: Runner) -> Path:
    """The same project after `agentguard init --claude` (the real console script)."""
    runner.agentguard(git_project, "init", "--claude")
    assert (git_project / ".claude" / "settings.json").is_file()
    return git_project
