"""The signature pass of verification, over ranges of events in a process pool.

Ed25519 verification (~50 µs an event with PyNaCl) is the bulk of a full check: ranges of CHUNK events go to
one process per core, each opening the database read-only; keyring spans cross as plain tuples.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agentguard.ledger import keyring as kr
from agentguard.ledger.errors import LedgerError
from agentguard.ledger.event import Event
from agentguard.ledger.findings import Declared, Problem, covered
from agentguard.ledger.keys import PublicKey
from agentguard.ledger.store import Store

SpanTuple = tuple[str, bytes, int, int | None]  # a keyring span as plain data, to cross process boundaries
POOL_MIN = 20_000  # below this a pool costs more than it saves
CHUNK = 50_000
Progress = Callable[[str, int, int], None]


def launch(db: str, total: int, ring: kr.KeyRing, workers: int | None, declared: list[Declared]) -> Any:
    """Start checking every event; returns futures (or finished values when the ledger is small)."""
    spans = [(s.role, s.key.raw, s.start, s.until) for s in ring.spans]
    ranges = [(start, min(start + CHUNK, total)) for start in range(0, total, CHUNK)]
    workers = workers or os.cpu_count() or 1
    if total < POOL_MIN or workers < 2:
        return [_Done(check_range(db, spans, lo, hi, declared)) for lo, hi in ranges]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    futures = [pool.submit(check_range, db, spans, lo, hi, declared) for lo, hi in ranges]
    pool.shutdown(wait=False)
    return futures


Checked = tuple[int, Problem | None, list[Problem]]  # events read, first problem, declared problems


@dataclass(frozen=True, slots=True)
class _Done:
    """What one worker of the signature pass checked."""

    value: Checked

    def result(self) -> Checked:
        return self.value


def collect(pending: list[Any], total: int, progress: Progress | None) -> tuple[list[Problem], list[Problem]]:
    """The first problem found (ranges finish in order) and every problem a declared break excuses."""
    problems, declared, done = [], [], 0
    for future in pending:
        count, problem, more = future.result()
        done += count
        declared += more
        if progress:
            progress("signatures", done, total)
        if problem is not None:
            problems.append(problem)
    return problems[:1], declared


def check_range(db: str, spans: list[SpanTuple], lo: int, hi: int,
                declared: Sequence[Declared] = ()) -> Checked:  # fmt: skip
    """Every event in [lo, hi): well-formed, kind column true, signed by the key valid at its seq."""
    ring = kr.KeyRing(tuple(kr.Span(role, PublicKey(raw), start, until) for role, raw, start, until in spans))
    store = Store(db, readonly=True)
    count, excused = 0, list[Problem]()
    try:
        for row in store.rows(lo, hi):
            count += 1
            problem = _check_row(ring, row)
            if problem is None:
                continue
            if not covered(row.seq, declared):
                return count, problem, excused
            excused.append(problem)
    finally:
        store.close()
    return count, None, excused


def _check_row(ring: kr.KeyRing, row: Any) -> Problem | None:
    from nacl.bindings import crypto_sign_open
    from nacl.exceptions import BadSignatureError

    try:
        event = Event.from_row(row.seq, row.body, row.sig)
    except LedgerError as exc:
        return Problem(row.seq, exc.message)
    if row.kind != event.kind:
        return Problem(row.seq, f"event {row.seq}'s kind column says {row.kind!r}, its signed bytes say {event.kind!r}")
    span, problem = ring.problem(event.seq, event.kind, event.payload, event.key_id)
    if problem or span is None:
        return Problem(row.seq, f"event {row.seq} {problem}")
    try:
        crypto_sign_open(row.sig + row.body, span.key.raw)
    except (BadSignatureError, ValueError):
        return Problem(row.seq, f"event {row.seq} has a bad signature (key {span.key.key_id})")
    return None
