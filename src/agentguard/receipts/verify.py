"""`agentguard receipts verify`: is this receipt what the ledger signed, where it says, about this tree?

Checked: the event is a receipt; its Ed25519 signature under the key the ledger's key ring gives for its
sequence number; its place in the hash chain (its prev is the hash of the event before it, and the event after
it names its hash); the outputs it names, where still kept, hash to their digests; a reused receipt points at a
receipt of the same tree; and the project's working tree, hashed again now, is the tree it was taken on.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, NamedTuple

from agentguard.receipts.checks import read_output
from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.ledger.ledger import Ledger


class Finding(NamedTuple):
    name: str
    ok: bool
    detail: str


def verify_receipt(ledger: Ledger, seq: int, places: Places) -> list[Finding]:
    event = ledger.event(seq)
    if event.kind != "receipt":
        return [Finding("kind", False, f"event {seq} is a {event.kind}, not a receipt")]
    findings = [_signature(ledger, seq), _chain(ledger, seq), *_outputs(places, event.payload)]
    reused = event.payload.get("reused_from")
    if isinstance(reused, int):
        findings.append(_reused(ledger, reused, str(event.payload.get("tree"))))
    findings.append(_tree(str(event.payload.get("project")), str(event.payload.get("tree"))))
    return findings


def _signature(ledger: Ledger, seq: int) -> Finding:
    from agentguard.ledger.signatures import _check_row

    row = ledger.store.row(seq)
    if row is None:
        return Finding("signature", False, f"event {seq} is not stored")
    problem = _check_row(ledger.ring, row)
    if problem is not None:
        return Finding("signature", False, problem.what)
    return Finding("signature", True, f"Ed25519, key {ledger.event(seq).key_id}")


def _chain(ledger: Ledger, seq: int) -> Finding:
    event = ledger.event(seq)
    before = ledger.event(seq - 1) if seq > 0 else None
    if before is not None and event.prev != before.hash.hex():
        return Finding("chain", False, f"event {seq} does not name event {seq - 1}'s hash as its prev")
    after_row = ledger.store.row(seq + 1)
    if after_row is not None:
        from agentguard.ledger.event import Event

        after = Event.from_row(after_row.seq, after_row.body, after_row.sig)
        if after.prev != event.hash.hex():
            return Finding("chain", False, f"event {seq + 1} does not name event {seq}'s hash as its prev")
    return Finding("chain", True, f"event {seq} of {ledger.size}, linked both ways")


def _outputs(places: Places, payload: object) -> list[Finding]:
    found = []
    for check in payload.get("checks", []) if isinstance(payload, dict) else []:
        digest = str(check.get("output_sha256"))
        data = read_output(places, digest)
        if data is None:
            found.append(Finding(f"output of {check.get('command')}", True, "not kept on this machine (digest only)"))
        elif hashlib.sha256(data).hexdigest() != digest:
            found.append(Finding(f"output of {check.get('command')}", False, "the kept output no longer matches"))
        else:
            found.append(Finding(f"output of {check.get('command')}", True, f"exit {check.get('exit_code')}, "
                                 f"output sha256 {digest[:12]}… matches"))  # fmt: skip
    return found


def _reused(ledger: Ledger, seq: int, tree: str) -> Finding:
    try:
        earlier = ledger.event(seq)
    except Exception:
        return Finding("reused", False, f"it reuses event {seq}, which is not in the ledger")
    ok = earlier.kind == "receipt" and earlier.payload.get("tree") == tree and earlier.payload.get("ok") is True
    detail = f"reuses passing receipt {seq} of the same tree" if ok else f"event {seq} is not a passing receipt of it"
    return Finding("reused", ok, detail)


def _tree(project: str, tree: str) -> Finding:
    from agentguard.receipts.tree import TreeError, working_tree

    try:
        now = working_tree(project)
    except (TreeError, OSError) as exc:
        return Finding("tree", False, f"cannot hash {project} again: {exc}")
    if now != tree:
        return Finding("tree", False, f"{project} has changed since: it is {now[:16]}… now, the receipt is for "
                       f"{tree[:16]}…")  # fmt: skip
    return Finding("tree", True, f"{project} is still {tree}")
