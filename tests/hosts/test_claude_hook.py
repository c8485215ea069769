"""The real `agentguard hook claude` process, fed Claude Code's hook JSON: answers, and fails closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentguard.ledger import Ledger
from agentguard.state import Places

HOOK = [os.path.join(os.path.dirname(sys.executable), "agentguard"), "hook", "claude"]


def run_hook(payload: object, cwd: Path) -> tuple[int, dict[str, object]]:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    done = subprocess.run(HOOK, input=raw, capture_output=True, text=True, cwd=cwd, timeout=60, check=False)
    return done.returncode, (json.loads(done.stdout) if done.stdout.strip() else {})


def bash(command: str, cwd: Path) -> dict[str, object]:
    return {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
            "cwd": str(cwd), "session_id": "s1", "tool_use_id": "t1"}  # fmt: skip


def decision_of(answer: dict[str, object]) -> str:
    inner = answer.get("hookSpecificOutput")
    assert isinstance(inner, dict) or answer == {}
    return str(inner["permissionDecision"]) if isinstance(inner, dict) else "allow"


def test_incident_is_answered_in_hook_specific_output(project: Path) -> None:
    code, answer = run_hook(bash("rm -f .agentic-qe/*.db", project), project)
    assert code == 0
    inner = answer["hookSpecificOutput"]
    assert isinstance(inner, dict)
    assert inner["hookEventName"] == "PreToolUse"
    assert inner["permissionDecision"] == "ask"
    assert "memory.db" in str(inner["permissionDecisionReason"])


def test_allow_says_nothing_so_claude_code_permissions_still_apply(project: Path) -> None:
    assert run_hook(bash("ls", project), project) == (0, {})


def test_deny_carries_the_reason(project: Path) -> None:
    code, answer = run_hook(bash("rm -rf /", project), project)
    assert code == 0 and decision_of(answer) == "deny"
    assert "catastrophic" in json.dumps(answer) or "destroy the system" in json.dumps(answer)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param("not json", id="garbage"),
        pytest.param("[1, 2]", id="not-an-object"),
        pytest.param({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {}}, id="no-command"),
        pytest.param({"hook_event_name": "PreToolUse", "tool_input": {"command": "ls"}}, id="no-tool-name"),
    ],
)
def test_malformed_input_is_denied_not_crashed(payload: object, project: Path) -> None:
    code, answer = run_hook(payload, project)
    assert code == 0
    assert decision_of(answer) == "deny"
    assert "could not decide" in json.dumps(answer)


def test_broken_policy_fails_closed(project: Path) -> None:
    (project / "agentguard.toml").write_text("[[rule]]\nid = 'x'\nverdict = 'maybe'\nkinds = ['read']\n")
    code, answer = run_hook(bash("ls", project), project)
    assert code == 0 and decision_of(answer) == "deny"
    assert "agentguard.toml" in json.dumps(answer)


def test_unreadable_mode_file_fails_closed(project: Path, agentguard_home: Path) -> None:
    (agentguard_home / "state").mkdir(parents=True)
    (agentguard_home / "state" / "mode.json").write_text("{broken")
    code, answer = run_hook(bash("ls", project), project)
    assert code == 0 and decision_of(answer) == "deny"


def test_write_tool_over_protected_file(project: Path) -> None:
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Write", "cwd": str(project),
               "tool_input": {"file_path": str(project / ".env"), "content": "X=1"}}  # fmt: skip
    assert decision_of(run_hook(payload, project)[1]) == "ask"
    payload["tool_input"] = {"file_path": str(project / ".claude" / "settings.json"), "content": "{}"}
    assert decision_of(run_hook(payload, project)[1]) == "deny"
    payload["tool_input"] = {"file_path": str(project / "src" / "app.py"), "content": "print(1)"}
    assert decision_of(run_hook(payload, project)[1]) == "allow"


def test_post_tool_use_is_recorded(project: Path, agentguard_home: Path) -> None:
    payload = {"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"},
               "tool_response": {"stdout": "x", "interrupted": False}, "session_id": "s1",
               "tool_use_id": "t9", "cwd": str(project)}  # fmt: skip
    assert run_hook(payload, project) == (0, {})
    with Ledger.open(Places.from_env(), readonly=True) as ledger:
        outcome = ledger.last(1, "outcome")[0]
    assert outcome.payload["tool_use_id"] == "t9" and outcome.actor.id == "s1"


def test_every_decision_is_recorded_after_the_policy_it_used(project: Path) -> None:
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "rm -rf /"},
               "session_id": "s1", "tool_use_id": "t1", "cwd": str(project)}  # fmt: skip
    run_hook(payload, project)
    payload["tool_input"] = {"command": "ls"}
    run_hook(payload, project)
    with Ledger.open(Places.from_env(), readonly=True) as ledger:
        kinds = [e.kind for e in ledger.events()]
        decisions = ledger.last(2, "decision")
    assert kinds[-3:] == ["policy_change", "decision", "decision"]  # the policy once, while it stays the same
    assert [d.payload["verdict"] for d in decisions] == ["deny", "allow"]
    assert decisions[0].payload["action"] == "rm -rf /" and decisions[0].payload["tool_use_id"] == "t1"


def test_a_decision_the_ledger_cannot_take_is_not_allowed(project: Path, agentguard_home: Path) -> None:
    (agentguard_home / "state").mkdir(parents=True, exist_ok=True)
    (agentguard_home / "state" / "ledger").write_text("not a directory")  # the ledger cannot be opened
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"},
               "cwd": str(project)}  # fmt: skip
    answer = run_hook(payload, project)[1]["hookSpecificOutput"]
    assert answer["permissionDecision"] == "ask" and "NOT recorded" in answer["permissionDecisionReason"]
