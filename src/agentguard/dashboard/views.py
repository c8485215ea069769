"""What each page shows, read the way the CLI reads it (read-only ledger, the approvals and snapshot stores).

Each function returns plain data for a template; none writes anything (a GET must change nothing), so stores
that do not exist yet are shown as empty rather than created.
"""

from __future__ import annotations

import os
from typing import Any

from agentguard.state import Places


def approvals(places: Places, *, open_only: bool) -> list[dict[str, Any]]:
    from agentguard.approvals.store import Approvals, db_path

    if not os.path.exists(db_path(places.state)):
        return []
    with Approvals.open(places.state) as store:
        return [a.to_json() for a in store.list(open_only=open_only)]


def approval(places: Places, approval_id: str) -> dict[str, Any]:
    from agentguard.approvals.model import parse_id
    from agentguard.approvals.store import ApprovalError, Approvals, db_path

    if not os.path.exists(db_path(places.state)):
        raise ApprovalError(f"no approval {approval_id}")
    with Approvals.open(places.state) as store:
        return store.get(parse_id(approval_id)).to_json()


def _ledger(places: Places) -> Any:
    from agentguard.ledger.errors import IntegrityError
    from agentguard.ledger.ledger import Ledger
    from agentguard.ledger.paths import LedgerPaths

    paths = LedgerPaths.from_places(places)
    if not os.path.exists(paths.db):
        return None
    try:
        return Ledger.at(paths, readonly=True)
    except IntegrityError:
        return Ledger.at(paths, readonly=True, check=False)  # shown as stored, with its breaks


def decisions(places: Places, count: int = 30) -> list[dict[str, Any]]:
    ledger = _ledger(places)
    if ledger is None:
        return []
    with ledger:
        events = ledger.last(count, "decision")
    return [{"seq": e.seq, "time": str(e.time)[:19], **dict(e.payload)} for e in reversed(events)]


def ledger_status(places: Places) -> dict[str, Any]:
    from agentguard.ledger.breaks import breaks, status

    ledger = _ledger(places)
    if ledger is None:
        return {"size": 0, "status": "no ledger yet", "breaks": []}
    with ledger:
        found = breaks(ledger)
        return {"size": ledger.size, "status": status(found), "breaks": [b.to_json() for b in found]}


def mode(places: Places) -> dict[str, Any]:
    from agentguard.cli.mode import DESCRIPTIONS
    from agentguard.state import read_mode

    current = read_mode(places)
    ledger = _ledger(places)
    history: list[dict[str, Any]] = []
    if ledger is not None:
        with ledger:
            history = [{"seq": e.seq, **dict(e.payload)} for e in reversed(ledger.last(20, "mode_change"))]
    return {"mode": current, "description": DESCRIPTIONS[current], "history": history}


def snapshots(places: Places) -> list[dict[str, Any]]:
    from agentguard.snapshots.store import Store

    if not os.path.isdir(os.path.join(places.state, "snapshots")):
        return []
    with Store.open(places.state) as store:
        return [s.summary() for s in reversed(store.list())]


def snapshot(places: Places, snapshot_id: str) -> dict[str, Any]:
    """A snapshot and the dry-run diff of restoring it (what `agentguard restore ID --dry-run` prints)."""
    from agentguard.snapshots.restore import restore
    from agentguard.snapshots.store import Store

    with Store.open(places.state) as store:
        summary = store.get(snapshot_id).summary()
        report = restore(store, snapshot_id, dry_run=True).to_json()
    return {**summary, "diff": report}


def review(places: Places, project: str) -> dict[str, Any]:
    """The change that would ship now, over the last reviewed base (`agentguard review status`)."""
    from agentguard.errors import AgentGuardError
    from agentguard.pipeline import Gate
    from agentguard.receipts import tree as trees
    from agentguard.receipts.review import approved, review_state

    if not trees.is_git(project):
        return {"project": project, "error": "not a git repository: there is no change to review here"}
    try:
        state = review_state(places, project, Gate(places).policy(project))
    except AgentGuardError as exc:
        return {"project": project, "error": exc.message}
    done = approved(places, project, state.diff_hash) is not None
    return {"project": project, "state": state, "why": state.why() if state.reviewable else "", "approved": done}


def plan(places: Places, project: str) -> dict[str, Any]:
    """The plan file here, what approving it grants, and the grant in force (`agentguard plan show`)."""
    from agentguard.errors import StateError
    from agentguard.plans.grant import active, find_plan
    from agentguard.plans.parse import read_plan

    grant = active(places)
    try:
        path = find_plan(project)
    except StateError as exc:
        return {"project": project, "error": exc.message, "grant": grant.to_json() if grant else None}
    scope = read_plan(path, project)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return {"project": project, "plan": path, "text": text, "sha256": scope.sha256, "files": list(scope.files),
            "commands": list(scope.commands), "grant": grant.to_json() if grant else None}  # fmt: skip
