"""A gate decision recorded in the ledger: what the hook will write for the blocked `rm`."""

from __future__ import annotations

from agentguard.ledger import Ledger
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.records import record_decision
from agentguard.ledger.verify import verify
from agentguard.models import Action, Decision, Effect, Kind, RuleMatch, Verdict


def test_a_denied_rm_is_recorded_and_verifies(folder: LedgerPaths) -> None:
    action = Action.shell("rm -f .agentic-qe/*.db", "/work/p", session_id="sess-1", tool_use_id="toolu_1",
                          host="claude")  # fmt: skip
    effect = Effect.make(Kind.FILE_DELETE, ".agentic-qe/memory.db", "deletes a file")
    decision = Decision(Verdict.DENY, ("protected database",), (effect,),
                        (RuleMatch("protect-databases", Verdict.DENY, "protected database", 0),))  # fmt: skip
    with Ledger.at(folder) as ledger:
        event = record_decision(ledger, action, decision)
    assert event.kind == "decision" and event.actor.type == "agent" and event.actor.id == "sess-1"
    payload = event.payload
    assert payload["verdict"] == "deny" and payload["action"] == "rm -f .agentic-qe/*.db"
    assert payload["tool_use_id"] == "toolu_1" and payload["matched_rules"][0]["rule"] == "protect-databases"
    assert payload["effects"][0]["kind"] == Kind.FILE_DELETE.value
    assert verify(folder).ok
