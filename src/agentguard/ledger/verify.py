"""Full verification: links, Merkle roots against checkpoints and the anchor, signatures, key validity ranges.

Two passes. The structure pass reads every event's bytes once, in order: sequence numbers without gaps, each
`prev` equal to the previous event's hash, the Merkle frontier grown leaf by leaf and its root compared with
every stored checkpoint and the anchor, and finally the head row. The signature pass parses every event and
checks its fields, which key must have signed it (keyring) and the Ed25519 signature; it runs in a process
pool over ranges of events (Ed25519 verification is the bulk of the cost) while the parent does the
structure pass. The report names the FIRST bad sequence number and what is wrong with it.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from agentguard.ledger import keyring as kr
from agentguard.ledger import signatures as signatures_mod
from agentguard.ledger.errors import LedgerError
from agentguard.ledger.event import GENESIS_PREV, Event, link_of
from agentguard.ledger.findings import Declared, Problem, covered, declared_ranges
from agentguard.ledger.keys import AGENT, PublicKey
from agentguard.ledger.merkle import frontier_root
from agentguard.ledger.note import Checkpoint, open_checkpoint
from agentguard.ledger.paths import LedgerPaths, read_text
from agentguard.ledger.store import Store, StoredCheckpoint

Progress = Callable[[str, int, int], None]  # (phase, done, total)


@dataclass(frozen=True, slots=True)
class Report:
    """What a verification found: counts, the first bad sequence number, every problem."""

    events: int
    signatures: bool
    checkpoints: int
    problems: tuple[Problem, ...]
    seconds: float
    anchor_size: int | None = None
    declared: tuple[Problem, ...] = ()  # problems inside the range of a signed chain_break_detected event
    status: str = "ok"  # of the declared breaks: ok, broken_declared (unresolved) or rejected

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        """The problem with the lowest sequence number (problems without one come last)."""
        if not self.problems:
            return None
        return min(self.problems, key=lambda p: (p.seq is None, p.seq or 0))

    def to_json(self) -> dict[str, Any]:
        first = self.first
        return {
            "message_type": "ledger_verification",
            "ok": self.ok,
            "events": self.events,
            "signatures_checked": self.signatures,
            "checkpoints_checked": self.checkpoints,
            "anchor_size": self.anchor_size,
            "first_bad_seq": first.seq if first else None,
            "first_problem": first.to_json() if first else None,
            "problems": [p.to_json() for p in self.problems],
            "declared": [p.to_json() for p in self.declared],
            "break_status": self.status,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Structure:
    """What the structure pass learns: roots at the sizes asked for, and the first problem."""

    count: int = 0
    roots: dict[int, bytes] = field(default_factory=dict)
    problem: Problem | None = None
    last_hash: bytes = b""
    frontier: list[bytes] = field(default_factory=list)
    declared: list[Problem] = field(default_factory=list)


def verify(paths: LedgerPaths, *, signatures: bool = True, workers: int | None = None,
           progress: Progress | None = None, anchor: str | None = None) -> Report:  # fmt: skip
    """Check everything; `anchor` is a checkpoint note from outside the database (default: the anchor file)."""
    started = time.monotonic()
    if not os.path.exists(paths.db):
        raise LedgerError(f"there is no ledger at {paths.db}")
    store = Store(paths.db, readonly=True)
    try:
        # One snapshot, between two reads of the anchor file (startup.py says why that is exact while other
        # processes write): the first is the anchor the tree must contain, the second must cover every
        # checkpoint in the snapshot.
        note = anchor if anchor is not None else read_text(paths.anchor)
        store.begin_read()
        after = _Anchor(anchor is None, read_text(paths.anchor) if anchor is None else None)
        return _verify(store, paths.db, signatures, workers, progress, note, after, started)
    finally:
        store.close()


class _Anchor(NamedTuple):
    """The anchor file as read after the snapshot began (`checked`: verify reads the file, not a given note)."""

    checked: bool
    note: str | None


def _verify(store: Store, db: str, signatures: bool, workers: int | None, progress: Progress | None, note: str | None,
            after: _Anchor, started: float) -> Report:  # fmt: skip
    problems: list[Problem] = []
    total = (store.max_seq() or 0) + 1
    ring, origin = _keyring(store, problems)
    ranges = declared_ranges(store, ring)
    stored = store.checkpoints()
    anchored = _open_anchor(note, ring, origin, problems)
    if after.checked and stored:
        problems += _anchor_age_problems(after.note, stored[-1], ring, origin)
    wanted = {c.size for c in stored} | ({anchored.size} if anchored else set())
    pending = signatures_mod.launch(db, total, ring, workers, ranges) if signatures else None
    structure = _structure(store, wanted, total, progress, ranges)
    if structure.problem:
        problems.append(structure.problem)
    problems += _head_problems(store, structure)
    problems += _checkpoint_problems(stored, structure, ring, origin)
    if anchored is not None:
        problems += _anchor_problems(anchored, structure)
    declared = list(structure.declared)
    if pending is not None:
        found, more = signatures_mod.collect(pending, total, progress)
        problems += found
        declared += more
    problems, late = _split_declared(problems, ranges)
    return Report(structure.count, signatures, len(stored), tuple(problems), time.monotonic() - started,
                  anchored.size if anchored else None, tuple(declared + late), _break_status(store))  # fmt: skip


def _split_declared(problems: list[Problem], ranges: list[Declared]) -> tuple[list[Problem], list[Problem]]:
    if not ranges:
        return problems, []
    keep: list[Problem] = []
    declared: list[Problem] = []
    for p in problems:
        (declared if covered(p.seq, ranges, p.tree) else keep).append(p)
    return keep, declared


def _break_status(store: Store) -> str:
    resolved = {}
    for row in store.rows(kind=kr.RESOLUTION):
        try:
            payload = Event.from_row(row.seq, row.body, row.sig).payload
        except LedgerError:
            continue
        resolved[str(payload.get("break_id"))] = payload.get("resolution")
    states = [resolved.get(f"B{row.seq}") for row in store.rows(kind=kr.DETECTED)]
    if "rejected" in states:
        return "rejected"
    return "broken_declared" if None in states else "ok"


def _keyring(store: Store, problems: list[Problem]) -> tuple[kr.KeyRing, str]:
    """Keys as the ledger's own signed events declare them (genesis, rotations), each declaration verified."""
    ring, origin = kr.KeyRing(()), ""
    for row in store.rows(kind=kr.GENESIS):
        if row.seq == 0:
            break
    else:
        problems.append(Problem(0, "the genesis event (0, ledger_created) is missing"))
        return ring, origin
    first = store.row(0)
    for row in [first, *store.rows(kind=kr.ROTATION)] if first else []:
        try:
            event = Event.from_row(row.seq, row.body, row.sig)
            declared = kr.declarations(event.seq, event.kind, event.payload)
        except LedgerError as exc:
            problems.append(Problem(row.seq, f"event {row.seq} declares keys badly: {exc.message}"))
            break
        trial = ring
        if event.seq == 0:
            for role, start, public in declared:
                trial = trial.with_key(role, start, PublicKey(public))
            origin = str(event.payload.get("origin", ""))
        span, problem = trial.problem(event.seq, event.kind, event.payload, event.key_id)
        if problem or span is None or not span.key.verifies(row.body, row.sig):
            break  # the signature pass reports this event; keys it declares are not trusted
        ring = trial if event.seq == 0 else _add(ring, declared)
    return ring, origin


