"""An ask no prompt can answer becomes a pending approval; a human's grant is used once, for that exact action,
within its TTL; the ledger holds the request, the answer (who, how) and the use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from approvalkit import ASKED, configure

from agentguard.approvals.answer import answer
from agentguard.approvals.store import ApprovalError, Approvals
from agentguard.ledger import Ledger
from agentguard.models import Decision, Verdict
from agentguard.state import Places

Hook = Callable[..., Decision]


def events(kind: str) -> list[dict[str, object]]:
    with Ledger.open(Places.from_env()) as ledger:
        return [dict(e.payload) | {"actor": e.actor.to_json()} for e in ledger.events(kind=kind)]


def test_a_headless_ask_becomes_a_pending_approval_the_agent_is_told_about(hook: Hook) -> None:
    decision = hook()
    assert decision.verdict == Verdict.ASK
    assert decision.reasons[0].startswith("approval A-1 pending: rerun after approval")
    again = hook()
    assert again.reasons[0].startswith("approval A-1 pending"), "a retry waits on the same request"
    requested = events("approval_requested")
    assert [e["approval"] for e in requested] == ["A-1"]
    assert requested[0]["action"] == ASKED and requested[0]["session"] == "s-1"
    with Approvals.open(Places.from_env().state) as store:
        pending = store.list(open_only=True)
    assert [a.id for a in pending] == ["A-1"] and any(e["kind"] == "secret.read" for e in pending[0].effects)


def test_an_approval_allows_the_retry_once_and_is_recorded(hook: Hook) -> None:
    hook()
    answer(Places.from_env(), "A-1", grant=True, by="alice", how="cli", note="expected")
    allowed = hook()
    assert allowed.verdict == Verdict.ALLOW
    assert allowed.reasons[0] == "approved by alice via cli (A-1)"
    replay = hook()
    assert replay.verdict == Verdict.ASK and replay.reasons[0].startswith("approval A-2 pending"), "one-time"
    decided = events("approval_decided")
    assert decided[0]["by"] == "alice" and decided[0]["how"] == "cli" and decided[0]["actor"]["type"] == "human"
    used = events("approval_used")
    assert [e["approval"] for e in used] == ["A-1"]
    outcomes = [e["verdict"] for e in events("decision")]
    assert outcomes == ["ask", "allow", "ask"]


@pytest.mark.parametrize(
    "other",
    [
        pytest.param({"command": "printenv AWS_SECRET_ACCESS_KEY"}, id="another-command"),
        pytest.param({"session": "s-2"}, id="another-session"),
        pytest.param({"cwd": "sub"}, id="another-folder"),
    ],
)
def test_a_grant_cannot_be_replayed_for_a_different_action(hook: Hook, project: Path, other: dict[str, str]) -> None:
    hook()
    answer(Places.from_env(), "A-1", grant=True, by="alice", how="cli")
    if "cwd" in other:
        (project / "sub").mkdir()
        other = {"cwd": str(project / "sub")}
    different = hook(**{k: Path(v) if k == "cwd" else v for k, v in other.items()})
    assert different.verdict == Verdict.ASK and different.reasons[0].startswith("approval A-2 pending")
    assert hook().verdict == Verdict.ALLOW, "the grant is still there for the action it was given for"


def test_a_grant_after_its_ttl_allows_nothing(hook: Hook) -> None:
    configure(route="headless", wait_seconds=0, grant_minutes=0)  # the grant lapses the moment it is given
    hook()
    answer(Places.from_env(), "A-1", grant=True, by="alice", how="cli")
    late = hook()
    assert late.verdict == Verdict.ASK and late.reasons[0].startswith("approval A-2 pending")
    assert events("approval_used") == []
    with Approvals.open(Places.from_env().state) as store:
        assert str(store.get(1).live_status()) == "expired"


def test_a_grant_is_used_only_within_its_time(hook: Hook) -> None:
    hook()
    granted = answer(Places.from_env(), "A-1", grant=True, by="alice", how="cli")
    with Approvals.open(Places.from_env().state) as store:
        assert store.use_grant(granted.action_hash, now=granted.expires + 1) is None
        assert store.use_grant(granted.action_hash, now=granted.expires - 1) is not None
        assert store.use_grant(granted.action_hash, now=granted.expires - 1) is None, "used once"


def test_a_denied_approval_denies_the_retry_with_the_reason(hook: Hook) -> None:
    hook()
    answer(Places.from_env(), "A-1", grant=False, by="bob", how="cli", note="not during the freeze")
    retry = hook()
    assert retry.verdict == Verdict.DENY
    assert retry.reasons[0] == "approval A-1 was denied by bob: not during the freeze"


def test_an_answered_approval_cannot_be_answered_again(hook: Hook) -> None:
    hook()
    answer(Places.from_env(), "A-1", grant=False, by="bob", how="cli")
    with pytest.raises(ApprovalError, match="A-1 is denied, not pending"):
        answer(Places.from_env(), "A-1", grant=True, by="mallory", how="cli")
    with pytest.raises(ApprovalError, match="no approval A-9"):
        answer(Places.from_env(), "A-9", grant=True, by="alice", how="cli")


def test_an_interactive_ask_stays_with_the_hosts_prompt(hook: Hook) -> None:
    decision = hook(can_prompt=True)
    assert decision.verdict == Verdict.ASK
    assert events("approval_requested") == []


def test_route_always_queues_interactive_asks_too(hook: Hook) -> None:
    configure(route="always", wait_seconds=0)
    assert hook(can_prompt=True).reasons[0].startswith("approval A-1 pending")


def test_route_off_never_queues(hook: Hook) -> None:
    configure(route="off")
    assert hook().verdict == Verdict.ASK


def test_allowed_and_denied_actions_never_touch_the_queue(hook: Hook) -> None:
    assert hook("ls").verdict == Verdict.ALLOW
    assert hook("rm -rf /").verdict == Verdict.DENY
    assert events("approval_requested") == []


def test_a_broken_config_keeps_the_ask_and_says_why(hook: Hook) -> None:
    configure(route="sometimes")
    decision = hook()
    assert decision.verdict == Verdict.ASK
    assert "the approvals queue failed" in decision.reasons[-1] and "approvals.route" in decision.reasons[-1]


def test_the_hook_waits_for_an_answer_given_meanwhile(hook: Hook) -> None:
    """A human who answers while the hook waits: the hook sees it (the waiting is bounded, not timed here)."""
    import threading

    configure(route="headless", wait_seconds=20)
    places = Places.from_env()

    def approve_when_asked() -> None:
        while True:
            with Approvals.open(places.state) as store:
                if store.list(open_only=True):
                    break
        answer(places, "A-1", grant=True, by="alice", how="dashboard")

    helper = threading.Thread(target=approve_when_asked)
    helper.start()
    decision = hook()
    helper.join()
    assert decision.verdict == Verdict.ALLOW and decision.reasons[0] == "approved by alice via dashboard (A-1)"


def test_the_agents_commentary_is_not_part_of_the_binding(hook: Hook, project: Path) -> None:
    """A retry that words its `description` differently is the same action (the command is what runs)."""
    from agentguard.approvals.binding import action_hash
    from agentguard.models import Action

    said = Action.shell(ASKED, str(project), session_id="s-1")
    reworded = Action(tool="Bash", cwd=str(project), command=ASKED, session_id="s-1",
                      tool_input={"command": ASKED, "description": "retrying after approval"})  # fmt: skip
    longer = Action(tool="Bash", cwd=str(project), command=ASKED, session_id="s-1",
                    tool_input={"command": ASKED, "timeout": 600000})  # fmt: skip
    assert action_hash(said, "p") == action_hash(reworded, "p")
    assert action_hash(said, "p") != action_hash(longer, "p"), "every other input key is bound"
    assert action_hash(said, "p") != action_hash(said, "q"), "and so is the policy"
