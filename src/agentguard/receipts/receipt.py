"""A receipt: the project's checks, run on one exact tree, signed into the ledger.

    receipt = take_receipt(places, root, policy.receipt_checks, timeout=600, actor=Actor.agent(sid))

A passing receipt for the same tree and the same checks is reused rather than run again (the new event names
the one it reuses). `verify_receipt` checks a receipt event's signature and chain position, the outputs it
names, and whether the project's tree is still the one it was taken on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agentguard.receipts.checks import TAIL_CHARS, CheckResult, read_output, run_checks
from agentguard.receipts.tree import working_tree
from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.ledger.event import Actor, Event
    from agentguard.ledger.ledger import Ledger

SCAN = 500  # how many recent receipt events are looked through for one to reuse


@dataclass(frozen=True, slots=True)
class Receipt:
    seq: int
    project: str
    tree: str
    checks: tuple[CheckResult, ...]
    milliseconds: int
    reused_from: int | None = None

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if not c.passed)


def take_receipt(places: Places, root: str, checks: tuple[str, ...], *, timeout: int, actor: Actor,
                 trigger: str, session_id: str | None = None) -> Receipt:  # fmt: skip
    """Reuse a passing receipt for this exact tree, else run the checks; either way a signed receipt event."""
    from agentguard.ledger import Ledger

    tree = working_tree(root)
    with Ledger.open(places, declare_breaks=True) as ledger:
        earlier = find_passing(ledger, root, tree, checks)
    if earlier is not None:
        return _record(places, root, tree, earlier.checks, 0, actor, trigger, session_id, reused=earlier.seq)
    started = time.monotonic()
    results = tuple(run_checks(checks, root, places, timeout))
    elapsed = round((time.monotonic() - started) * 1000)
    return _record(places, root, tree, results, elapsed, actor, trigger, session_id, reused=None)


def _record(places: Places, root: str, tree: str, results: tuple[CheckResult, ...], ms: int, actor: Actor,
            trigger: str, session_id: str | None, *, reused: int | None) -> Receipt:  # fmt: skip
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_receipt
    from agentguard.ledger.sync import after_append

    payload: dict[str, Any] = {
        "project": root, "tree": tree, "ok": all(r.passed for r in results), "milliseconds": ms,
        "checks": [r.to_json() for r in results], "trigger": trigger, "session_id": session_id,
    }  # fmt: skip
    if reused is not None:
        payload["reused_from"] = reused
    with Ledger.open(places, declare_breaks=True) as ledger:
        event = record_receipt(ledger, payload, actor)
        after_append(ledger, places)
    return Receipt(event.seq, root, tree, results, ms, reused)


def receipt_of(event: Event, places: Places | None = None) -> Receipt:
    """A receipt from its ledger event; with `places`, the failing checks' output tails are read back too."""
    payload = event.payload
    checks = []
    for c in payload.get("checks", []):
        tail = ""
        if places is not None and c.get("exit_code") != 0:
            data = read_output(places, str(c.get("output_sha256")))
            tail = "" if data is None else data.decode("utf-8", "replace")[-TAIL_CHARS:]
        checks.append(CheckResult(str(c.get("command")), int(c.get("exit_code", -2)), str(c.get("output_sha256")),
                                  int(c.get("milliseconds", 0)), tail))  # fmt: skip
    reused = payload.get("reused_from")
    return Receipt(event.seq, str(payload.get("project")), str(payload.get("tree")), tuple(checks),
                   int(payload.get("milliseconds", 0)), reused if isinstance(reused, int) else None)  # fmt: skip


def find_passing(ledger: Ledger, root: str, tree: str, checks: tuple[str, ...]) -> Receipt | None:
    for event in reversed(ledger.last(SCAN, "receipt")):  # newest first
        p = event.payload
        same_checks = [c.get("command") for c in p.get("checks", [])] == list(checks)
        if p.get("project") == root and p.get("tree") == tree and p.get("ok") is True and same_checks:
            return receipt_of(event)
    return None


def session_blocks(ledger: Ledger, session_id: str) -> int:
    """How many failing receipts in a row (the newest first) this session's stops got: each one was a block."""
    count = 0
    for event in reversed(ledger.last(SCAN, "receipt")):  # newest first
        if event.payload.get("session_id") != session_id or event.payload.get("trigger") not in STOP_TRIGGERS:
            continue
        if event.payload.get("ok") is True:
            break
        count += 1
    return count


STOP_TRIGGERS = ("Stop", "SubagentStop")
