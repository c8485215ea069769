"""Claude Code's Stop and SubagentStop hooks: the agent may say "done" only with a passing receipt.

The project's checks run on the current tree (or a passing receipt for that exact tree is reused), and the
receipt goes into the ledger. A failing check blocks the stop with its output, so the agent goes on working.
After `max_blocks` failing stops in a row the session may end (Claude Code would otherwise loop), and the human
is told plainly that there is no passing receipt. A human may waive the checks for one tree
(`agentguard receipts waive`). Every failure of agentguard itself blocks the stop, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from agentguard.receipts.receipt import Receipt
from agentguard.state import Places, find_project_root

# Claude Code kills a hook past its timeout and lets the stop through: agentguard's settings give the Stop
# hook HOOK_TIMEOUT seconds, its own supervisor answers before that, and the checks get what is left.
HOOK_TIMEOUT = 900
DEADLINE = HOOK_TIMEOUT - 20.0
CHECKS_LIMIT = int(DEADLINE) - 30


def stop_answer(payload: Mapping[str, Any], places: Places | None = None) -> dict[str, Any] | None:
    """The hook's answer: None lets the agent stop, a `decision: block` sends it back to work."""
    from agentguard.ledger.event import Actor
    from agentguard.pipeline import Gate

    places = places or Places.from_env()
    event = str(payload.get("hook_event_name") or "Stop")
    root = os.environ.get("CLAUDE_PROJECT_DIR") or find_project_root(str(payload.get("cwd") or os.getcwd()))
    session = str(payload.get("session_id") or "claude:no-session")
    policy = Gate(places).policy(root)
    notes: list[str] = []
    if _waived(places, root):
        return {"systemMessage": "agentguard: a human waived the checks for this tree; no receipt was taken"}
    if policy.receipt_checks:
        from agentguard.receipts.receipt import take_receipt

        timeout = min(policy.receipt_timeout, CHECKS_LIMIT)
        receipt = take_receipt(places, root, policy.receipt_checks, timeout=timeout, actor=Actor.agent(session),
                               trigger=event, session_id=session)  # fmt: skip
        if not receipt.ok:
            return _failing(places, session, receipt, timeout, policy.receipt_max_blocks)
        notes.append(_passing(receipt))
    data_block = _data_state(places, root, session, policy.receipt_max_blocks)
    if data_block is not None:
        return data_block
    return {"systemMessage": "\n".join(notes)} if notes else None


def _failing(places: Places, session: str, receipt: Receipt, timeout: int, max_blocks: int) -> dict[str, Any]:
    from agentguard.ledger import Ledger
    from agentguard.receipts.receipt import session_blocks

    with Ledger.open(places, declare_breaks=True) as ledger:
        blocks = session_blocks(ledger, session)  # this receipt included
    summary = failure_text(receipt, timeout)
    if blocks > max_blocks:
        return {"systemMessage": f"agentguard: the agent stopped WITHOUT a passing receipt after {max_blocks} "
                f"blocked stops (receipt {receipt.seq}). Do not take its word that it is done.\n{summary}"}  # fmt: skip
    return {"decision": "block", "reason": f"{summary}\nFix this and finish again: the checks run on every stop "
            f"(blocked stop {blocks} of {max_blocks}; a human may override: `agentguard receipts waive`)."}  # fmt: skip


def failure_text(receipt: Receipt, timeout: int) -> str:
    lines = [f"agentguard: not done: {len(receipt.failed)} of {len(receipt.checks)} checks fail on this tree "
             f"({receipt.tree[:16]}…, receipt {receipt.seq}; checks limited to {timeout} s in all)"]  # fmt: skip
    for check in receipt.checks:
        state = "pass" if check.passed else "TIMED OUT" if check.exit_code == -1 else f"FAIL (exit {check.exit_code})"
        lines.append(f"  {state}: {check.command} ({check.milliseconds / 1000:.1f} s)")
    for check in receipt.failed:
        lines.append(f"--- output of `{check.command}` (the end) ---\n{check.tail.rstrip()}")
    return "\n".join(lines)


def _passing(receipt: Receipt) -> str:
    how = f"reused receipt {receipt.reused_from}" if receipt.reused_from is not None else "ran"
    return (f"agentguard: receipt {receipt.seq}: all {len(receipt.checks)} checks pass on {receipt.tree[:16]}… "
            f"({how})")  # fmt: skip


def _waived(places: Places, root: str) -> bool:
    from agentguard.ledger import Ledger

    with Ledger.open(places, declare_breaks=True) as ledger:
        waivers = [e for e in ledger.last(50, "receipt_waived") if e.payload.get("project") == root]
    if not waivers:
        return False  # the usual case: no tree to hash
    from agentguard.receipts.tree import working_tree

    tree = working_tree(root)
    return any(e.payload.get("tree") == tree for e in waivers)


def _data_state(places: Places, root: str, session: str, max_blocks: int) -> dict[str, Any] | None:
    """Data-state receipts (receipts/data_state.py) when the project has protected databases."""
    from agentguard.ledger import Ledger
    from agentguard.receipts.data_state import stop_check

    problem = stop_check(places, root, session)
    if problem is None:
        return None
    with Ledger.open(places, declare_breaks=True) as ledger:
        blocked = sum(1 for e in ledger.last(500, "data_state") if e.payload.get("session_id") == session
                      and e.payload.get("phase") == "stop" and e.payload.get("alerts"))  # fmt: skip
    if blocked > max_blocks:
        return {"systemMessage": f"{problem}\n(The session was let stop after {max_blocks} blocked stops: check the "
                "data yourself.)"}  # fmt: skip
    return {"decision": "block", "reason": problem}


def stop_failure(why: str, *, again: bool = False) -> dict[str, Any]:
    """agentguard could not check: the stop is blocked (fail closed), and says what to do. A stop already sent
    back once goes through, with the reason for the human: agentguard failing every time would otherwise trap
    the session in a loop of blocked stops."""
    if again:
        return {"systemMessage": f"agentguard could not check the work again ({why}), so the agent stopped "
                "WITHOUT a receipt: do not take its word that it is done. Run `agentguard doctor`."}  # fmt: skip
    return {"decision": "block", "reason": f"agentguard could not check the work before stopping, so the stop is "
            f"blocked: {why}. Run `agentguard doctor`; a human may override: `agentguard receipts waive`."}  # fmt: skip
