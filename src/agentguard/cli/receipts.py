"""`agentguard receipts`: the signed record of the project's checks on an exact tree.

list, show and verify only read (an agent may run them); run and waive write the ledger and are a human's.
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.state import Places, find_project_root


@click.group()
def receipts() -> None:
    """Receipts: the project's checks ([receipts] checks in agentguard.toml), run on an exact tree and signed.

    \b
    Example:
      agentguard receipts list && agentguard receipts verify 42
    """


@receipts.command(name="list")
@click.option("--last", type=click.IntRange(1), default=20, show_default=True, help="How many.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per receipt, one per line.")
def list_receipts(last: int, as_json: bool) -> None:
    """The latest receipts, oldest first: event, pass/FAIL, tree, checks.

    \b
    Example:
      agentguard receipts list --last 5
    """
    try:
        with _reader() as ledger:
            events = ledger.last(last, "receipt")
    except AgentGuardError as exc:
        fail(exc)
        return
    for event in events:
        p = event.payload
        if as_json:
            emit_json({"message_type": "receipt", "seq": event.seq, "time": event.time, **p})
            continue
        state = "pass" if p.get("ok") else "FAIL"
        failed = [c["command"] for c in p.get("checks", []) if c.get("exit_code") != 0]
        extra = f" failing: {', '.join(failed)}" if failed else ""
        reused = f" (reuses {p['reused_from']})" if "reused_from" in p else ""
        click.echo(f"{event.seq:>8} {event.time} {state} {str(p.get('tree'))[:20]} {len(p.get('checks', []))} "
                   f"checks{reused}{extra}  {p.get('project')}")  # fmt: skip


@receipts.command()
@click.argument("seq", type=click.IntRange(0))
@click.option("--output", "with_output", is_flag=True, help="Print each check's kept output too.")
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
def show(seq: int, with_output: bool, as_json: bool) -> None:
    """One receipt: its tree, each check's command, exit code, output digest and duration.

    \b
    Example:
      agentguard receipts show 42 --output
    """
    from agentguard.receipts.checks import read_output

    try:
        with _reader() as ledger:
            event = ledger.event(seq)
    except AgentGuardError as exc:
        fail(exc)
        return
    if event.kind != "receipt":
        fail(AgentGuardError(f"event {seq} is a {event.kind}, not a receipt (see `agentguard receipts list`)"))
    places = Places.from_env()
    if as_json:
        emit_json({"message_type": "receipt", "seq": seq, "time": event.time, "actor": event.actor.to_json(),
                   **event.payload})  # fmt: skip
        return
    p = event.payload
    state = "pass" if p.get("ok") else "FAIL"
    click.echo(f"receipt {seq} ({event.time}, {event.actor.type}:{event.actor.id}): {state}")
    click.echo(f"  project: {p.get('project')}\n  tree:    {p.get('tree')}")
    for c in p.get("checks", []):
        click.echo(f"  exit {c['exit_code']:>3}  {c['milliseconds'] / 1000:7.1f} s  {c['command']}  "
                   f"(output sha256 {c['output_sha256'][:12]}…)")  # fmt: skip
        data = read_output(places, str(c["output_sha256"])) if with_output else None
        if data is not None:
            click.echo("    " + data.decode("utf-8", "replace").rstrip().replace("\n", "\n    "))


@receipts.command()
@click.argument("seq", type=click.IntRange(0), required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def verify(seq: int | None, as_json: bool) -> None:
    """Check a receipt (default: the latest): signature, chain position, kept outputs, and that the project's
    tree hashes to the receipt's tree now. Exit 1 when anything does not hold.

    \b
    Example:
      agentguard receipts verify 42
    """
    from agentguard.receipts.verify import verify_receipt

    try:
        with _reader() as ledger:
            if seq is None:
                latest = ledger.last(1, "receipt")
                if not latest:
                    raise AgentGuardError("there is no receipt in the ledger yet")
                seq = latest[0].seq
            findings = verify_receipt(ledger, seq, Places.from_env())
    except AgentGuardError as exc:
        fail(exc)
        return
    ok = all(f.ok for f in findings)
    if as_json:
        emit_json({"message_type": "receipt_verify", "seq": seq, "ok": ok,
                   "findings": [f._asdict() for f in findings]})  # fmt: skip
    else:
        click.echo(f"receipt {seq}: {'verified' if ok else 'DOES NOT VERIFY'}")
        for f in findings:
            click.echo(f"  {'ok  ' if f.ok else 'FAIL'} {f.name}: {f.detail}")
    sys.exit(0 if ok else 1)


@receipts.command()
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as JSON.")
def run(project: str | None, as_json: bool) -> None:
    """Run the project's checks on the working tree now and record the receipt (a passing one for the same
    tree is reused). Exit 1 when a check fails.

    \b
    Example:
      agentguard receipts run
    """
    from agentguard.ledger.event import Actor
    from agentguard.pipeline import Gate
    from agentguard.receipts.receipt import take_receipt

    root = os.path.abspath(project or find_project_root(os.getcwd()))
    places = Places.from_env()
    try:
        policy = Gate(places).policy(root)
        if not policy.receipt_checks:
            raise AgentGuardError(f"{root} declares no checks: add [receipts] checks = [\"pytest -q\"] to "
                                  "agentguard.toml")  # fmt: skip
        receipt = take_receipt(places, root, policy.receipt_checks, timeout=policy.receipt_timeout,
                               actor=Actor.human(getpass.getuser()), trigger="cli")  # fmt: skip
    except AgentGuardError as exc:
        fail(exc)
        return
    _report(receipt, as_json)
    sys.exit(0 if receipt.ok else 1)


def _report(receipt: Any, as_json: bool) -> None:
    if as_json:
        emit_json({"message_type": "receipt", "seq": receipt.seq, "ok": receipt.ok, "tree": receipt.tree,
                   "checks": [c.to_json() for c in receipt.checks], "reused_from": receipt.reused_from})  # fmt: skip
        return
    click.echo(f"receipt {receipt.seq}: {'pass' if receipt.ok else 'FAIL'} on {receipt.tree}")
    for c in receipt.checks:
        click.echo(f"  exit {c.exit_code:>3}  {c.command}")
    for c in receipt.failed:
        click.echo(f"--- {c.command} ---\n{c.tail.rstrip()}")


@receipts.command()
@click.option("--reason", required=True, help="Why the agent may stop although the checks fail.")
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Print the waiver as JSON.")
def waive(reason: str, project: str | None, as_json: bool) -> None:
    """Let the agent stop on the working tree as it is now, although its checks fail (a human's override; the
    gate denies it to the agent). Any change to the tree ends the waiver.

    \b
    Example:
      agentguard receipts waive --reason "flaky network test, tracked in #123"
    """
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_human
    from agentguard.receipts.tree import working_tree

    root = os.path.abspath(project or find_project_root(os.getcwd()))
    places = Places.from_env()
    try:
        payload = {"project": root, "tree": working_tree(root), "reason": reason}
        with Ledger.open(places, declare_breaks=True) as ledger:
            event = record_human(ledger, "receipt_waived", payload, getpass.getuser())
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "receipt_waived", "seq": event.seq, **payload})
    else:
        click.echo(f"waived in event {event.seq}: the agent may stop on {payload['tree']}")


def _reader() -> Any:
    from agentguard.ledger import Ledger

    return Ledger.open(Places.from_env(), readonly=True)


COMMANDS = (receipts,)
