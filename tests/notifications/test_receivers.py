"""Notifications reach real receivers on loopback (SMTP and an HTTP webhook): an ask waiting for a human, a
denial in freeze, a restore and a ledger break, each saying what happened and how to act."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from receiverkit import Inbox

from agentguard.models import Action, Decision, Verdict
from agentguard.notify import send
from agentguard.pipeline import Gate
from agentguard.state import Places, write_mode
from breakkit import broken_ledger


def hook(project: Path, command: str) -> Decision:
    action = Action.shell(command, str(project), session_id="s-1", host="claude")
    return Gate.from_env().decide(action, project_root=str(project), before_run=True, can_prompt=False)


def agentguard(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDECODE", "CLAUDE_CODE_"))}
    return subprocess.run([sys.executable, "-m", "agentguard", *args], capture_output=True, text=True, env=env)


def test_a_pending_approval_is_sent_with_the_way_to_answer_it(receivers: tuple[Inbox, Inbox], project: Path) -> None:
    mail, hooks = receivers
    assert hook(project, "printenv GITHUB_TOKEN").reasons[0].startswith("approval A-1 pending")
    got = mail.wait("approval A-1 waiting for you")
    assert "printenv GITHUB_TOKEN" in got.body and "agentguard approvals approve A-1" in got.body
    assert "http://127.0.0.1:8765/approvals/A-1" in got.body
    posted = hooks.wait("approval A-1 waiting for you")
    assert posted["title"] == "agentguard: approval A-1 waiting for you" and "printenv" in posted["message"]


def test_a_denial_in_freeze_is_sent(receivers: tuple[Inbox, Inbox], project: Path) -> None:
    mail, hooks = receivers
    write_mode(Places.from_env(), "freeze", by="alice", reason="release")
    assert hook(project, "echo changed > notes.txt").verdict == Verdict.DENY
    got = mail.wait("denied in freeze")
    assert "echo changed > notes.txt" in got.body and "code freeze" in got.body
    assert "echo changed" in hooks.wait("denied in freeze")["message"]


def test_a_restore_is_sent(receivers: tuple[Inbox, Inbox], project: Path) -> None:
    mail, hooks = receivers
    snapshot = hook(project, "rm .agentic-qe/memory.db").snapshot
    assert snapshot is not None
    (project / ".agentic-qe" / "memory.db").unlink()
    done = agentguard("restore", snapshot)
    assert done.returncode == 0, done.stderr
    got = mail.wait(f"snapshot {snapshot} restored")
    assert "memory.db" in got.body and "create" in got.body
    hooks.wait(f"snapshot {snapshot} restored")


def test_a_ledger_break_is_sent_with_the_resolve_command(receivers: tuple[Inbox, Inbox]) -> None:
    mail, hooks = receivers
    broken_ledger()
    synced = agentguard("ledger", "sync")
    assert synced.returncode in (0, 1), synced.stderr
    got = mail.wait("ledger break")
    assert "agentguard ledger resolve" in got.body
    hooks.wait("ledger break")


def test_nothing_is_sent_when_no_url_is_configured(project: Path) -> None:
    assert send(Places.from_env(), "title", "body") is None


def test_a_change_waiting_for_review_is_sent_once(receivers: tuple[Inbox, Inbox], project: Path) -> None:
    """A push of a change nobody reviewed asks, and the human hears of it, with where to review it; the agent
    retrying the push does not send it again."""

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)

    mail, hooks = receivers
    git("init", "-q", "-b", "main")
    (project / "big.py").write_text("".join(f"x{i} = {i}\n" for i in range(400)))
    git("add", "big.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "a big change")
    for _ in range(2):
        assert hook(project, "git push origin main").verdict == Verdict.ASK
    got = mail.wait("a change waits for your review")
    assert "git push origin main" in got.body and "changed lines > 300" in got.body
    assert "http://127.0.0.1:8765/review" in got.body
    hooks.wait("a change waits for your review")
    assert len(list((Path(Places.from_env().state) / "notified").iterdir())) == 1
