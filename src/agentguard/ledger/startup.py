"""The O(1) start-up checks: the head event re-hashed and its signature checked, and the local tree against
the anchor file (so truncating the database, putting an older copy back, or deleting the anchor is caught).

Exact under any number of concurrent writers, because of two rules the write path keeps: the anchor file is
written under the write lock, before the checkpoint row it copies is committed, and only ever grows. So the
anchor read just BEFORE a read snapshot names a tree the snapshot contains (a smaller anchor is never newer
than the head it is compared with), and the anchor read just AFTER it is at least as new as every checkpoint
row in the snapshot. `check` reads the anchor on both sides of one read transaction.

The anchor check is O(1) too: at the anchor's size the local root is either the head's frontier root or a
stored checkpoint's root (every checkpoint the ledger anchors is also stored). Full consistency of the whole
history is `agentguard ledger verify`'s job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from agentguard.ledger import keyring as kr
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.event import Event
from agentguard.ledger.merkle import leaf_hash
from agentguard.ledger.paths import read_text
from agentguard.ledger.store import Head, Store, StoredCheckpoint

if TYPE_CHECKING:
    from agentguard.ledger.note import Checkpoint


class Checked(NamedTuple):
    """What a passing start-up check read: the head, the keys, and an anchored checkpoint whose row is missing.

    `unstored` is set when a writer died between writing the anchor and committing the checkpoint row it
    copies: the anchor then names exactly the committed tree (verified), and the row can be stored again."""

    head: Head
    ring: kr.KeyRing
    unstored: Checkpoint | None = None


def check(store: Store, origin: str, anchor_path: str, *, in_transaction: bool = False) -> Checked:
    """Head and anchor in one read snapshot, between two reads of the anchor file (see the module's doc).

    `in_transaction`: the caller holds the write lock already (recovery re-checks under it)."""
    before = read_text(anchor_path)
    if not in_transaction:
        store.begin_read()
    try:
        head = store.head()
        if head is None:
            raise LedgerError(f"the ledger at {store.path} is empty")
        ring = kr.KeyRing.from_declarations(store.keys())
        check_head(store, ring, head)
        after = read_text(anchor_path)
        anchored = check_anchor(store, ring, origin, head, before)
        check_newest_anchored(store, ring, origin, after)
        unstored = anchored if anchored and store.checkpoint(anchored.size) is None else None
        return Checked(head, ring, unstored)
    finally:
        if not in_transaction:
            store.end_read()


def check_head(store: Store, ring: kr.KeyRing, head: Head) -> None:
    """The head event is there, hashes to the head, is the last row and carries a valid signature."""
    row = store.row(head.seq)
    if row is None:
        last = store.max_seq()
        first = 0 if last is None else min(last + 1, head.seq)
        raise IntegrityError(f"the head names event {head.seq}, which is missing: events {first}..{head.seq} are "
                             "gone", seq=first, last=head.seq, kind="missing_events",
                             expected=f"event {head.seq} with hash {head.hash.hex()}",
                             actual=f"last stored event {last}", reached=head.size)  # fmt: skip
    if leaf_hash(row.body) != head.hash:
        raise IntegrityError(f"event {head.seq} (the head) does not hash to the recorded head", seq=head.seq,
                             expected=head.hash.hex(), actual=leaf_hash(row.body).hex())  # fmt: skip
    last = store.max_seq()
    if last != head.seq:
        raise IntegrityError(f"events after the head ({head.seq}) exist up to {last}: added outside the ledger",
                             seq=head.seq + 1, last=last, kind="events_beyond_head",
                             expected=f"last event {head.seq}", actual=f"last event {last}")  # fmt: skip
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
        return None  # the ledger went on in a new segment after this very rollback was stamped
    if checkpoint.size > size:
        raise IntegrityError(f"rollback: the anchored checkpoint has {checkpoint.size} events but the ledger "
                             f"has {size}; events {size}..{checkpoint.size - 1} are gone", seq=size,
                             kind="rollback", last=checkpoint.size - 1, expected=describe(checkpoint),
                             actual=f"{size} events", reached=checkpoint.size,
                             checkpoint=describe(checkpoint))  # fmt: skip
    local = head.frontier.root() if checkpoint.size == size else None
    if local is None:
        stored = store.checkpoint(checkpoint.size)
        local = stored.root if stored else None
    if local != checkpoint.root:
        actual = f"root {local.hex()}" if local else f"no checkpoint at size {checkpoint.size}"
        raise IntegrityError(f"the ledger's tree at size {checkpoint.size} is not the anchored one "
                             "(history was rewritten or replaced)", seq=None, kind="rollback",
                             expected=describe(checkpoint), actual=actual, reached=checkpoint.size,
                             checkpoint=describe(checkpoint))  # fmt: skip
    return checkpoint


def check_newest_anchored(store: Store, ring: kr.KeyRing, origin: str, note: str | None) -> None:
    """Every stored checkpoint was anchored before it was committed: an anchor that is gone, or older than the
    newest stored checkpoint, was deleted or put back by someone, and would re-anchor a shortened ledger."""
    latest = store.latest_checkpoint()
    if latest is None:
        return
    if note is None:
        raise IntegrityError(f"the anchor file is gone, but the ledger has signed checkpoints up to "
                             f"{latest.size} events: it was deleted", kind="anchor_missing",
                             expected=describe(latest), actual="no anchor file", reached=latest.size,
                             checkpoint=describe(latest))  # fmt: skip
    try:
        anchored = open_note(ring, origin, note)
    except IntegrityError as exc:
        raise IntegrityError(f"the anchor file is not a checkpoint of this ledger ({exc.message}): it was "
                             "replaced", kind="anchor_invalid", expected=describe(latest),
                             actual="an anchor no key of this ledger signed", reached=latest.size,
                             checkpoint=describe(latest)) from None  # fmt: skip
    if anchored.size < latest.size and not already_declared(store, ring, describe(anchored)):
        raise IntegrityError(f"the anchor ({anchored.size} events) is older than the newest stored checkpoint "
                             f"({latest.size} events): an older anchor was put back", kind="anchor_stale",
                             expected=describe(latest), actual=describe(anchored), reached=latest.size,
                             checkpoint=describe(latest))  # fmt: skip


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
    raise IntegrityError(f"the anchored checkpoint is not a checkpoint of {origin} signed by its keys",
                         kind="anchor_invalid")  # fmt: skip


def already_declared(store: Store, ring: kr.KeyRing, expected: str) -> bool:
    """Whether a validly signed chain_break_detected event names this checkpoint as what it expected.

    Mirrors keep the checkpoint a rollback lost; once the break is stamped, that checkpoint must not be
    reported (and alerted) again at every start. One indexed lookup; empty when there was never a break.
    """
    for row in store.last_rows(50, kr.DETECTED):
        event = Event.from_row(row.seq, row.body, row.sig)
        span, problem = ring.problem(event.seq, event.kind, event.payload, event.key_id)
        named = expected in (event.payload.get("expected"), event.payload.get("checkpoint"))
        if named and not problem and span and span.key.verifies(row.body, row.sig):
            return True
    return False


def describe(checkpoint: Checkpoint | StoredCheckpoint) -> str:
    return f"{checkpoint.size} events, root {checkpoint.root.hex()}"
