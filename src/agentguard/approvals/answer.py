"""A human's answer to a pending approval: the one function the CLI and the dashboard both call.

The ledger is opened first: if it cannot take the event, nothing is granted. The event is signed with the
agent key like every event, and names the human and how they answered (cli, dashboard).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentguard.approvals.model import Approval, parse_id
from agentguard.approvals.store import ApprovalError

if TYPE_CHECKING:
    from agentguard.state import Places


def answer(places: Places, approval: str, *, grant: bool, by: str, how: str, note: str | None = None) -> Approval:
    from agentguard.approvals.records import record_approval
    from agentguard.approvals.settings import load
    from agentguard.approvals.store import Approvals
    from agentguard.ledger import Ledger
    from agentguard.ledger.event import Actor

    try:
        number = parse_id(approval)
    except ValueError as exc:
        raise ApprovalError(str(exc)) from None
    settings = load(places)
    with Ledger.open(places, declare_breaks=True) as ledger, Approvals.open(places.state) as store:
        decided = store.decide(number, grant=grant, by=by, how=how, note=note,
                               grant_seconds=settings.grant_minutes * 60)  # fmt: skip
        record_approval(ledger, "approval_decided", decided, Actor.human(by))
    return decided


def inside_agent(environ: dict[str, str]) -> str | None:
    """Why this process looks like an agent's shell (Claude Code marks the shells it starts), else None."""
    if environ.get("CLAUDECODE") == "1":
        return "this shell was started by Claude Code (CLAUDECODE=1)"
    if environ.get("CLAUDE_CODE_ENTRYPOINT"):
        return f"this shell was started by Claude Code (CLAUDE_CODE_ENTRYPOINT={environ['CLAUDE_CODE_ENTRYPOINT']})"
    return None
