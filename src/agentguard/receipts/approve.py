"""A human approves a reviewable change for shipping: a signed `review_approved` event bound to its diff hash.

The hash must be the one the change has now (the working tree's, or HEAD's), so an approval cannot be given to a
diff nobody looked at. When the project declares checks, a passing receipt for that tree is required first.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from agentguard.errors import AgentGuardError
from agentguard.receipts import tree as trees
from agentguard.receipts.review import ReviewState, review_state
from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.ledger.event import Event
    from agentguard.ledger.keys import KeyPair
    from agentguard.policy.model import Policy


def approve(places: Places, root: str, diff_hash: str, *, by: str, reason: str | None, without_receipt: bool,
            admin: Callable[[], KeyPair] | None = None) -> tuple[Event, ReviewState]:  # fmt: skip
    """Signed with the admin key (`admin()` loads it, once the ledger exists; else the state dir's unsealed one),
    as a break's resolution is."""
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_review_approved
    from agentguard.pipeline import Gate
    from agentguard.receipts.receipt import find_passing

    policy = Gate(places).policy(root)
    state = _matching(places, root, policy, diff_hash)
    receipt = None
    with Ledger.open(places, declare_breaks=True) as ledger:
        if policy.receipt_checks:
            receipt = find_passing(ledger, root, "git:" + state.tree, policy.receipt_checks)
            if receipt is None and not without_receipt:
                raise AgentGuardError(f"no passing receipt for this tree (git:{state.tree}): run `agentguard "
                                      "receipts run` first, or approve --without-receipt")  # fmt: skip
        payload: dict[str, Any] = {**state.to_json(), "reason": reason,
                                   "receipt": None if receipt is None else receipt.seq}  # fmt: skip
        event = record_review_approved(ledger, payload, by, admin() if admin else None)
    return event, state


def _matching(places: Places, root: str, policy: Policy, diff_hash: str) -> ReviewState:
    candidates = [trees.working_tree_id(root)]
    with contextlib.suppress(trees.TreeError):  # no commit yet: the working tree only
        candidates.append(trees.commit_tree(root, "HEAD"))
    seen = []
    for tree in dict.fromkeys(candidates):
        state = review_state(places, root, policy, tree)
        if state.diff_hash == diff_hash:
            return state
        seen.append(state.diff_hash)
    raise AgentGuardError(f"{diff_hash} is not the change in {root} now (it is {' or '.join(seen)}): look at "
                          "`agentguard review status` and approve what it shows")  # fmt: skip
