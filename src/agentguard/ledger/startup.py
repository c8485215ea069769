"""The O(1) start-up checks: the head event re-hashed and its signature checked, and the local tree against
the last anchored checkpoint (so truncating the database or putting an older copy back is caught at once).

The anchor check is O(1) too: at the anchor's size the local root is either the head's frontier root or a
stored checkpoint's root (every checkpoint the ledger anchors is also stored). Full consistency of the whole
history is `agentguard ledger verify`'s job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agentguard.ledger import keyring as kr
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.event import Event
from agentguard.ledger.merkle import leaf_hash
from agentguard.ledger.store import Head, Store

if TYPE_CHECKING:
    from agentguard.ledger.note import Checkpoint


def check_head(store: Store, ring: kr.KeyRing, head: Head) -> None:
    """The head event is there, hashes to the head, is the last row and carries a valid signature."""
    row = store.row(head.seq)
    if row is None:
        raise IntegrityError(f"the head names event {head.seq}, which is missing", seq=head.seq,
                             kind="missing_events")  # fmt: skip
    if leaf_hash(row.body) != head.hash:
        raise IntegrityError(f"event {head.seq} (the head) does not hash to the recorded head", seq=head.seq,
                             expected=head.hash.hex(), actual=leaf_hash(row.body).hex())  # fmt: skip
    last = store.max_seq()
    if last != head.seq:
        raise IntegrityError(f"events after the head ({head.seq}) exist up to {last}", seq=head.seq + 1,
                             last=last, expected=f"last event {head.seq}", actual=f"last event {last}")  # fmt: skip
    event = Event.from_row(row.seq, row.body, row.sig)
    span, problem = ring.problem(event.seq, event.kind, event.payload, event.key_id)
    if problem or span is None:
        raise IntegrityError(f"event {head.seq} (the head) {problem}", seq=head.seq, kind="bad_signature")
    if not span.key.verifies(row.body, row.sig):
        raise IntegrityError(f"event {head.seq} (the head) has a bad signature", seq=head.seq,
                             kind="bad_signature")  # fmt: skip


def check_anchor(store: Store, ring: kr.KeyRing, origin: str, head: Head, note: str | None) -> Checkpoint | None:
    """The local tree must contain the anchored checkpoint: same root at its size, and not be shorter."""
    if note is None:
        return None
    checkpoint = open_note(ring, origin, note)
    size = head.size
    if already_declared(store, ring, describe(checkpoint)):
        return checkpoint  # the ledger went on in a new segment after this very rollback was stamped
    if checkpoint.size > size:
        raise IntegrityError(f"rollback: the anchored checkpoint has {checkpoint.size} events but the ledger "
                             f"has {size}; events {size}..{checkpoint.size - 1} are gone", seq=size,
                             kind="rollback", last=checkpoint.size - 1, expected=describe(checkpoint),
                             actual=f"{size} events")  # fmt: skip
    local = head.frontier.root() if checkpoint.size == size else None
    if local is None:
        stored = store.checkpoint(checkpoint.size)
        local = stored.root if stored else None
    if local != checkpoint.root:
        actual = f"root {local.hex()}" if local else f"no checkpoint at size {checkpoint.size}"
        raise IntegrityError(f"the ledger's tree at size {checkpoint.size} is not the anchored one "
                             "(history was rewritten or replaced)", seq=None, kind="rollback",
                             expected=describe(checkpoint), actual=actual)  # fmt: skip
    return checkpoint


def open_note(ring: kr.KeyRing, origin: str, note: str) -> Checkpoint:
    """A checkpoint of this ledger (its origin) signed by one of its agent keys, newest key first."""
    from agentguard.ledger.note import open_checkpoint  # not before the first checkpoint is anchored

    for key in reversed(ring.agent_keys()):
        try:
            checkpoint = open_checkpoint(note, origin, key)
        except LedgerError:
            continue
        if checkpoint.origin != origin:
            break
        return checkpoint
    raise IntegrityError(f"the anchored checkpoint is not a checkpoint of {origin} signed by its keys")


def already_declared(store: Store, ring: kr.KeyRing, expected: str) -> bool:
    """Whether a validly signed chain_break_detected event names this anchor as what it expected.

    Mirrors keep the checkpoint a rollback lost; once the break is stamped, that checkpoint must not be
    reported (and alerted) again at every start. One indexed lookup; empty when there was never a break.
    """
    for row in store.last_rows(50, kr.DETECTED):
        event = Event.from_row(row.seq, row.body, row.sig)
        span, problem = ring.problem(event.seq, event.kind, event.payload, event.key_id)
        if event.payload.get("expected") == expected and not problem and span and span.key.verifies(row.body, row.sig):
            return True
    return False


def describe(checkpoint: Checkpoint) -> str:
    return f"{checkpoint.size} events, root {checkpoint.root.hex()}"
