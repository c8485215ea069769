"""Plan first, execute after LGTM: the approved plan is compiled into a grant (the paths it names may be
written, the commands it lists may run, anything else asks); its hash is in the ledger; it ends when done."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentguard.ledger import Ledger
from agentguard.models import Action, Decision, Verdict
from agentguard.pipeline import Gate
from agentguard.plans.grant import active
from agentguard.state import Places, read_mode, write_mode

PLAN = """# Plan: tidy the app

Why: the greeting is wrong.

## Files
- `src/app.py` (the entry point)
- src/utils/

## Commands
- `npm install left-pad`
"""


def decide(project: Path, command: str) -> Decision:
    action = Action.shell(command, str(project), session_id="s-1", host="claude")
    return Gate.from_env().decide(action, project_root=str(project), before_run=True)


def agentguard(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDECODE", "CLAUDE_CODE_"))}
    return subprocess.run([sys.executable, "-m", "agentguard", *args], cwd=project, capture_output=True, text=True,
                          env=env)  # fmt: skip


@pytest.fixture
def planned(project: Path) -> Path:
    """Plan mode, and the plan the agent wrote in it."""
    write_mode(Places.from_env(), "plan", by="alice", reason="plan first")
    assert decide(project, "echo x > src/app.py").verdict == Verdict.DENY, "plan mode: only the plan"
    assert decide(project, "echo plan > plan.md").verdict == Verdict.ALLOW
    (project / "plan.md").write_text(PLAN)
    return project


def approve(project: Path) -> dict[str, object]:
    done = agentguard(project, "plan", "approve", "--json")
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_an_approved_plan_grants_its_paths_and_commands_and_nothing_else(planned: Path) -> None:
    grant = approve(planned)
    assert read_mode(Places.from_env()) == "normal"
    assert grant["files"] == [str(planned / "src" / "app.py"), str(planned / "src" / "utils") + "/"]
    assert decide(planned, "echo fixed > src/app.py").verdict == Verdict.ALLOW
    assert decide(planned, "mkdir -p src/utils && echo y > src/utils/new.py").verdict == Verdict.ALLOW
    assert decide(planned, "npm install left-pad").verdict == Verdict.ALLOW, "a listed command"
    outside = decide(planned, "echo changed > notes.txt")
    assert outside.verdict == Verdict.ASK and "outside the approved plan plan.md" in outside.reasons[-1]
    assert decide(planned, "npm install lodash").verdict == Verdict.ASK, "a command the plan does not list"
    assert decide(planned, "ls src").verdict == Verdict.ALLOW, "reading is never outside a plan"


def test_a_grant_never_loosens_the_policy(planned: Path) -> None:
    (planned / "plan.md").write_text(PLAN + "- `rm -rf /`\n")
    approve(planned)
    assert decide(planned, "rm -rf /").verdict == Verdict.DENY


def test_the_plans_hash_is_in_the_ledger(planned: Path) -> None:
    approve(planned)
    with Ledger.open(Places.from_env()) as ledger:
        (event,) = ledger.events(kind="plan_approved")
    assert event.payload["sha256"] == hashlib.sha256(PLAN.encode()).hexdigest()
    assert event.actor.type == "human" and event.payload["approved_how"] == "cli"


def test_editing_the_plan_after_approval_widens_nothing(planned: Path) -> None:
    approve(planned)
    (planned / "plan.md").write_text(PLAN.replace("- src/utils/", "- src/utils/\n- notes.txt"))
    assert decide(planned, "echo changed > notes.txt").verdict == Verdict.ASK, "only what was approved"


def test_done_ends_the_grant_and_returns_to_plan_mode(planned: Path) -> None:
    approve(planned)
    done = agentguard(planned, "plan", "done")
    assert done.returncode == 0, done.stderr
    assert active(Places.from_env()) is None and read_mode(Places.from_env()) == "plan"
    assert decide(planned, "echo fixed > src/app.py").verdict == Verdict.DENY
    with Ledger.open(Places.from_env()) as ledger:
        assert [e.payload["sha256"] for e in ledger.events(kind="plan_done")] == [
            hashlib.sha256(PLAN.encode()).hexdigest()
        ]


def test_a_new_plan_replaces_the_grant(planned: Path) -> None:
    approve(planned)
    (planned / "plan.md").write_text("## Files\n- notes.txt\n")
    approve(planned)
    assert decide(planned, "echo changed > notes.txt").verdict == Verdict.ALLOW
    assert decide(planned, "echo fixed > src/app.py").verdict == Verdict.ASK


@pytest.mark.parametrize("command", ["agentguard plan approve", "agentguard plan done", "echo {{}} > {grant}"])
def test_the_agent_cannot_approve_its_own_plan(planned: Path, command: str) -> None:
    grant = os.path.join(Places.from_env().state, "plan-grant.json")
    decision = decide(planned, command.format(grant=grant))
    assert decision.verdict == Verdict.DENY, decision.reasons


def test_showing_the_plan_is_a_read(planned: Path) -> None:
    assert decide(planned, "agentguard plan show").verdict == Verdict.ALLOW
    shown = json.loads(agentguard(planned, "plan", "show", "--json").stdout)
    assert shown["commands"] == ["npm install left-pad"] and shown["grant"] is None


def test_an_unreadable_grant_fails_closed(planned: Path) -> None:
    approve(planned)
    Path(Places.from_env().state, "plan-grant.json").write_text("{not json")
    decision = decide(planned, "echo fixed > src/app.py")
    assert decision.verdict == Verdict.DENY and "cannot read the plan grant" in decision.reasons[0]
