"""Where the pipeline hands an ask to the approvals queue (only an enforced ask: a deny is never approvable).

    a grant for this exact action exists  → used once, and the ask becomes an allow naming who approved it
    a headless run (or route=always)       → a pending request, a notification, a short wait for an answer,
                                             then "approval A-17 pending: rerun after approval"
    otherwise                              → the ask goes to the host's own prompt, as before

A pending request stays an ask: `claude -p` refuses it with that reason (the agent is told to rerun), while a
prompt tool (`--permission-prompt-tool`, the SDK's canUseTool), which the hook cannot see, still gets it. A
request a human denied is a deny.

Fail closed: any error here keeps the ask (which headless hosts turn into a denial), with the reason.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from agentguard.approvals.binding import action_hash
from agentguard.approvals.model import Approval, Status
from agentguard.models import Action, Decision, Verdict

if TYPE_CHECKING:
    from agentguard.approvals.settings import ApprovalSettings
    from agentguard.state import Places

POLL_SECONDS = 0.25


REVIEW_GATE = "review-gate"  # receipts.ship_gate.RULE (not imported: the hook path stays light)


def settle(places: Places, action: Action, decision: Decision, policy_digest: str, *, can_prompt: bool) -> Decision:
    if decision.verdict != Verdict.ASK or not decision.enforced:
        return decision
    if any(m.rule == REVIEW_GATE for m in decision.matches):
        # A change to review is approved by its diff's hash (`agentguard review approve sha256:…`, signed with the
        # admin key, what the git hooks check too), not by a grant for this command: a queue grant would let
        # the same command ship a different diff. Its ask already says how to approve; the human is told.
        from agentguard.notify import tell_review

        tell_review(places, action, next(m.reason for m in decision.matches if m.rule == REVIEW_GATE))
        return decision
    try:
        return _settle(places, action, decision, policy_digest, can_prompt)
    except Exception as exc:
        why = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return replace(decision, reasons=(*decision.reasons, f"the approvals queue failed ({why})"))


def _settle(places: Places, action: Action, decision: Decision, digest: str, can_prompt: bool) -> Decision:
    from agentguard.approvals.settings import load
    from agentguard.approvals.store import Approvals, db_path

    key = action_hash(action, digest)
    settings = load(places)
    if not settings.applies(can_prompt) and not os.path.exists(db_path(places.state)):
        return decision  # nothing queued, nothing granted: no database to make
    with Approvals.open(places.state) as store:
        used = store.use_grant(key)
        if used is None and not settings.applies(can_prompt):
            return decision
        if used is None:
            pending, new = store.request(_fields(action, decision, digest, key), settings.request_minutes * 60)
    if used is not None:
        return _granted(places, action, decision, used)
    if new:
        _record(places, action, "approval_requested", pending)
        from agentguard.notify import approval_message, spawn

        spawn(places, *approval_message(places, pending))
    return _wait(places, action, decision, pending, settings)


def _wait(
    places: Places, action: Action, decision: Decision, pending: Approval, settings: ApprovalSettings
) -> Decision:
    """Poll for a human's answer for at most `wait_seconds` (a hook must answer; the agent can retry)."""
    from agentguard.approvals.store import Approvals

    deadline = time.monotonic() + settings.wait_seconds
    while True:
        with Approvals.open(places.state) as store:
            used = store.use_grant(pending.action_hash)
            current = store.get(pending.number) if used is None else used
        if used is not None:
            return _granted(places, action, decision, used)
        if current.live_status() != Status.PENDING:
            return _refused(decision, current)
        if time.monotonic() >= deadline:
            return _refused(decision, current)
        time.sleep(POLL_SECONDS)


def _granted(places: Places, action: Action, decision: Decision, used: Approval) -> Decision:
    """The grant is used: recorded first (an approval that cannot be recorded does not allow anything)."""
    _record(places, action, "approval_used", used)
    how = f"approved by {used.decided_by} via {used.decided_how} ({used.id})"
    return replace(decision, verdict=Verdict.ALLOW, reasons=(how, *decision.reasons))


def _refused(decision: Decision, current: Approval) -> Decision:
    status = current.live_status()
    if status == Status.DENIED:
        why = f"approval {current.id} was denied by {current.decided_by}" + (
            f": {current.note}" if current.note else "")  # fmt: skip
        return replace(decision, verdict=Verdict.DENY, reasons=(why, *decision.reasons))
    if status == Status.PENDING:
        why = f"approval {current.id} pending: rerun after approval (a human answers it in their terminal or dashboard)"
    else:
        why = f"approval {current.id} is {status}: ask again"
    return replace(decision, reasons=(why, *decision.reasons))


def _fields(action: Action, decision: Decision, digest: str, key: str) -> dict[str, Any]:
    said = action.tool_input.get("description")
    return {
        "action_hash": key,
        "tool": action.tool,
        "action": action.describe(),
        "cwd": action.cwd,
        "session": action.session_id or "",
        "policy": digest,
        "effects": [e.to_json() for e in decision.effects],
        "reasons": list(decision.reasons),
        "snapshot": decision.snapshot,
        "agent_reason": said if isinstance(said, str) else None,
    }


def _record(places: Places, action: Action, kind: str, approval: Approval) -> None:
    from agentguard.approvals.records import record_approval
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import agent_of

    with Ledger.open(places, declare_breaks=True) as ledger:
        record_approval(ledger, kind, approval, agent_of(action))
