"""What agentguard records, as ledger events: one function per kind, so every writer says it the same way.

    decision          a gate decision (and the snapshot taken before it), actor = the agent session
    policy_change     the merged policy's digest changed since the last one recorded (recorded before a decision)
    outcome           what happened after an allowed call (Claude Code's PostToolUse)
    mode_change       a human set the mode
    snapshot          a snapshot taken by hand;  restore: a snapshot put back, with its checks
    receipt, receipt_waived, review_approved, data_state, migration: issue 14, at the end of this file
No floats anywhere (the canonical JSON refuses them): sizes are integers, durations milliseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from agentguard.ledger.event import Actor, Event

if TYPE_CHECKING:
    from agentguard.ledger.keys import KeyPair
    from agentguard.ledger.ledger import Ledger
    from agentguard.models import Action, Decision
    from agentguard.snapshots.model import Snapshot
    from agentguard.snapshots.restore import RestoreReport


def decision_payload(action: Action, decision: Decision) -> dict[str, Any]:
    payload = decision.to_json()
    payload.pop("message_type", None)
    payload.update(
        tool=action.tool,
        action=action.describe(),
        cwd=action.cwd,
        host=action.host,
        session_id=action.session_id,
        tool_use_id=action.tool_use_id,
    )
    return payload


def agent_of(action: Action) -> Actor:
    return Actor.agent(action.session_id or f"{action.host}:no-session")


def record_decision(ledger: Ledger, action: Action, decision: Decision, *, policy: tuple[str, ...] = ()) -> Event:
    """The decision; first a policy_change event when the policy (digest, then its source files) is new."""
    if policy:
        digest, *sources = policy
        last = ledger.last(1, "policy_change")
        if not last or last[0].payload.get("digest") != digest:
            ledger.append("policy_change", Actor.system(), {"digest": digest, "sources": list(sources)})
    return ledger.append("decision", agent_of(action), decision_payload(action, decision))


def record_outcome(ledger: Ledger, hook: Mapping[str, Any]) -> Event:
    """After the host ran an allowed call: which call, and whether it was interrupted."""
    response = hook.get("tool_response")
    payload = {
        "tool": str(hook.get("tool_name") or ""),
        "session_id": hook.get("session_id"),
        "tool_use_id": hook.get("tool_use_id"),
        "interrupted": response.get("interrupted") if isinstance(response, dict) else None,
    }
    session = str(hook.get("session_id") or "claude:no-session")
    return ledger.append("outcome", Actor.agent(session), payload)


def record_mode(ledger: Ledger, record: Mapping[str, str]) -> Event:
    return ledger.append("mode_change", Actor.human(record.get("set_by") or "unknown"), dict(record))


def record_snapshot(ledger: Ledger, snapshot: Snapshot, actor: Actor) -> Event:
    summary = snapshot.summary()
    summary["milliseconds"] = round(summary.pop("seconds") * 1000)
    summary["origin"] = dict(snapshot.origin)
    return ledger.append("snapshot", actor, summary)


def record_restore(ledger: Ledger, report: RestoreReport, by: str) -> Event:
    payload = report.to_json()
    payload.pop("message_type", None)
    changes = payload.pop("changes")
    payload["changed"] = sum(1 for c in changes if c["action"] != "unchanged")
    payload["changes"] = [c for c in changes if c["action"] != "unchanged"][:50]  # the rest: `snapshots show`
    return ledger.append("restore", Actor.human(by), payload)


# Issue 14's kinds (agentguard.receipts): each payload is built by its own module; these only name the actor.
#   receipt          the project's checks on one exact tree (commands, exit codes, output digests, duration)
#   receipt_waived   a human let the agent stop on a tree whose checks fail
#   review_approved  a human approved a change (bound to its diff hash) for shipping
#   data_state       row counts and digests of protected databases, and what looked like a wipe or fakes
#   migration        a migration run under `agentguard migrate`, its checks, and whether it was rolled back
def record_receipt(ledger: Ledger, payload: Mapping[str, Any], actor: Actor) -> Event:
    return ledger.append("receipt", actor, dict(payload))


def record_human(ledger: Ledger, kind: str, payload: Mapping[str, Any], by: str) -> Event:
    """receipt_waived: what only a human does (the gate denies the command to the agent)."""
    return ledger.append(kind, Actor.human(by), dict(payload))


def record_review_approved(ledger: Ledger, payload: Mapping[str, Any], by: str, admin: KeyPair | None) -> Event:
    """Signed with the ADMIN key, like a break's resolution: the agent's key cannot forge an approval."""
    from agentguard.ledger.keyring import REVIEW_APPROVED

    return ledger._append(REVIEW_APPROVED, Actor.human(by), dict(payload), ledger._admin_signer(admin))


def record_data_state(ledger: Ledger, payload: Mapping[str, Any], actor: Actor) -> Event:
    return ledger.append("data_state", actor, dict(payload))


def record_migration(ledger: Ledger, payload: Mapping[str, Any], actor: Actor) -> Event:
    return ledger.append("migration", actor, dict(payload))