def _add(ring: kr.KeyRing, declared: list[tuple[str, int, bytes]]) -> kr.KeyRing:
    for role, start, public in declared:
        ring = ring.with_key(role, start, PublicKey(public))
    return ring


def _structure(store: Store, wanted: set[int], total: int, progress: Progress | None,
               ranges: Sequence[Declared] = ()) -> _Structure:  # fmt: skip
    """The hot loop of verification (1M events in a few seconds): link parsing and frontier appends inlined."""
    out = _Structure()
    sha256, node, marker = hashlib.sha256, b"\x01", b',"prev":"'
    hashes = out.frontier
    prev, expected, digest = GENESIS_PREV.encode(), 0, b""
    for seq, body in store.raw_rows(0, 1 << 62):
        if seq != expected:
            out.problem = Problem(expected, f"event {expected} is missing (the next stored event is {seq})")
            break
        at = body.rfind(marker) + 9  # see event.link_of, which this inlines
        if at < 9 or body[at + 64 : at + 72] != b'","seq":' or body[at + 72 : body.find(b",", at + 72)] != b"%d" % seq:
            if not covered(seq, ranges):
                out.problem = _malformed(seq, body)
                break
            out.declared.append(_malformed(seq, body))
        elif body[at : at + 64] != prev:
            if not covered(seq, ranges):
                out.problem = _unlinked(seq, prev, body[at : at + 64])
                break
            out.declared.append(_unlinked(seq, prev, body[at : at + 64]))
        digest = sha256(b"\x00" + body).digest()
        prev = digest.hex().encode()
        n, top = seq, digest  # frontier_append, inlined
        while n & 1:
            top = sha256(node + hashes.pop() + top).digest()
            n >>= 1
        hashes.append(top)
        expected = seq + 1
        if expected in wanted:
            out.roots[expected] = frontier_root(hashes)
        if progress and not expected % 100_000:
            progress("structure", expected, total)
    out.count, out.last_hash = expected, digest
    return out


