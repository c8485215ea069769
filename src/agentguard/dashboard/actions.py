"""What the dashboard's buttons do: the same functions the CLI commands call, with the same ledger records.

approve / deny      approvals.answer.answer            (agentguard approvals approve|deny)
restore             snapshots.restore.restore           (agentguard restore ID), recorded as the CLI does
resolve a break     ledger.breaks.resolve, ADMIN key   (agentguard ledger resolve ID --validate|…)
"""

from __future__ import annotations

import getpass
from typing import Any

from agentguard.state import Places

RESOLUTIONS = ("validate", "ignore", "reject")


def answer_approval(places: Places, approval_id: str, *, grant: bool, note: str | None) -> dict[str, Any]:
    from agentguard.approvals.answer import answer
    from agentguard.approvals.doctor import human_name

    return answer(places, approval_id, grant=grant, by=human_name(), how="dashboard", note=note).to_json()


def restore_snapshot(places: Places, snapshot_id: str) -> dict[str, Any]:
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_restore
    from agentguard.notify import tell_restore
    from agentguard.snapshots.restore import restore
    from agentguard.snapshots.store import Store

    with Store.open(places.state) as store:
        report = restore(store, snapshot_id)
    with Ledger.open(places, declare_breaks=True) as ledger:
        record_restore(ledger, report, getpass.getuser())
    data = report.to_json()
    tell_restore(places, snapshot_id, getpass.getuser(), "dashboard", data)
    return data


def resolve_break(places: Places, break_id: str, resolution: str, reason: str, passphrase: str) -> dict[str, Any]:
    from agentguard.ledger.breaks import resolve
    from agentguard.ledger.errors import LedgerError
    from agentguard.ledger.keys import load_key
    from agentguard.ledger.ledger import Ledger
    from agentguard.ledger.paths import LedgerPaths

    if resolution not in RESOLUTIONS:
        raise LedgerError(f"resolve with one of {', '.join(RESOLUTIONS)}")
    paths = LedgerPaths.from_places(places)

    def given() -> str:
        if not passphrase:
            raise LedgerError("the admin key is sealed: type its passphrase")
        return passphrase

    with Ledger.at(paths) as opened:
        event = resolve(opened, break_id, resolution, reason, load_key(paths.admin_key, given))
    return {"break_id": break_id, "resolution": event.payload["resolution"], "seq": event.seq, "key": event.key_id}


def approve_review(places: Places, project: str, diff_hash: str, reason: str, passphrase: str) -> dict[str, Any]:
    """As `agentguard review approve`: the diff the page showed (its hash), signed with the admin key."""
    from agentguard.ledger.errors import LedgerError
    from agentguard.ledger.keys import load_key
    from agentguard.ledger.paths import LedgerPaths
    from agentguard.receipts.approve import approve

    def given() -> str:
        if not passphrase:
            raise LedgerError("the admin key is sealed: type its passphrase")
        return passphrase

    key_file = LedgerPaths.from_places(places).admin_key
    event, state = approve(places, project, diff_hash, by=getpass.getuser(), reason=reason or None,
                           without_receipt=False, admin=lambda: load_key(key_file, given))  # fmt: skip
    return {"seq": event.seq, "diff_hash": state.diff_hash, "lines": state.changed_lines}


def approve_plan(places: Places, project: str, sha256: str) -> dict[str, Any]:
    """LGTM, as `agentguard plan approve`: only the plan the human saw (its hash on the page) is approved."""
    from agentguard.cli.mode import _set_and_record
    from agentguard.errors import StateError
    from agentguard.plans.grant import approve, find_plan
    from agentguard.plans.parse import read_plan
    from agentguard.state import read_mode

    path = find_plan(project)
    if read_plan(path, project).sha256 != sha256:
        raise StateError("the plan changed since this page showed it: reload and read it again")
    grant = approve(places, project, path, by=getpass.getuser(), how="dashboard")
    if read_mode(places) == "plan":
        _set_and_record(places, "normal", f"plan approved (sha256 {grant.sha256[:12]})")
    return grant.to_json()


def finish_plan(places: Places) -> dict[str, Any]:
    from agentguard.cli.mode import _set_and_record
    from agentguard.plans.grant import finish

    grant = finish(places, by=getpass.getuser(), how="dashboard")
    _set_and_record(places, "plan", f"plan done (sha256 {grant.sha256[:12]})")
    return grant.to_json()
