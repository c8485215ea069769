"""Torture: a writer commits without pause to a WAL database while more than a hundred snapshots are taken.

The writer keeps an invariant in every transaction: it inserts row `seq` into `log` and adds to the running
totals in `total`, so `total.n == count(log)` and `total.s == sum(log.seq)`, and seq runs 1, 2, 3 … with no
gap. It also rewrites a random older row (pages change all over the file, not just at its end) and lets SQLite
checkpoint on its own, so snapshots race checkpoints too. After each commit it publishes the seq it committed;
the test reads that number just before each snapshot begins: every transaction up to it must be in the copy.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
import time
from collections.abc import Iterator
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

import pytest

from agentguard.snapshots.capture import take
from agentguard.snapshots.restore import restore
from agentguard.snapshots.store import Store
from agentguard.snapshots.verify import verify

SNAPSHOTS = 110
PREFILL = 10_000  # rows before the writer starts: about 3 MB, so a copy takes long enough to race commits
BUDGET = 60.0  # seconds the writer may take to start; the whole test runs in about 5 s on an idle 2-core machine


def writer(path: str, committed: Synchronized[int], stop: Synchronized[int]) -> None:
    """Commit transactions until told to stop; publish each committed seq after the commit returns."""
    rng = random.Random(4)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=200")  # frequent checkpoints: snapshots race them
    conn.execute("PRAGMA synchronous=NORMAL")  # many more commits per second; durability is not under test
    seq = int(conn.execute("SELECT n FROM total").fetchone()[0])
    while not stop.value:
        seq += 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO log (seq, pad) VALUES (?, randomblob(300))", (seq,))
        conn.execute("UPDATE total SET n = n + 1, s = s + ? WHERE id = 1", (seq,))
        if seq % 4 == 0:
            conn.execute("UPDATE log SET pad = randomblob(300) WHERE seq = ?", (rng.randrange(1, seq),))
        conn.execute("COMMIT")
        committed.value = seq
        time.sleep(0.0005)  # a busy writer, not a tight loop: the database stays small enough to copy 100 times
    conn.close()


def create(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE log (seq INTEGER PRIMARY KEY, pad BLOB NOT NULL)")
        conn.execute("CREATE TABLE total (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, s INTEGER NOT NULL)")
        conn.executemany(
            "INSERT INTO log (seq, pad) VALUES (?, randomblob(300))", [(i,) for i in range(1, PREFILL + 1)]
        )
        conn.execute("INSERT INTO total VALUES (1, ?, ?)", (PREFILL, PREFILL * (PREFILL + 1) // 2))
    conn.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(str(tmp_path / "state"))
    yield opened
    opened.close()


def check_copy(path: Path) -> tuple[str, int, int, int, int]:
    """(integrity, count, max seq, total.n, total.s − sum(seq)) of a restored copy."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        count, top, seqsum = conn.execute(
            "SELECT count(*), coalesce(max(seq), 0), coalesce(sum(seq), 0) FROM log"
        ).fetchone()
        n, s = conn.execute("SELECT n, s FROM total WHERE id = 1").fetchone()
        return str(result), int(count), int(top), int(n), int(s) - int(seqsum)
    finally:
        conn.close()


def test_snapshots_of_a_live_writer_hold_every_committed_transaction(tmp_path: Path, store: Store) -> None:
    started = time.monotonic()
    db = tmp_path / "live.db"
    create(db)
    context = multiprocessing.get_context("fork")
    committed, stop = context.Value("q", 0), context.Value("i", 0)
    proc = context.Process(target=writer, args=(str(db), committed, stop), daemon=True)
    proc.start()
    taken: list[tuple[str, int, int]] = []  # (snapshot id, committed before it began, committed after it ended)
    try:
        while committed.value < PREFILL + 50:  # the writer is running before the first snapshot
            assert proc.is_alive() and time.monotonic() - started < BUDGET, "the writer did not start"
            time.sleep(0.01)
        for _ in range(SNAPSHOTS):
            before = committed.value
            snap = take(store, [str(db)], reason="torture")
            taken.append((snap.id, before, committed.value))
    finally:
        stop.value = 1
        proc.join(10)
    assert proc.exitcode == 0, "the writer failed"
    final = committed.value
    assert taken[-1][1] > taken[0][1], "the writer made no progress while snapshots were taken"

    counts: dict[str, int] = {}
    for sid, before, after in taken:
        target = tmp_path / "restored" / f"{sid}.db"
        report = restore(store, sid, to=str(target))
        assert report.ok and report.safety_snapshot is None
        result, count, top, n, drift = check_copy(target)
        assert result == "ok", sid
        assert (n, drift, top) == (count, 0, count), f"{sid}: the invariant does not hold"
        assert count >= before, f"{sid}: began after seq {before} committed, holds only {count}"
        assert count <= after + 1, f"{sid}: holds {count}, more than was committed when it ended ({after})"
        counts[sid] = count
        target.unlink()
    assert len(set(counts.values())) > SNAPSHOTS // 2, "snapshots did not see the writer move"

    # in place, over the file the writer left (its -wal and -shm beside it): the old state comes back whole
    assert check_copy(db)[:2] == ("ok", final)
    first = taken[0][0]
    report = restore(store, first)
    assert report.ok and report.safety_snapshot is not None
    assert check_copy(db)[:2] == ("ok", counts[first])
    assert check_copy(db)[2:] == (counts[first], counts[first], 0)
    for sid in [*list(counts)[:: SNAPSHOTS // 5], str(report.safety_snapshot)]:
        assert verify(store, sid).ok, sid