def _unlinked(seq: int, prev: bytes, actual: bytes) -> Problem:
    what = f"event {seq} does not link to event {seq - 1}: its prev is not that event's hash"
    return Problem(seq, what, prev.decode(), actual.decode(errors="replace"))


def _malformed(seq: int, body: bytes) -> Problem:
    link = link_of(body)
    claimed = "nothing readable" if link is None else f"sequence number {link[1]}"
    return Problem(seq, f"event {seq} is malformed or out of place: its bytes say {claimed}")


def _head_problems(store: Store, structure: _Structure) -> list[Problem]:
    if structure.problem:
        return []  # the chain already broke; the head cannot match
    try:
        head = store.head()
    except LedgerError as exc:
        return [Problem(None, exc.message)]
    n = structure.count
    if head is None:
        return [Problem(0, "the ledger has no head")]
    if head.size < n:
        return [Problem(head.size, f"events {head.size}..{n - 1} lie beyond the head ({head.seq}): added "
                        "outside the ledger")]  # fmt: skip
    if head.size > n:
        return [Problem(n, f"events {n}..{head.seq} are missing: the head names {head.seq}")]
    if head.hash != structure.last_hash or list(head.frontier.hashes) != structure.frontier:
        return [Problem(head.seq, "the head does not match the last event's hash and tree")]
    return []


def _open_anchor(note: str | None, ring: kr.KeyRing, origin: str, problems: list[Problem]) -> Checkpoint | None:
    if note is None:
        return None
    for key in ring.agent_keys():
        try:
            checkpoint = open_checkpoint(note, origin, key)
        except LedgerError:
            continue
        return checkpoint
    problems.append(Problem(None, f"the anchor checkpoint is not signed by any agent key of {origin or 'the ledger'}"))
    return None


def _checkpoint_problems(stored: list[Any], structure: _Structure, ring: kr.KeyRing, origin: str) -> list[Problem]:
    problems: list[Problem] = []
    good = 0
    for cp in stored:
        keys = [s.key for s in ring.spans if s.role == AGENT and (s.covers(cp.size - 1) or s.covers(cp.size))]
        try:
            body = _open_with(cp.note, origin, keys)
        except LedgerError as exc:
            problems.append(Problem(None, f"checkpoint {cp.size}: {exc.message}"))
            continue
        if (body.size, body.root) != (cp.size, cp.root):
            problems.append(Problem(None, f"checkpoint {cp.size}: its row does not match its signed note"))
            continue
        root = structure.roots.get(cp.size)
        if root is None:
            if not structure.problem:
                problems.append(Problem(structure.count, f"checkpoint {cp.size} covers events the ledger lacks"))
            continue
        if root != cp.root:
            # Links hold but the tree differs: history was rewritten (the signature pass names the event when
            # keys were misused) or the checkpoint row was; no single event can be blamed from here.
            problems.append(Problem(None, f"events {good}..{cp.size - 1} are not the ones checkpoint {cp.size} "
                                    "signed", cp.root.hex(), root.hex(), cp.size))  # fmt: skip
            continue
        good = cp.size
    return problems


def _open_with(note: str, origin: str, keys: list[PublicKey]) -> Checkpoint:
    for key in keys:
        try:
            return open_checkpoint(note, origin, key)
        except LedgerError:
            continue
    raise LedgerError("its note is not signed by the agent key valid at its size")


def _anchor_age_problems(note: str | None, newest: StoredCheckpoint, ring: kr.KeyRing, origin: str) -> list[Problem]:
    """Each checkpoint is anchored before its row is committed: no anchor, or an older one, was put there."""
    if note is None:
        return [Problem(None, f"the anchor file is gone, but checkpoints up to {newest.size} events are stored",
                        f"an anchor of at least {newest.size} events", "no anchor file", newest.size)]  # fmt: skip
    try:
        size = _open_with(note, origin, list(ring.agent_keys())).size
    except LedgerError:
        return []  # _open_anchor reports an anchor no key of the ledger signed
    if size >= newest.size:
        return []
    return [Problem(None, f"the anchor ({size} events) is older than the newest stored checkpoint ({newest.size})",
                    f"an anchor of at least {newest.size} events", f"{size} events", newest.size)]  # fmt: skip


def _anchor_problems(anchored: Checkpoint, structure: _Structure) -> list[Problem]:
    n = structure.count
    if anchored.size > n and not structure.problem:
        return [Problem(n, f"rollback: the anchored checkpoint covers {anchored.size} events, the ledger has {n}; "
                        f"events {n}..{anchored.size - 1} are gone")]  # fmt: skip
    root = structure.roots.get(anchored.size)
    if root is not None and root != anchored.root:
        return [Problem(None, f"the ledger's first {anchored.size} events are not the anchored ones (replaced "
                        "history)", anchored.root.hex(), root.hex(), anchored.size)]  # fmt: skip
    return []


# -- signatures, in a process pool --
