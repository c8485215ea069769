"""`agentguard init --claude` merges into settings.json without clobbering, and is idempotent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

AGENTGUARD = os.path.join(os.path.dirname(sys.executable), "agentguard")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AGENTGUARD, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def test_init_creates_hooks(project: Path) -> None:
    done = run("init", "--claude", "--json", cwd=project)
    assert done.returncode == 0, done.stderr
    settings = json.loads((project / ".claude" / "settings.json").read_text())
    for event in ("PreToolUse", "PostToolUse"):
        (group,) = settings["hooks"][event]
        assert group["matcher"] == "Bash|Write|Edit|MultiEdit|NotebookEdit"
        command = group["hooks"][0]["command"]
        assert "agentguard hook claude)" in command and command.endswith("exit 2; }")  # fail-closed wrapper
        assert os.path.isabs(command.removeprefix("o=$(").split()[0])  # this venv's agentguard is not on PATH


def test_init_keeps_existing_settings_and_is_idempotent(project: Path) -> None:
    existing = {
        "permissions": {"allow": ["Bash(npm test)"]},
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "other-hook"}]}]},
    }
    path = project / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(existing))
    assert json.loads(run("init", "--claude", "--json", cwd=project).stdout)["changed"] is True
    first = path.read_text()
    assert json.loads(run("init", "--claude", "--json", cwd=project).stdout)["changed"] is False
    assert path.read_text() == first
    settings = json.loads(first)
    assert settings["permissions"] == existing["permissions"]
    commands = [h["command"] for g in settings["hooks"]["PreToolUse"] for h in g["hooks"]]
    assert commands[0] == "other-hook" and len(commands) == 2


def test_init_refuses_invalid_json(project: Path) -> None:
    path = project / ".claude" / "settings.json"
    path.parent.mkdir()
    path.write_text("{oops")
    done = run("init", "--claude", cwd=project)
    assert done.returncode != 0 and "not valid JSON" in done.stderr
    assert path.read_text() == "{oops"


def test_doctor_reports_missing_then_working_wiring(project: Path) -> None:
    before = run("doctor", "--json", cwd=project)
    assert before.returncode == 1
    run("init", "--claude", cwd=project)
    after = run("doctor", "--json", cwd=project)
    report = json.loads(after.stdout)
    assert after.returncode == 0, report
    assert {c["name"] for c in report["checks"]} >= {"claude PreToolUse hook", "hook answers 'rm -rf /'"}
