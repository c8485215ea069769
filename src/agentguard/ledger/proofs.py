"""Offline proofs: an event's inclusion under a signed checkpoint, and consistency between two checkpoints.

A proof bundle is one JSON file holding everything a verifier needs without the database: the event's signed
bytes and signature, the RFC 9162 inclusion proof, the C2SP checkpoint note, and the public keys (event key
and checkpoint key; `verifier_key` in the note tools' form). Pin a key id with `expect_key` to trust the
bundle only if it was signed by a key you already know.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from agentguard.ledger.errors import LedgerError
from agentguard.ledger.event import Event
from agentguard.ledger.keys import PublicKey
from agentguard.ledger.ledger import Ledger
from agentguard.ledger.merkle import ProofError, Tree, verify_consistency, verify_inclusion
from agentguard.ledger.note import Checkpoint, open_checkpoint, verifier_key

FORMAT = "agentguard-ledger-proof/1"


def tree_of(ledger: Ledger, size: int) -> Tree:
    """All leaf hashes of the first `size` events (one read of the event bytes)."""
    leaves = [Event.from_row(r.seq, r.body, r.sig).hash for r in ledger.store.rows(0, size)]
    if len(leaves) != size:
        raise LedgerError(f"the ledger has {len(leaves)} of the {size} events a proof needs: run `agentguard "
                          "ledger verify` to see what is wrong")  # fmt: skip
    return Tree(leaves)


def _checkpoint_key(ledger: Ledger, note: str) -> tuple[Checkpoint, PublicKey]:
    for key in reversed(ledger.ring.agent_keys()):
        try:
            return open_checkpoint(note, ledger.origin, key), key
        except LedgerError:
            continue
    raise LedgerError("the stored checkpoint is not signed by any agent key: run `agentguard ledger verify`")


def prove(ledger: Ledger, seq: int) -> dict[str, Any]:
    event = ledger.event(seq)
    stored = ledger.store.latest_checkpoint()
    if stored is None or stored.size <= seq:
        made = f"the latest covers {stored.size} events" if stored else "there is none yet"
        raise LedgerError(f"event {seq} is not under a checkpoint ({made}): run `agentguard ledger checkpoint` "
                          "in your own terminal, then prove again")  # fmt: skip
    checkpoint, cp_key = _checkpoint_key(ledger, stored.note)
    span, problem = ledger.ring.problem(event.seq, event.kind, event.payload, event.key_id)
    if span is None or problem:
        raise LedgerError(f"event {seq} {problem}: run `agentguard ledger verify`")
    proof = tree_of(ledger, checkpoint.size).inclusion_proof(seq, checkpoint.size)
    return {
        "message_type": "ledger_proof",
        "format": FORMAT,
        "origin": ledger.origin,
        "seq": seq,
        "event": base64.b64encode(event.body).decode(),
        "sig": base64.b64encode(event.sig).decode(),
        "event_key": span.key.b64,
        "tree_size": checkpoint.size,
        "inclusion": [base64.b64encode(h).decode() for h in proof],
        "checkpoint": stored.note,
        "checkpoint_key": cp_key.b64,
        "verifier_key": verifier_key(ledger.origin, cp_key.raw),
    }


def verify_bundle(bundle: Any, expect_key: str | None = None) -> dict[str, Any]:
    """Check a proof bundle without any database; LedgerError says what fails."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise LedgerError(f"not an agentguard proof bundle (format {FORMAT})")
    try:
        seq, size, origin = int(bundle["seq"]), int(bundle["tree_size"]), str(bundle["origin"])
        body, sig = _b64(bundle["event"]), _b64(bundle["sig"])
        event_key, cp_key = PublicKey.from_b64(bundle["event_key"]), PublicKey.from_b64(bundle["checkpoint_key"])
        proof = [_b64(h) for h in bundle["inclusion"]]
        note = str(bundle["checkpoint"])
    except (KeyError, TypeError, ValueError) as exc:
        raise LedgerError(f"the proof bundle is incomplete or malformed: {exc}") from None
    if expect_key and expect_key not in (event_key.key_id, cp_key.key_id):
        raise LedgerError(f"the bundle is signed by keys {event_key.key_id} and {cp_key.key_id}, not {expect_key}")
    event = Event.from_row(seq, body, sig)
    if event.key_id != event_key.key_id or not event_key.verifies(body, sig):
        raise LedgerError(f"event {seq}'s signature does not verify with the bundled key {event_key.key_id}")
    checkpoint = open_checkpoint(note, origin, cp_key)
    if checkpoint.origin != origin or checkpoint.size != size:
        raise LedgerError("the checkpoint in the bundle is not the one the proof is for")
    try:
        verify_inclusion(seq, size, event.hash, proof, checkpoint.root)
    except ProofError as exc:
        raise LedgerError(f"event {seq} is not in the checkpointed tree: {exc}") from None
    return {
        "message_type": "ledger_proof_check",
        "ok": True,
        "seq": seq,
        "kind": event.kind,
        "time": event.time,
        "origin": origin,
        "tree_size": size,
        "event_key_id": event_key.key_id,
        "checkpoint_key_id": cp_key.key_id,
    }


def consistency(ledger: Ledger, old: int, new: int) -> dict[str, Any]:
    """A consistency proof between two stored checkpoints, checked before it is returned."""
    first, second = ledger.store.checkpoint(old), ledger.store.checkpoint(new)
    if first is None or second is None:
        sizes = ", ".join(str(c.size) for c in ledger.store.checkpoints()[-10:])
        raise LedgerError(f"both sizes must be checkpoints; the latest ones are: {sizes}")
    if old > new:
        raise LedgerError("OLD must not be larger than NEW")
    a, _ = _checkpoint_key(ledger, first.note)
    b, _ = _checkpoint_key(ledger, second.note)
    proof = tree_of(ledger, new).consistency_proof(old, new)
    try:
        verify_consistency(old, new, a.root, b.root, proof)
    except ProofError as exc:
        raise LedgerError(f"checkpoints {old} and {new} are NOT consistent: {exc}") from None
    return {
        "message_type": "ledger_consistency",
        "ok": True,
        "old": {"size": old, "root": base64.b64encode(a.root).decode(), "checkpoint": first.note},
        "new": {"size": new, "root": base64.b64encode(b.root).decode(), "checkpoint": second.note},
        "proof": [base64.b64encode(h).decode() for h in proof],
    }


def _b64(value: Any) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except binascii.Error:
        raise ValueError("a field is not base64") from None
