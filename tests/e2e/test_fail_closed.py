"""The hook command fails closed where Claude Code runs it: a missing, non-executable, crashing or silent
agentguard blocks the call (exit 2 from the wrapper `init` writes), where a bare command would let it run.

Each case rewires the project's settings to a broken agentguard and runs the incident command through the real
`claude` CLI; the control shows that the same breakage without the wrapper deletes the database."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from claude_cli import Runner
from project_files import MEMORY_DB, MEMORY_ROWS, memory_rows
from test_claude_code import INCIDENT, assert_finished

from agentguard.hosts.claude_settings import fail_closed

pytestmark = pytest.mark.e2e


def wire(project: Path, command: str) -> None:
    """Point both agentguard tool hooks of the project's settings at `command` (the lifecycle hooks keep their
    own wrapper: see tests/receipts/test_wiring.py)."""
    path = project / ".claude" / "settings.json"
    settings = json.loads(path.read_text())
    for event, groups in settings["hooks"].items():
        if event not in ("PreToolUse", "PostToolUse"):
            continue
        for group in groups:
            for hook in group["hooks"]:
                hook["command"] = command
    path.write_text(json.dumps(settings))


def broken(tmp_path: Path, how: str) -> str:
    """An `agentguard` that is missing, not executable, crashes, or says nothing."""
    script = tmp_path / "broken" / "agentguard"
    script.parent.mkdir(exist_ok=True)
    bodies = {"missing": None, "not-executable": "exit 0", "crashes": "exit 1", "silent": "cat >/dev/null"}
    body = bodies[how]
    if body is not None:
        script.write_text(f"#!/bin/sh\n{body}\n")
        mode = 0o644 if how == "not-executable" else 0o755
        os.chmod(script, mode)
    return f"{script} hook claude"


@pytest.mark.parametrize("how", ["missing", "not-executable", "crashes", "silent"])
def test_a_broken_hook_blocks_the_call(runner: Runner, guarded_project: Path, tmp_path: Path, how: str) -> None:
    wire(guarded_project, fail_closed(broken(tmp_path, how)))

    run = runner.run(guarded_project, [INCIDENT])

    assert_finished(run)
    assert memory_rows(guarded_project / MEMORY_DB) == MEMORY_ROWS
    refused = run.tool_result(0)
    assert refused.is_error and "the hook gave no decision" in refused.text and "agentguard doctor" in refused.text


def test_a_hook_that_cannot_start_under_a_memory_limit_blocks_the_call(runner: Runner, guarded_project: Path) -> None:
    """The interpreter cannot even start (address space cut to 10 MB): the wrapper still blocks."""
    wired = json.loads((guarded_project / ".claude" / "settings.json").read_text())
    command = wired["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
    wire(guarded_project, f"ulimit -v 10000; {command}")

    run = runner.run(guarded_project, [INCIDENT])

    assert_finished(run)
    assert memory_rows(guarded_project / MEMORY_DB) == MEMORY_ROWS
    assert run.tool_result(0).is_error and "the hook gave no decision" in run.tool_result(0).text


def test_control_the_same_breakage_without_the_wrapper_lets_the_call_run(
    runner: Runner, guarded_project: Path, tmp_path: Path
) -> None:
    wire(guarded_project, broken(tmp_path, "missing"))

    run = runner.run(guarded_project, [INCIDENT])

    assert_finished(run)
    assert not (guarded_project / MEMORY_DB).exists()


def test_the_wrapper_passes_a_working_hooks_answers_through(runner: Runner, guarded_project: Path) -> None:
    command = json.loads((guarded_project / ".claude" / "settings.json").read_text())
    assert "exit 2" in command["hooks"]["PreToolUse"][0]["hooks"][0]["command"]  # init wrote the wrapper

    run = runner.run(guarded_project, ["ls", INCIDENT])

    assert_finished(run)
    assert not run.tool_result(0).is_error  # {} for an allow: the wrapper does not mistake it for silence
    assert run.tool_result(1).is_error and run.tool_result(1).text.startswith("agentguard:")
    assert memory_rows(guarded_project / MEMORY_DB) == MEMORY_ROWS
