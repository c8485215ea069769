"""Chain breaks: detected, stamped into the ledger, resolved by a human with the admin key, or timed out.

A break found at start-up (head that does not hash or verify, events beyond the head, a rollback against the
anchored checkpoint, an anchor deleted or put back) becomes a signed `chain_break_detected` event (its kind,
range, expected and actual values, the events lost and the checkpoint contradicted) and the chain continues in a
new segment: the head is rebuilt from the events as stored, each lost event's number is taken by a signed
`event_lost` placeholder, the break event links to the last of them, and a fresh checkpoint re-anchors the
tree. The check, the stamp and the new anchor happen under one write lock, so one incident is one break however
many processes start at once. The ledger's status is
`broken_declared` until an admin writes a `chain_break_resolution` (validate, ignore or reject) signed with the
admin key; with no answer within the timeout (72 h by default) a `timeout_no_action` event is written and the
status stays `broken_declared`. All of this state is read back from the ledger itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from agentguard.ledger import keyring as kr
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.event import Actor, Event
from agentguard.ledger.keys import AGENT, KeyPair
from agentguard.ledger.merkle import Frontier, leaf_hash
from agentguard.ledger.startup import describe
from agentguard.ledger.store import Head

if TYPE_CHECKING:
    from agentguard.ledger.ledger import Ledger

ACTIONS = {"validate": "validated", "ignore": "ignored", "reject": "rejected"}
DEFAULT_TIMEOUT_HOURS = 72
OK, DECLARED, REJECTED = "ok", "broken_declared", "rejected"


@dataclass(frozen=True, slots=True)
class Break:
    """A declared chain break and where its resolution stands."""

    event: Event
    resolution: Event | None = None
    timeout: Event | None = None

    @property
    def id(self) -> str:
        return f"B{self.event.seq}"

    @property
    def status(self) -> str:
        if self.resolution is None:
            return DECLARED
        return REJECTED if self.resolution.payload.get("resolution") == "rejected" else "resolved"

    def to_json(self) -> dict[str, Any]:
        p = self.event.payload
        resolution = self.resolution.payload if self.resolution else None
        return {
            "message_type": "ledger_break",
            "id": self.id,
            "seq": self.event.seq,
            "time": self.event.time,
            "kind": p.get("kind"),
            "range": p.get("range"),
            "expected": p.get("expected"),
            "actual": p.get("actual"),
            "lost": p.get("lost"),
            "checkpoint": p.get("checkpoint"),
            "status": self.status,
            "resolution": resolution,
            "resolved_by": self.resolution.actor.id if self.resolution else None,
            "timed_out": self.timeout is not None,
            "resolve_with": f"agentguard ledger resolve {self.id} --validate|--ignore|--reject --reason TEXT",
        }


def breaks(ledger: Ledger) -> list[Break]:
    """Every declared break with its resolution and timeout, read from the ledger's own events."""
    resolutions = {str(e.payload.get("break_id")): e for e in ledger.events(kind=kr.RESOLUTION)}
    timeouts = {str(e.payload.get("break_id")): e for e in ledger.events(kind=kr.TIMEOUT)}
    found = []
    for event in ledger.events(kind=kr.DETECTED):
        bid = f"B{event.seq}"
        found.append(Break(event, resolutions.get(bid), timeouts.get(bid)))
    return found


def open_breaks_notice(ledger: Ledger) -> str | None:
    """One line for the human while a declared break is unresolved (Ledger.break_notice asks first, cheaply)."""
    unresolved = [b for b in breaks(ledger) if b.resolution is None]
    if not unresolved:
        return None
    first, ids = unresolved[0], ", ".join(b.id for b in unresolved)
    what = f"{ids}; {first.event.payload.get('kind')} at event {first.event.seq}"
    return (f"agentguard: the ledger has {len(unresolved)} unresolved chain break(s) ({what}): see "
            f"`agentguard ledger breaks`, then a human runs `agentguard ledger resolve {first.id} "
            "--validate|--ignore|--reject --reason TEXT`")  # fmt: skip


def status(found: list[Break]) -> str:
    states = {b.status for b in found}
    return REJECTED if REJECTED in states else DECLARED if DECLARED in states else OK


