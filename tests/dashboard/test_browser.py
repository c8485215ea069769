"""The dashboard driven by a real headless Chromium: approve a pending action, resolve a ledger break, restore
a snapshot. Screenshots go to tests/artifacts/ (one per test)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from boardkit import Board

from agentguard.ledger import Ledger
from agentguard.ledger.breaks import breaks
from agentguard.ledger.keys import load_key
from agentguard.ledger.paths import LedgerPaths
from agentguard.models import Decision, Verdict
from agentguard.state import Places
from breakkit import broken_ledger

Hook = Callable[..., Decision]


def ledger_events(kind: str) -> list[Any]:
    with Ledger.open(Places.from_env()) as ledger:
        return list(ledger.events(kind=kind))


def test_approve_a_pending_action_in_the_browser(board: Board, hook: Hook, page: Any) -> None:
    assert hook().reasons[0].startswith("approval A-1 pending")
    page.goto(board.url)
    page.click("text=A-1")
    assert page.text_content("#action") == "printenv GITHUB_TOKEN"
    page.fill("input[name=reason]", "the deploy needs it")
    page.click("#approve")
    page.wait_for_selector("#done")
    assert page.text_content("#status") == "approved"
    retry = hook()
    assert retry.verdict == Verdict.ALLOW and retry.reasons[0].endswith("via dashboard (A-1)")
    (decided,) = ledger_events("approval_decided")
    assert decided.payload["how"] == "dashboard" and decided.payload["note"] == "the deploy needs it"
    assert decided.actor.type == "human"


def test_deny_in_the_browser_denies_the_retry(board: Board, hook: Hook, page: Any) -> None:
    hook()
    page.goto(board.url)
    page.goto(f"{board.base}/approvals/A-1")
    page.click("#deny")
    page.wait_for_selector("#done")
    assert page.text_content("#status") == "denied"
    assert hook().reasons[0].startswith("approval A-1 was denied by")


def test_the_live_feed_shows_new_decisions_without_a_reload(board: Board, hook: Hook, page: Any) -> None:
    page.goto(board.url)
    hook("echo first-decision-on-the-feed")
    page.wait_for_selector("text=echo first-decision-on-the-feed")  # the fragment refresh brought it
    page.wait_for_selector("#pending-table >> text=nothing is waiting for you")
    hook()
    page.wait_for_selector("#pending-table >> text=A-1")


def test_resolve_a_break_in_the_browser(board: Board, page: Any) -> None:
    break_id = broken_ledger()
    page.goto(board.url)
    assert page.text_content("#ledger-status") == "broken_declared"
    page.click("text=details")
    page.fill(f"#break-{break_id} input[name=reason]", "I deleted the anchor myself while testing")
    page.click(f"#break-{break_id} button[value=validate]")
    page.wait_for_selector("#done")
    assert page.text_content("#ledger-status") == "ok"
    (resolution,) = ledger_events("chain_break_resolution")
    assert resolution.payload["break_id"] == break_id and resolution.payload["resolution"] == "validated"
    admin = load_key(LedgerPaths.from_places(Places.from_env()).admin_key)
    assert resolution.key_id == admin.key_id, "signed with the admin key, as `ledger resolve` is"
    with Ledger.open(Places.from_env()) as ledger:
        assert [b.status for b in breaks(ledger)] == ["resolved"]


def test_restore_a_snapshot_in_the_browser(board: Board, hook: Hook, page: Any, project: Path) -> None:
    memory = project / ".agentic-qe" / "memory.db"
    before = memory.read_bytes()
    decision = hook("rm .agentic-qe/memory.db")
    assert decision.snapshot is not None, decision.reasons
    memory.unlink()  # what the agent then did
    page.goto(board.url)
    page.goto(f"{board.base}/snapshots")
    page.click(f"text={decision.snapshot}")
    assert "memory.db" in page.text_content("#diff")
    assert not memory.exists(), "the dry-run diff changed nothing"
    page.click("#restore")
    page.wait_for_selector("#done")
    assert memory.read_bytes() == before
    (restored,) = ledger_events("restore")
    assert restored.payload["snapshot"] == decision.snapshot and restored.actor.type == "human"


def test_lgtm_a_plan_in_the_browser(board: Board, page: Any, project: Path) -> None:
    from agentguard.models import Action
    from agentguard.pipeline import Gate
    from agentguard.state import read_mode, write_mode

    places = Places.from_env()
    write_mode(places, "plan", by="alice", reason="plan first")
    (project / "plan.md").write_text("# Fix the greeting\n\n## Files\n- src/app.py\n")
    page.goto(board.url)
    page.goto(f"{board.base}/plan")
    assert str(project / "src" / "app.py") in page.text_content("#plan-scope")
    page.click("#lgtm")
    page.wait_for_selector("#done")
    assert read_mode(places) == "normal" and "approved by" in page.text_content("#grant")
    write = Action.shell("echo fixed > src/app.py", str(project), session_id="s-1")
    assert Gate.from_env().decide(write, project_root=str(project)).verdict == Verdict.ALLOW
    (approved,) = ledger_events("plan_approved")
    assert approved.payload["approved_how"] == "dashboard"
    page.click("#plan-done")
    page.wait_for_selector("#done")
    assert read_mode(places) == "plan" and page.text_content("#grant") == "none"
