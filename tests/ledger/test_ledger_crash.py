"""Crash safety: SIGKILL an appending process at a random moment, 200+ times.

The child (forked, so no interpreter start-up per run) appends and reports each sequence number on a pipe
only after the append (or, grouped, the flush) returned. After every kill the ledger must open (no false
break), verify in full, and hold every reported event. Some runs rotate keys and checkpoint often, so kills
also land inside rotations and anchor writes.
"""

from __future__ import annotations

import os
import random
import signal
import time

from agentguard.ledger import Actor, Ledger
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.verify import verify

RUNS = 200
RUNS_PER_LEDGER = 20


def _child(folder: LedgerPaths, out: int, grouped: bool, rotate: bool) -> None:
    try:
        ledger = Ledger.at(folder, checkpoint_every=7, group=grouped)
        os.write(out, b"ready\n")
        n = 0
        while True:
            n += 1
            if rotate and n % 40 == 0:
                event = ledger.rotate_key()
            else:
                event = ledger.append("decision", Actor.agent("crash"), {"n": n, "verdict": "allow"})
            if grouped and n % 5:
                continue
            if grouped:
                ledger.flush()
            os.write(out, b"%d\n" % event.seq)
    finally:
        os._exit(3)


def _run_once(folder: LedgerPaths, rng: random.Random) -> list[int]:
    read_end, write_end = os.pipe()
    grouped, rotate = rng.random() < 0.3, rng.random() < 0.3
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(folder, write_end, grouped, rotate)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.readline() == b"ready\n", "the child could not open the ledger: a false break"
        time.sleep(rng.uniform(0, 0.05))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        lines = pipe.read().split(b"\n")
    return [int(line) for line in lines if line.strip().isdigit()]


def test_sigkill_never_breaks_the_chain_or_loses_a_committed_event(tmp_path: object) -> None:
    rng = random.Random(int(os.environ.get("AGENTGUARD_CRASH_SEED", "1066")))
    started, reported_total = time.monotonic(), 0
    for run in range(RUNS):
        folder = LedgerPaths(os.path.join(str(tmp_path), f"ledger-{run // RUNS_PER_LEDGER}"))
        reported = _run_once(folder, rng)
        reported_total += len(reported)
        with Ledger.at(folder) as reopened:  # the start-up check must pass: no false break
            size = reopened.size
        assert all(seq < size for seq in reported), f"run {run}: a reported event is gone"
        if run % RUNS_PER_LEDGER == RUNS_PER_LEDGER - 1 or run % 5 == 0:
            report = verify(folder, workers=1)
            assert report.ok, f"run {run}: {report.to_json()}"
    print(f"{RUNS} kills, {reported_total} committed events reported and found, {time.monotonic() - started:.1f}s")
    assert reported_total >= RUNS // 4  # the kills did land while appending
