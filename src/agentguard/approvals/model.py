"""An approval request and what became of it (a frozen record: the store makes a new one on each change)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PENDING = "pending"  # waiting for a human
    APPROVED = "approved"  # granted: the same action may run once before `expires`
    DENIED = "denied"  # a human said no
    USED = "used"  # the grant was consumed by the action it was for
    EXPIRED = "expired"  # nobody answered, or the grant was not used, in time


def approval_id(number: int) -> str:
    return f"A-{number}"


def parse_id(text: str) -> int:
    """`A-17`, `a-17` or `17` → 17; anything else is a ValueError with the expected form."""
    digits = text.strip().upper().removeprefix("A-")
    if not digits.isdigit():
        raise ValueError(f"{text!r} is not an approval id (expected A-17)")
    return int(digits)


@dataclass(frozen=True, slots=True)
class Approval:
    """One request and its answer. (Every dataclass on the hook's path has a docstring: without one,
    dataclasses builds it with inspect.signature, which the hook defers.)"""

    number: int
    action_hash: str
    status: Status
    created: float
    expires: float  # while pending: when the request lapses; once approved: when the grant lapses
    tool: str
    action: str  # the action as a person reads it (the command, or `Write path`)
    cwd: str
    session: str
    policy: str
    effects: tuple[dict[str, Any], ...]
    reasons: tuple[str, ...]
    snapshot: str | None = None
    agent_reason: str | None = None  # what the agent said it was doing (the tool call's description)
    decided_by: str | None = None
    decided_how: str | None = None  # cli, dashboard
    decided_at: float | None = None
    note: str | None = None  # the human's reason
    used_at: float | None = None

    @property
    def id(self) -> str:
        return approval_id(self.number)

    def live_status(self, now: float | None = None) -> Status:
        """The status as of now: a pending request or an unused grant past its time has expired."""
        lapsing = self.status in (Status.PENDING, Status.APPROVED)
        return Status.EXPIRED if lapsing and (now or time.time()) >= self.expires else self.status

    def to_json(self) -> dict[str, Any]:
        return {
            "message_type": "approval",
            "id": self.id,
            "status": str(self.live_status()),
            "action_hash": self.action_hash,
            "tool": self.tool,
            "action": self.action,
            "cwd": self.cwd,
            "session": self.session,
            "policy": self.policy,
            "effects": list(self.effects),
            "reasons": list(self.reasons),
            "snapshot": self.snapshot,
            "agent_reason": self.agent_reason,
            "created": _iso(self.created),
            "expires": _iso(self.expires),
            "decided_by": self.decided_by,
            "decided_how": self.decided_how,
            "decided_at": _iso(self.decided_at),
            "note": self.note,
            "used_at": _iso(self.used_at),
        }


def _iso(when: float | None) -> str | None:
    if when is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))
