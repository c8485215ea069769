"""What the hook records: a gate decision as a ledger event (for the integrator to wire into the hook).

    record_decision(ledger, action, decision)   # kind "decision", actor = the agent session

The payload is the decision's own JSON (verdict, mode, reasons, effects, matched rules, would_be in shadow
mode) plus what was proposed: tool, command or file, cwd, host, session id and tool use id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentguard.ledger.event import Actor, Event

if TYPE_CHECKING:
    from agentguard.ledger.ledger import Ledger
    from agentguard.models import Action, Decision


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


def record_decision(ledger: Ledger, action: Action, decision: Decision) -> Event:
    return ledger.append("decision", agent_of(action), decision_payload(action, decision))
