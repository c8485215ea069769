"""Approval events in the ledger: requested and used (actor: the agent session), approved or denied (actor:
the human who answered, and how). The action hash binds each event to the exact action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentguard.approvals.model import Approval

if TYPE_CHECKING:
    from agentguard.ledger.event import Actor, Event
    from agentguard.ledger.ledger import Ledger

KINDS = ("approval_requested", "approval_decided", "approval_used")


def record_approval(ledger: Ledger, kind: str, approval: Approval, actor: Actor) -> Event:
    if kind not in KINDS:
        raise ValueError(f"unknown approval event {kind!r}")
    payload: dict[str, object] = {
        "approval": approval.id,
        "status": str(approval.status),
        "action_hash": approval.action_hash,
        "tool": approval.tool,
        "action": approval.action,
        "cwd": approval.cwd,
        "session": approval.session,
        "policy": approval.policy,
        "snapshot": approval.snapshot,
        "expires": round(approval.expires),
    }
    if kind == "approval_decided":
        payload.update(by=approval.decided_by, how=approval.decided_how, note=approval.note,
                       at=round(approval.decided_at or 0))  # fmt: skip
    if kind == "approval_requested":
        payload.update(reasons=list(approval.reasons), agent_reason=approval.agent_reason)
    return ledger.append(kind, actor, payload)
