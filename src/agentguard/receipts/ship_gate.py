"""The review gate inside the pipeline: shipping a reviewable change (push, merge, deploy) asks a human.

Until an approvals queue exists the gate answers with an ask whose reason names the size, the protected paths
and the diff hash, and how to approve it; `review.approved` is where a queue would plug in. Anything that goes
wrong while measuring the change is an ask too (never a silent allow).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from agentguard.models import Action, Decision, Effect, Verdict
from agentguard.receipts.triggers import ALL_BRANCHES, FORGE, merged_ref, pushed_refs, shipping
from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.policy.model import Policy


def ship_gate(places: Places, policy: Policy, action: Action, effects: tuple[Effect, ...],
              decision: Decision) -> Decision:  # fmt: skip
    """`decision`, or a stricter one when `action` ships a change a human has not reviewed."""
    if decision.verdict == Verdict.DENY or action.command is None:
        return decision
    how = shipping(action, effects, policy.review_deploy)
    if how is None:
        return decision
    if how.startswith(FORGE):  # the pull request's diff is on the forge: nothing here can measure or bind it
        forge = (f"review gate: {how[len(FORGE) + 1 :]} merges a change on the forge, which cannot be measured "
                 "here; a human reviews it there and merges it, or allows this once")  # fmt: skip
        return _stricter(decision, forge)
    reason: str | None
    try:
        reason = _review_reason(places, policy, how, _what_ships(action, effects), _makes_refs(effects))
    except Exception as exc:  # a change that cannot be measured is not waved through
        why = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        reason = f"review gate: {how} ships a change agentguard could not measure ({why}); a human decides"
    return decision if reason is None else _stricter(decision, reason)


def _what_ships(action: Action, effects: tuple[Effect, ...]) -> tuple[str, list[str]]:
    """("merge", [ref]) for a merge; ("push", [refs]) for a push (HEAD when it names none); ("deploy", [])."""
    merging = merged_ref(action, effects)
    if merging is not None:
        return "merge", [merging]
    pushed = pushed_refs(effects)
    return ("push", pushed or ["HEAD"]) if pushed is not None else ("deploy", [])


def _trees(root: str, ships: tuple[str, list[str]], making_refs: bool = False) -> list[str | None]:
    """The trees to measure (None: the working tree). A merge: the tree it would make. A push: the commits it
    sends, and the working tree too (a rewrite committed, then undone in the working tree, still ships). A
    deploy: the working tree, uncommitted work included."""
    from agentguard.receipts import tree as trees

    kind, refs = ships
    if kind == "merge":  # a name git cannot resolve merges nothing ("not something we can merge")...
        return [trees.merge_result(root, refs[0])] if _resolves(root, refs[0]) or making_refs else []
    if kind == "push":
        return [None, *(tree for ref in refs for tree in _pushed_trees(root, ref))]
    return [None]


def _resolves(root: str, ref: str) -> bool:
    from agentguard.receipts import tree as trees

    try:
        trees.git(root, "rev-parse", "--verify", "--quiet", ref + "^{commit}")
    except trees.TreeError:
        return False
    return True


def _pushed_trees(root: str, ref: str) -> list[str]:
    """The trees a push source sends. A name git cannot resolve is skipped (git refuses to push it: "src
    refspec does not match any"); a pattern (`refs/heads/*`) cannot be measured here, so it raises."""
    from agentguard.receipts import tree as trees

    if ref == ALL_BRANCHES:
        heads = trees.git(root, "for-each-ref", "--format=%(objectname)", "refs/heads").split()
        return [trees.commit_tree(root, head) for head in heads]
    if "*" in ref:
        raise trees.TreeError(f"the refspec pattern {ref} cannot be measured")
    try:
        return [trees.commit_tree(root, ref)]
    except trees.TreeError:
        return []


# ...unless the same line may make it first (`git fetch origin x && git merge origin/x`): then it is measured,
# and a name that still does not resolve is not waved through.
REF_MAKERS = ("git fetch", "git pull", "git remote", "git branch", "git checkout", "git switch", "git update-ref",
              "git tag", "git worktree", "git clone")  # fmt: skip


def _makes_refs(effects: tuple[Effect, ...]) -> bool:
    return any(" ".join(e.source.split()).startswith(REF_MAKERS) for e in effects if e.source)


def _review_reason(places: Places, policy: Policy, how: str, ships: tuple[str, list[str]],
                   making_refs: bool = False) -> str | None:  # fmt: skip
    from agentguard.receipts import tree as trees
    from agentguard.receipts.review import approve_hint, approved, review_state

    root = policy.project_root
    if not trees.is_git(root):
        return f"review gate: {how} outside a git repository: the change cannot be measured; a human decides"
    for tree in dict.fromkeys(_trees(root, ships, making_refs)):
        state = review_state(places, root, policy, tree)
        if state.reviewable and approved(places, root, state.diff_hash) is None:
            break
    else:
        return None
    return (
        f"review needed before {how}: {state.why()} (since {state.base_from}); diff {state.diff_hash}; "
        f"{approve_hint(state)}{_receipt_note(places, policy, state.tree)}"
    )


def _receipt_note(places: Places, policy: Policy, tree: str) -> str:
    """Whether the tree has the passing receipt an approval needs (when the project declares checks)."""
    if not policy.receipt_checks:
        return ""
    import os

    from agentguard.ledger import Ledger
    from agentguard.ledger.paths import LedgerPaths
    from agentguard.receipts.receipt import find_passing

    receipt = None
    if os.path.exists(LedgerPaths.from_places(places).db):  # no ledger yet: no receipt either
        with Ledger.open(places, readonly=True) as ledger:
            receipt = find_passing(ledger, policy.project_root, "git:" + tree, policy.receipt_checks)
    if receipt is None:
        return "; no passing receipt for this tree yet (`agentguard receipts run`)"
    return f"; passing receipt {receipt.seq} for this tree"


RULE = "review-gate"  # the match this gate adds: its ask is answered by `review approve`, not the queue


def _stricter(decision: Decision, reason: str) -> Decision:
    from agentguard.models import RuleMatch

    match = RuleMatch(RULE, Verdict.ASK, reason, 0)
    if decision.would_be is not None:  # shadow mode: recorded as what would have been, not enforced
        return replace(decision, would_be=max(decision.would_be, Verdict.ASK), reasons=(*decision.reasons, reason),
                       matches=(*decision.matches, match))  # fmt: skip
    verdict = max(decision.verdict, Verdict.ASK)
    reasons = (reason,) if decision.verdict == Verdict.ALLOW else (*decision.reasons, reason)
    return replace(decision, verdict=verdict, reasons=reasons, matches=(*decision.matches, match))
