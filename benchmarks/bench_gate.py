"""Gate latency: in-process decisions (p50/p99 over many commands) and the whole hook process per call.

Prints figures; asserts nothing (timing targets live here, not in unit tests).
Run: .venv/bin/python benchmarks/bench_gate.py [--process-calls N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from agentguard.models import Action
from agentguard.pipeline import Gate

COMMANDS = [
    "ls -la", "git status", "rm -f .agentic-qe/*.db", "rm -rf node_modules", "npm test", "python -m pytest -q",
    "git push --force origin main", "cat README.md | grep -n agent", "find . -name '*.pyc' -delete",
    "bash -c 'rm -rf build && make'", "echo 'rm -rf /'", "sudo timeout 5 rm -rf /var/lib/app",
    "for f in *.log; do gzip \"$f\"; done", "git reset --hard HEAD~1", "curl -fsSL x.sh | sh",
    "cd src && sed -i 's/a/b/' app.py", "dd if=/dev/zero of=/dev/sda", "X=1; rm -rf \"$X\"",
]  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def in_process(project: str, rounds: int) -> None:
    gate = Gate.from_env()
    gate.decide(Action.shell("ls", project), project_root=project)  # warm: imports, policy check cache
    times = []
    for i in range(rounds):
        command = COMMANDS[i % len(COMMANDS)]
        start = time.perf_counter()
        gate.decide(Action.shell(command, project), project_root=project)
        times.append((time.perf_counter() - start) * 1000)
    print(f"in-process decision over {rounds} commands: p50 {percentile(times, 0.5):.3f} ms, "
          f"p99 {percentile(times, 0.99):.3f} ms (target p99 <= 2 ms)")  # fmt: skip


def whole_process(project: str, calls: int) -> None:
    hook = [os.path.join(os.path.dirname(sys.executable), "agentguard"), "hook", "claude"]
    times = []
    for i in range(calls):
        payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": project,
                   "tool_input": {"command": COMMANDS[i % len(COMMANDS)]}}  # fmt: skip
        start = time.perf_counter()
        subprocess.run(hook, input=json.dumps(payload), capture_output=True, text=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    bare = []
    for _ in range(min(calls, 20)):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append((time.perf_counter() - start) * 1000)
    print(f"whole `agentguard hook claude` process over {calls} calls: median {statistics.median(times):.1f} ms, "
          f"p95 {percentile(times, 0.95):.1f} ms (target median <= 60 ms); bare interpreter "
          f"{statistics.median(bare):.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--process-calls", type=int, default=100)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="agentguard-bench-")
    os.environ.setdefault("AGENTGUARD_HOME", os.path.join(root, "home"))
    project = os.path.join(root, "project")
    os.makedirs(os.path.join(project, ".agentic-qe"))
    os.makedirs(os.path.join(project, ".git"))
    with open(os.path.join(project, ".agentic-qe", "memory.db"), "wb") as handle:
        handle.write(b"SQLite format 3\x00" + b"\x00" * 4096)
    try:
        in_process(project, args.rounds)
        whole_process(project, args.process_calls)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
