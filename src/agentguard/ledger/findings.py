"""What verification finds: problems (the first bad event and what is wrong) and the ranges that signed
chain_break_detected events declare broken, which excuse the problems inside them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agentguard.ledger import keyring as kr
from agentguard.ledger.errors import LedgerError
from agentguard.ledger.event import Event
from agentguard.ledger.store import Store


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing verification found wrong, at a sequence number."""

    seq: int | None  # the first event concerned; None when no single event is to blame
    what: str
    expected: str = ""
    actual: str = ""
    tree: int | None = None  # for a tree-wide problem: the size of the checkpoint or anchor that disagrees

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "what": self.what, "expected": self.expected, "actual": self.actual}


Declared = tuple[int, int, int]  # first and last event declared broken, and the seq of the declaring event


def declared_ranges(store: Store, ring: kr.KeyRing) -> list[Declared]:
    """The ranges that validly signed chain_break_detected events declare broken."""
    ranges = []
    for row in store.rows(kind=kr.DETECTED):
        try:
            event = Event.from_row(row.seq, row.body, row.sig)
            first, last = event.payload["range"]
            span, problem = ring.problem(event.seq, event.kind, event.payload, event.key_id)
        except (LedgerError, KeyError, TypeError, ValueError):
            continue
        if not problem and span is not None and span.key.verifies(row.body, row.sig):
            first = first if isinstance(first, int) else 0
            ranges.append((first, last if isinstance(last, int) else first, event.seq))
    return ranges


def covered(seq: int | None, ranges: Sequence[Declared], tree: int | None = None) -> bool:
    """Whether a problem lies in a declared range.

    Only events older than the declaring event are excused: a break never covers what is written after it.
    A broken link at seq is covered when seq - 1 (the event that changed) is. A checkpoint (or the anchor)
    of `tree` events that disagrees is covered when it was made before the break and contains a declared event.
    """
    if seq is None:
        return tree is not None and any(tree <= at and first < tree for first, _, at in ranges)
    return any(seq < at and (first <= seq <= last or first <= seq - 1 <= last) for first, last, at in ranges)
