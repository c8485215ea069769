"""Ledger figures: durable appends/s (one event per commit and grouped), full verification of a large ledger
with every signature and structure only, the start-up check, and the inclusion proof size.

Prints figures; asserts nothing. Targets (issue 3, this 2-core machine): ≥ 3,000 appends/s one per commit,
≥ 15,000/s grouped; 1,000,000 events verified with signatures in ≤ 60 s and structure only in ≤ 5 s; start-up
check ≤ 1 ms; inclusion proof at 1M ≤ 1 KB. The large ledger is built with grouped appends (it is the verifier
being measured); `--events N` runs smaller. Wall and CPU time are both printed: on a busy machine the wall
time mostly measures the scheduler and the disk.

Run: .venv/bin/python benchmarks/bench_ledger.py [--events N] [--appends N] [--dir PATH [--reuse]]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time

from agentguard.ledger import Actor, Ledger
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.proofs import prove
from agentguard.ledger.verify import verify


def payload(i: int) -> dict[str, object]:
    """What the hook records for a decision (a realistic size: ~400 bytes of canonical JSON per event)."""
    return {
        "command": f"rm -rf build/{i % 97}",
        "effects": [{"kind": "delete", "target": f"build/{i % 97}", "detail": "deletes recursively"}],
        "verdict": "deny" if i % 3 == 0 else "allow",
        "rules": ["recursive-delete"],
        "session_id": "0b9d3c1e-4a7f-4c55-9a57-3f4f1d2c9e10",
        "tool_use_id": f"toolu_{i:012d}",
    }


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    wall, cpu = clock()
    return wall - start[0], cpu - start[1]


def appends(folder: str, count: int, *, group: bool) -> None:
    actor = Actor.agent("bench")
    with Ledger.at(folder, group=group) as ledger:
        ledger.append("decision", actor, payload(0))  # genesis and first checkpoint out of the way
        start = clock()
        for i in range(count):
            ledger.append("decision", actor, payload(i))
        ledger.flush()
        wall, cpu = since(start)
    mode = "grouped (≤100 events / 10 ms)" if group else "one event per commit"
    print(f"durable appends, {mode}: {count / wall:,.0f}/s wall, {count / cpu:,.0f}/s CPU ({count:,} events)")


def build(folder: str, count: int) -> None:
    actor = Actor.agent("bench")
    start = clock()
    with Ledger.at(folder, group=True, checkpoint_every=100_000) as ledger:
        for i in range(count - 1):
            ledger.append("decision", actor, payload(i))
    wall, _ = since(start)
    size = os.path.getsize(os.path.join(folder, "ledger.db"))
    print(f"built a {count:,}-event ledger in {wall:.1f}s ({count / wall:,.0f}/s grouped), {size / 2**20:.0f} MiB")


def startup(folder: str, rounds: int = 200) -> None:
    Ledger.at(folder).close()  # warm: imports, key file in the page cache
    walls = []
    for _ in range(rounds):
        start = time.perf_counter()
        ledger = Ledger.at(folder)
        walls.append(time.perf_counter() - start)
        ledger.close()
    print(
        f"start-up check (open: head re-hashed, signature, anchor, key): median {statistics.median(walls) * 1e3:.2f}"
        f" ms, p95 {sorted(walls)[int(rounds * 0.95)] * 1e3:.2f} ms"
    )


def verification(folder: str, events: int) -> None:
    paths = LedgerPaths(folder)
    for signatures in (False, True):
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = clock()
        report = verify(paths, signatures=signatures)
        wall, cpu = since(start)
        time.sleep(1)  # let the pool's workers be reaped, so their CPU time is counted
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        workers = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        what = "with every signature" if signatures else "structure only"
        status = "OK" if report.ok else f"FAILED {report.first}"
        idle = max(cpu, (cpu + workers) / (os.cpu_count() or 1))  # the structure pass is one process
        print(
            f"verify {events:,} events {what}: {wall:.1f}s wall; CPU {cpu:.1f}s here + {workers:.1f}s in "
            f"workers, so about {idle:.1f}s on idle cores {status}"
        )


def proof_size(folder: str, events: int) -> None:
    with Ledger.at(folder) as ledger:
        ledger.checkpoint()
        bundle = prove(ledger, events // 2)
    raw = len(bundle["inclusion"]) * 32
    print(
        f"inclusion proof at {bundle['tree_size']:,} events: {len(bundle['inclusion'])} hashes = {raw} bytes "
        f"({len(json.dumps(bundle['inclusion']))} as base64 JSON; whole bundle {len(json.dumps(bundle))} bytes)"
    )


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="size of the ledger to verify")
    parser.add_argument("--appends", type=int, default=5_000, help="appends per append figure")
    parser.add_argument("--dir", help="work here (default: a temporary directory, removed after)")
    parser.add_argument("--reuse", action="store_true", help="with --dir: measure the ledger built last time")
    args = parser.parse_args()
    root = args.dir or tempfile.mkdtemp(prefix="agentguard-bench-")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, work dir {root}, load {load()}")
    try:
        big = os.path.join(root, "big")
        if not (args.reuse and os.path.exists(os.path.join(big, "ledger.db"))):
            appends(os.path.join(root, "one"), args.appends, group=False)
            appends(os.path.join(root, "grouped"), args.appends * 4, group=True)
            build(big, args.events)
        startup(big)
        verification(big, args.events)
        proof_size(big, args.events)
        print(f"load average at the end: {load()}")
    finally:
        if not args.dir:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
