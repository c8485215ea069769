"""The real `claude` CLI, headless, with agentguard's hooks from `agentguard init --claude`.

The model is a scripted Messages API on 127.0.0.1 that asks for one Bash call per scripted command, so what
Claude Code does with each call (run it, refuse it, ask about it) is decided by Claude Code and the hooks alone.
The unguarded scenario at the end is the control: without the hooks the same call deletes the database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from claude_cli import ClaudeRun, Runner
from permission_prompt import DENY_MESSAGE
from project_files import APP, APP_CHANGED, MEMORY_DB, MEMORY_ROWS, memory_rows
from scripted_api import FINAL_TEXT

pytestmark = pytest.mark.e2e

INCIDENT = "rm -f .agentic-qe/*.db"
ASKS = [
    pytest.param("rm -rf src", id="recursive-delete"),
    pytest.param("git reset --hard", id="git-reset-hard"),
]


def assert_finished(run: ClaudeRun) -> None:
    """The CLI got through the whole script and ended on the final text turn."""
    assert run.returncode == 0, run.describe()
    assert run.result.get("type") == "result" and run.result.get("is_error") is False, run.describe()
    assert run.result.get("result") == FINAL_TEXT, run.describe()


def assert_work_intact(project: Path) -> None:
    assert (project / APP).read_text() == APP_CHANGED
    assert memory_rows(project / MEMORY_DB) == MEMORY_ROWS


def test_hooks_keep_the_memory_db_from_the_incident_command(runner: Runner, guarded_project: Path) -> None:
    run = runner.run(guarded_project, [INCIDENT])

    assert_finished(run)
    assert memory_rows(guarded_project / MEMORY_DB) == MEMORY_ROWS
    refused = run.tool_result(0)
    assert refused.is_error
    assert refused.text.startswith("agentguard:") and ".agentic-qe/memory.db" in refused.text
    assert run.denied_steps() == {0}
    # The ledger verifies and shows the blocked rm, signed, with the session that proposed it.
    verified = json.loads(runner.agentguard(guarded_project, "ledger", "verify", "--json").stdout)
    assert verified["ok"] is True
    listed = runner.agentguard(guarded_project, "ledger", "list", "--json", "--kind", "decision").stdout
    decisions = [json.loads(line)["payload"] for line in listed.splitlines()]
    assert [(d["action"], d["verdict"]) for d in decisions] == [(INCIDENT, "ask")]
    assert decisions[0]["session_id"] and decisions[0]["tool_use_id"] == "toolu_e2e_00"


def test_hooks_let_a_benign_ls_run(runner: Runner, guarded_project: Path) -> None:
    run = runner.run(guarded_project, ["ls"])

    assert_finished(run)
    listed = run.tool_result(0)
    assert not listed.is_error
    assert {"notes.txt", "src"} <= set(listed.text.split())
    assert run.denied_steps() == set()


@pytest.mark.parametrize("command", ASKS)
def test_an_ask_without_a_prompt_is_refused_with_agentguards_reason(
    runner: Runner, guarded_project: Path, command: str
) -> None:
    run = runner.run(guarded_project, [command])

    assert_finished(run)
    assert run.denied_steps() == {0}
    assert run.tool_result(0).is_error and run.tool_result(0).text.startswith("agentguard:")
    assert_work_intact(guarded_project)


@pytest.mark.parametrize("command", ASKS)
def test_an_ask_reaches_claude_code_as_a_permission_request(
    runner: Runner, guarded_project: Path, command: str
) -> None:
    run = runner.run(guarded_project, [command], human="deny")

    assert_finished(run)
    assert run.asked_commands() == [command]  # Claude Code put the call to its permission prompt
    assert run.tool_result(0).text == DENY_MESSAGE  # and the human's answer is what the model saw
    assert run.denied_steps() == {0}
    assert_work_intact(guarded_project)


def test_a_deny_does_not_reach_the_permission_prompt(runner: Runner, guarded_project: Path) -> None:
    """The control for the ask tests: a deny is final, so an ask that came through as deny would fail them."""
    runner.agentguard(guarded_project, "mode", "freeze")

    run = runner.run(guarded_project, ["rm -rf src"], human="allow")

    assert_finished(run)
    assert run.asked_commands() == []
    assert "[mode:freeze]" in run.tool_result(0).text
    assert_work_intact(guarded_project)


def test_an_approved_ask_runs(runner: Runner, guarded_project: Path) -> None:
    run = runner.run(guarded_project, ["rm -rf src"], human="allow")

    assert_finished(run)
    assert run.asked_commands() == ["rm -rf src"]
    assert not run.tool_result(0).is_error
    assert not (guarded_project / "src").exists()


def test_without_the_hooks_the_incident_command_deletes_the_memory_db(runner: Runner, git_project: Path) -> None:
    """The control: the same scenario with no `agentguard init`, so the guarded test above can fail."""
    run = runner.run(git_project, [INCIDENT])

    assert_finished(run)
    assert not run.tool_result(0).is_error
    assert not (git_project / MEMORY_DB).exists()
    assert run.denied_steps() == set()
