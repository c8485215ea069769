"""Helpers shared by the ledger tests (imported as a plain module: tests/ledger is on sys.path)."""

from __future__ import annotations

from agentguard.ledger import Actor, Ledger


def fill(ledger: Ledger, count: int, kind: str = "decision") -> None:
    for i in range(count):
        ledger.append(kind, Actor.agent("session-1"), {"command": f"echo {i}", "verdict": "allow", "n": i})
