"""Which asks wait as approvals: the real hook process, told where it runs the way Claude Code tells it (the
CLAUDE_CODE_ENTRYPOINT it exports, and --permission-prompt-tool on the command line of the claude process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from approvalkit import ASKED, configure

from agentguard.approvals.store import Approvals, db_path
from agentguard.state import Places

HOOK = [sys.executable, "-m", "agentguard", "hook", "claude"]


def hook_answer(project: Path, entrypoint: str | None) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDECODE", "CLAUDE_CODE_", "AGENTGUARD_P"))}
    if entrypoint is not None:
        env["CLAUDE_CODE_ENTRYPOINT"] = entrypoint
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": ASKED},
               "cwd": str(project), "session_id": "s-1", "tool_use_id": "t-1"}  # fmt: skip
    done = subprocess.run(HOOK, input=json.dumps(payload), capture_output=True, text=True, env=env, cwd=project)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)["hookSpecificOutput"]
    return str(answer["permissionDecision"]), str(answer["permissionDecisionReason"])


@pytest.fixture(autouse=True)
def headless_route() -> None:
    configure(route="headless", wait_seconds=0)


def test_claude_p_gets_the_ask_back_with_the_pending_approval(project: Path) -> None:
    """`claude -p` refuses an ask with this reason (a prompt tool, if it was given one, still answers it)."""
    verdict, reason = hook_answer(project, "sdk-cli")
    assert verdict == "ask" and reason.startswith("agentguard: approval A-1 pending: rerun after approval")
    with Approvals.open(Places.from_env().state) as store:
        assert [a.id for a in store.list(open_only=True)] == ["A-1"]


@pytest.mark.parametrize("entrypoint", ["cli", None])
def test_the_terminal_and_unknown_hosts_keep_their_own_prompt(project: Path, entrypoint: str | None) -> None:
    verdict, reason = hook_answer(project, entrypoint)
    assert verdict == "ask" and "approval" not in reason
    assert not os.path.exists(db_path(Places.from_env().state)), "nothing was queued"


def test_a_denied_approval_is_a_deny_for_claude_p(project: Path) -> None:
    from agentguard.approvals.answer import answer

    hook_answer(project, "sdk-cli")
    answer(Places.from_env(), "A-1", grant=False, by="alice", how="cli")
    verdict, reason = hook_answer(project, "sdk-cli")
    assert verdict == "deny" and "approval A-1 was denied by alice" in reason
