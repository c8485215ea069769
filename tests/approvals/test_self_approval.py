"""The agent can never approve its own request: not with the CLI, not by writing the approvals database, not
from a shell Claude Code started; and `approvals list|show` stay reads it may run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agentguard.approvals.store import db_path
from agentguard.models import Action, Decision, Kind, Verdict
from agentguard.pipeline import Gate
from agentguard.state import Places

Hook = Callable[..., Decision]


@pytest.mark.parametrize(
    "command",
    [
        "agentguard approvals approve A-1",
        "agentguard approvals deny A-1 --reason x",
        ".venv/bin/agentguard approvals approve A-1 --json",
        "python -m agentguard approvals approve A-1",
        "agentguard dashboard",
        "sqlite3 {db} \"UPDATE approvals SET status = 'approved' WHERE number = 1\"",
        "rm {db}",
        "echo '' > {db}",
    ],
)
def test_the_agent_cannot_approve_by_command(hook: Hook, command: str) -> None:
    hook()  # A-1 pending
    decision = hook(command.format(db=db_path(Places.from_env().state)))
    assert decision.verdict == Verdict.DENY, decision.reasons
    assert any(e.kind == Kind.GUARD_TAMPER for e in decision.effects) or any(
        m.rule == "guard-self-protection" for m in decision.matches
    ), decision.matches


def test_the_agent_cannot_write_the_database_with_a_file_tool(project: Path) -> None:
    path = db_path(Places.from_env().state)
    action = Action(tool="Write", cwd=str(project), tool_input={"file_path": path, "content": "x"}, session_id="s")
    decision = Gate.from_env().decide(action, project_root=str(project), before_run=True, can_prompt=False)
    assert decision.verdict == Verdict.DENY
    assert any(m.rule == "guard-self-protection" for m in decision.matches)


@pytest.mark.parametrize("command", ["agentguard approvals list", "agentguard approvals show A-1 --json"])
def test_looking_at_the_queue_is_a_read(hook: Hook, command: str) -> None:
    assert hook(command).verdict == Verdict.ALLOW


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDECODE", "CLAUDE_CODE_"))}
    return subprocess.run(
        [sys.executable, "-m", "agentguard", *args], capture_output=True, text=True, env={**environ, **(env or {})}
    )


def test_the_cli_refuses_to_answer_from_an_agents_shell(hook: Hook) -> None:
    hook()
    refused = cli("approvals", "approve", "A-1", env={"CLAUDECODE": "1"})
    assert refused.returncode != 0 and "answered by a human from their own terminal" in refused.stderr
    listed = json.loads(cli("approvals", "list", "--json").stdout)
    assert [a["status"] for a in listed["approvals"]] == ["pending"]


def test_the_cli_lists_shows_and_approves(hook: Hook) -> None:
    hook()
    listed = cli("approvals", "list")
    assert listed.returncode == 0 and "A-1" in listed.stdout and "printenv GITHUB_TOKEN" in listed.stdout
    shown = json.loads(cli("approvals", "show", "A-1", "--json").stdout)
    assert shown["status"] == "pending" and shown["tool"] == "Bash" and shown["session"] == "s-1"
    approved = json.loads(cli("approvals", "approve", "A-1", "--reason", "ok", "--json").stdout)
    assert approved["status"] == "approved" and approved["decided_how"] == "cli" and approved["note"] == "ok"
    assert hook().verdict == Verdict.ALLOW
    assert "no pending approvals" in cli("approvals", "list").stdout
    again = cli("approvals", "approve", "A-1")
    assert again.returncode != 0 and "A-1 is used, not pending" in again.stderr


def test_doctor_is_honest_about_who_can_answer(hook: Hook) -> None:
    from agentguard.approvals.doctor import check

    hook()
    user_mode = check(Places.from_env(), protected=False)
    assert user_mode["warn"] and "1 pending" in user_mode["detail"]
    assert "only the gate (guard.tamper) keeps a same-user agent" in user_mode["detail"]
    protected = check(Places.from_env(), protected=True)
    assert not protected.get("warn") and "only root answers" in protected["detail"]
