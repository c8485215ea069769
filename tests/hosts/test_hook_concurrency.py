"""Parallel tool calls and subagents: 50 real `agentguard hook claude` processes at once on one state dir, over
several rounds. Every decision is recorded exactly once, and a newer head or anchor written by another process
is never taken for a chain break."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from agentguard.ledger import Ledger
from agentguard.ledger import keyring as kr
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.verify import verify
from agentguard.state import Places

HOOK = [os.path.join(os.path.dirname(sys.executable), "agentguard"), "hook", "claude"]
AT_ONCE, ROUNDS = 50, 3


def call(project: Path, n: int) -> tuple[int, str]:
    command = "rm -rf /" if n % 10 == 0 else f"echo {n}"  # denials are recorded too
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
               "cwd": str(project), "session_id": "parallel", "tool_use_id": f"t{n}"}  # fmt: skip
    done = subprocess.run(HOOK, input=json.dumps(payload), capture_output=True, text=True, timeout=120, check=False)
    return done.returncode, done.stdout


def test_fifty_concurrent_hooks_record_every_decision_once_and_declare_no_break(project: Path) -> None:
    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = []
        for r in range(ROUNDS):
            answers += pool.map(lambda n: call(project, n), range(r * AT_ONCE, (r + 1) * AT_ONCE))
    for n, (code, out) in enumerate(answers):
        assert code == 0
        inner = json.loads(out).get("hookSpecificOutput", {})
        verdict = inner.get("permissionDecision", "allow")
        assert verdict == ("deny" if n % 10 == 0 else "allow"), (n, out)  # no "NOT recorded" ask, no notice
        assert "systemMessage" not in out
    paths = LedgerPaths.from_places(Places.from_env())
    with Ledger.at(paths, readonly=True) as reader:
        assert list(reader.events(kind=kr.DETECTED)) == []
        recorded = sorted(e.payload["tool_use_id"] for e in reader.events(kind="decision"))
    assert recorded == sorted(f"t{n}" for n in range(AT_ONCE * ROUNDS))
    report = verify(paths)
    assert report.ok and report.status == "ok"
