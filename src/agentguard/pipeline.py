"""The one pipeline every host goes through: Action → effects → policy → Decision.

`decide` never raises: a policy error, an unreadable mode file or a bug becomes an ask (or deny) with the
reason, because a guard that crashes lets the host run the tool anyway.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from agentguard.errors import AgentGuardError
from agentguard.models import Action, Decision, Effect, Verdict
from agentguard.state import Places, _exists, find_project_root, read_mode

if TYPE_CHECKING:
    from agentguard.policy.model import Policy
    from agentguard.snapshots.model import Snapshot


class Gate(NamedTuple):
    """Decides actions with the policy and mode found in `places`."""

    places: Places

    @classmethod
    def from_env(cls) -> Gate:
        return cls(Places.from_env())

    def decide(
        self, action: Action, *, project_root: str | None = None, before_run: bool = False, can_prompt: bool = True
    ) -> Decision:
        """The gate's decision. `before_run`: the host runs the action if it is not denied, so the protected
        data it would destroy is saved first, and the decision is recorded in the ledger (a dry
        `agentguard check` saves and records nothing). `can_prompt`: the host can put an ask to a human
        (False in headless runs: there an ask becomes a pending approval, see agentguard.approvals)."""
        try:
            return self._decide(action, project_root or find_project_root(action.cwd), before_run, can_prompt)
        except AgentGuardError as exc:
            return failed(exc.message, action)
        except Exception as exc:
            return failed(f"internal error ({type(exc).__name__}: {exc})", action)

    def _decide(self, action: Action, project_root: str, before_run: bool, can_prompt: bool) -> Decision:
        from agentguard.analysis import analyze
        from agentguard.policy.engine import evaluate

        policy = self.policy(project_root)
        mode = read_mode(self.places)
        written = _agent_files(self.places, action)
        effects = analyze(action, home=self.places.home, project_root=project_root, agent_files=written)
        if policy.estimate_postgres:  # the planner's numbers for PostgreSQL DELETE/UPDATE … WHERE
            from agentguard.estimates import refine

            effects = refine(effects, policy)
        decision = evaluate(policy, effects, mode=mode)
        decision = _review_gate(self.places, policy, action, effects, decision)
        if mode == "normal" and _exists(_grant_file(self.places)):  # an approved plan's scope: one stat a call
            from agentguard.plans.check import within_grant

            decision = within_grant(self.places, action, project_root, decision)
        if not before_run:
            return decision
        if decision.verdict != Verdict.DENY:
            decision = _remember_writes(self.places, action, effects, decision)
        snapshot = None
        if any(e.kind.destructive or e.ctx("rewrites") for e in effects):  # rewrites: DELETE … WHERE and kin
            from agentguard.protect import protect

            decision, snapshot = protect(decision, action, policy, self.places)
            _note_databases(self.places, project_root, action, snapshot)
        if decision.verdict == Verdict.ASK:  # a grant for this exact action, or a pending approval
            from agentguard.approvals.gate import settle

            decision = settle(self.places, action, decision, policy.digest, can_prompt=can_prompt)
        elif decision.verdict == Verdict.DENY and decision.matches:  # freeze and production denials are told
            from agentguard.notify import tell_denial

            tell_denial(self.places, action, decision)
        return self._record(action, decision, snapshot, policy)

    def _record(self, action: Action, decision: Decision, snapshot: Snapshot | None, policy: Policy) -> Decision:
        """Every decision a host acts on goes into the ledger (after the snapshot it took, and after the policy
        it used when that changed). One that cannot be recorded is not allowed without a human."""
        try:
            from agentguard.ledger import Ledger
            from agentguard.ledger.records import agent_of, record_decision, record_snapshot
            from agentguard.ledger.sync import after_append

            with Ledger.open(self.places, declare_breaks=True) as ledger:
                if snapshot is not None:
                    record_snapshot(ledger, snapshot, agent_of(action))
                record_decision(ledger, action, decision, policy=(policy.digest, *policy.sources))
                after_append(ledger, self.places)  # mirrors and alerts, when due, in a detached process
                notice = ledger.break_notice()
        except Exception as exc:
            return unrecorded(decision, getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}")
        return decision if notice is None else replace(decision, notice=notice)

    def policy(self, project_root: str) -> Policy:
        from agentguard.policy.cache import cached_policy

        return cached_policy(project_root, self.places, lambda: self._load_policy(project_root))

    def _load_policy(self, project_root: str) -> Policy:
        from agentguard.policy.examples import checked_policy  # tomllib and the merge: only on a cache miss

        return checked_policy(project_root, self.places)


def unrecorded(decision: Decision, why: str) -> Decision:
    """The ledger could not take the decision: ask a human (shadow mode still lets it through, and says so)."""
    reason = f"NOT recorded in the ledger ({why}); `agentguard ledger verify` tells more"
    if decision.would_be is not None:
        return replace(decision, reasons=(*decision.reasons, reason))
    return replace(decision, verdict=max(decision.verdict, Verdict.ASK), reasons=(*decision.reasons, reason))


def failed(why: str, action: Action, verdict: Verdict = Verdict.DENY) -> Decision:
    """The decision when agentguard itself cannot decide: never allow."""
    effect = Effect.unknown(why, source=action.describe())
    return Decision(verdict, (f"agentguard could not decide, so it blocks: {why}",), (effect,), error=why)


def _review_gate(places: Places, policy: Policy, action: Action, effects: tuple[Effect, ...],
                 decision: Decision) -> Decision:  # fmt: skip
    """A push, merge or deploy of a large or protected change asks a human (agentguard.receipts.ship_gate).
    Most calls ship nothing: only the cheap trigger test is imported for them."""
    from agentguard.receipts.triggers import shipping

    if action.command is None or shipping(action, effects, policy.review_deploy) is None:
        return decision
    from agentguard.receipts.ship_gate import ship_gate

    return ship_gate(places, policy, action, effects, decision)


def _note_databases(places: Places, root: str, action: Action, snapshot: Snapshot | None) -> None:
    """Databases saved before this call: their state now, and a note so its outcome records the state after
    (agentguard.receipts.data_state). Best effort: the snapshot, which is what protects them, is taken."""
    if snapshot is None:
        return
    from agentguard.snapshots.model import POSTGRES, SQLITE

    databases = [e.path for e in snapshot.entries if e.type in (SQLITE, POSTGRES)]  # PostgreSQL: masked DSN
    if not databases:
        return
    from agentguard.receipts.data_state import note_saved, record_state

    try:
        record_state(places, root, action.session_id or "claude:no-session", "before", databases,
                     origin=action.describe()[:300])  # fmt: skip
        note_saved(places, action.session_id, action.tool_use_id, databases)
    except Exception:
        pass


def _grant_file(places: Places) -> str:
    return os.path.join(places.state, "plan-grant.json")  # plans.grant.grant_file, without importing plans


def _agent_files(places: Places, action: Action) -> frozenset[str]:
    from agentguard import agent_writes

    return agent_writes.load(places, action.session_id) if action.command is not None else frozenset()


def _remember_writes(places: Places, action: Action, effects: tuple[Effect, ...], decision: Decision) -> Decision:
    """Note the files this action writes: code the agent wrote is asked about when it cannot be read. Not
    noted means not known later, so that is not allowed without a human."""
    from agentguard import agent_writes

    try:
        agent_writes.record(places, action.session_id, effects)
    except OSError as exc:
        verdict = max(decision.verdict, Verdict.ASK)
        why = f"the files this writes could not be noted in the state dir ({exc})"
        return replace(decision, verdict=verdict, reasons=(*decision.reasons, why))
    return decision
