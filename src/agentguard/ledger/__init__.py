"""The ledger: every gate decision signed, hash-chained and provable (RFC 8785, Ed25519, RFC 6962, C2SP notes).

Use it as `Ledger.open(places).append("decision", Actor.agent(session_id), payload)`. Importing this package
is cheap: the names below load their modules on first use, so the hook pays only for what it calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agentguard.ledger.event import Actor, Event
    from agentguard.ledger.ledger import Ledger

__all__ = ["Actor", "Event", "Ledger"]


def __getattr__(name: str) -> Any:
    if name in ("Actor", "Event"):
        from agentguard.ledger import event

        return getattr(event, name)
    if name == "Ledger":
        from agentguard.ledger import ledger

        return ledger.Ledger
    raise AttributeError(name)