def declare(ledger: Ledger, kind: str, first: int | None, last: int | None, expected: str, actual: str,
            detected_by: str, *, reached: int = 0, checkpoint: str = "") -> Event:  # fmt: skip
    """Stamp a break found by verification or a mirror; the new segment's tree is rebuilt from the stored events.

    `reached`: the size a checkpoint proves the ledger had (events below it that are not stored were lost)."""
    payload = {"kind": kind, "range": [first, last if last is not None else first], "expected": expected,
               "actual": actual, "detected_by": detected_by}  # fmt: skip
    error = IntegrityError(f"{kind} at event {first}", seq=first, reached=reached, checkpoint=checkpoint)
    with ledger._lock:
        ledger._signer = ledger._signer or ledger._load_signer(AGENT, ledger.paths.agent_key)
        ledger.flush()
        store = ledger._store
        store.begin()
        try:
            event = _stamp(ledger, payload, error)
            store.commit()
        finally:
            store.rollback()
        ledger._committed = ledger._head
    return event


def stamp_failed_check(ledger: Ledger, error: IntegrityError) -> Event:
    """After a failed start-up check, inside the caller's write transaction: rebuild, stamp, re-anchor."""
    payload = {"kind": error.kind, "range": [error.seq, error.last if error.last is not None else error.seq],
               "expected": error.expected, "actual": error.actual, "detected_by": "start-up check",
               "message": error.message}  # fmt: skip
    return _stamp(ledger, payload, error)


def _stamp(ledger: Ledger, payload: dict[str, Any], error: IntegrityError) -> Event:
    """The new segment, inside a write transaction: the head rebuilt from the stored events; one `event_lost`
    placeholder for each event a head, anchor or checkpoint proves existed but is gone, so the break has a
    number of its own and no number means two events; the break event; and a checkpoint of the new tree,
    anchored, that is longer than any tree the ledger signed before."""
    store = ledger._store
    signer = ledger._agent_signer()
    frontier, last = Frontier(), None
    for row in store.rows():
        if row.seq != frontier.size:
            raise IntegrityError(f"{error.message}; and event {frontier.size} is missing, so the chain cannot "
                                 "continue: restore the ledger from a backup", seq=frontier.size)  # fmt: skip
        frontier, last = frontier.append(leaf_hash(row.body)), row
    if last is None:
        raise error
    rebuilt = Head(last.seq, leaf_hash(last.body), frontier)
    store.set_head(rebuilt)
    ledger._head = ledger._committed = rebuilt
    latest = store.latest_checkpoint()
    reached = max(error.reached, latest.size if latest else 0)
    lost = range(rebuilt.size, reached)
    for seq in lost:
        head = ledger._head
        ledger._write(seq, kr.LOST, Actor.system(), {"lost_event": seq}, head.hash.hex(), head.frontier, signer)
    contradicted = error.checkpoint or (describe(latest) if latest and latest.size > rebuilt.size else None)
    payload = {**payload, "lost": [lost.start, lost.stop - 1] if lost else None, "checkpoint": contradicted}
    head = ledger._head
    event = ledger._write(head.seq + 1, kr.DETECTED, Actor.system(), payload, head.hash.hex(), head.frontier, signer)
    store.set_head(ledger._head)
    ledger._last_checkpoint = ledger._sign_checkpoint()
    return event


def resolve(ledger: Ledger, break_id: str, action: str, reason: str, admin: KeyPair | None = None) -> Event:
    if action not in ACTIONS:
        raise LedgerError(f"resolve with one of --{', --'.join(ACTIONS)}")
    if not reason.strip():
        raise LedgerError("say why with --reason TEXT (it is kept, signed, in the ledger)")
    found = {b.id: b for b in breaks(ledger)}
    target = found.get(break_id)
    if target is None:
        known = ", ".join(found) or "none"
        raise LedgerError(f"no break {break_id}: the declared breaks are {known} (see `agentguard ledger breaks`)")
    if target.resolution is not None:
        raise LedgerError(f"break {break_id} is already {target.status} (event {target.resolution.seq})")
    signer = ledger._admin_signer(admin)
    payload = {"break_id": break_id, "resolution": ACTIONS[action], "reason": reason}
    return ledger._append(kr.RESOLUTION, Actor.human(_user()), payload, signer)


def check_timeouts(ledger: Ledger, hours: int = DEFAULT_TIMEOUT_HOURS, now: float | None = None) -> list[Event]:
    """Write `timeout_no_action` for every unresolved break older than `hours` that has none yet."""
    now = time.time() if now is None else now
    written = []
    for found in breaks(ledger):
        if found.resolution is None and found.timeout is None and _age(found.event.time, now) >= hours * 3600:
            payload = {"break_id": found.id, "after_hours": hours}
            written.append(ledger._append(kr.TIMEOUT, Actor.system(), payload))
    return written


def _age(when: str | int, now: float) -> float:
    if isinstance(when, int):
        return now - when
    try:
        return now - datetime.fromisoformat(when).timestamp()
    except ValueError:
        return 0.0


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
