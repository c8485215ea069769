"""`agentguard ledger …`: verify, list, show, prove, verify-proof, checkpoint, consistency, rotate-key, sync.

verify, list, show, prove, verify-proof and consistency only read (the gate lets an agent run them);
checkpoint and rotate-key sign with the ledger's keys and are for a human in their own terminal; sync writes
events (mirror failures, alerts sent) and is run by the hook in the background, a timer or a person.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.state import Places


def _paths(agent_key: str | None = None, admin_key: str | None = None) -> Any:
    from agentguard.ledger.paths import LedgerPaths

    return LedgerPaths.from_places(Places.from_env(), agent_key=agent_key, admin_key=admin_key)


def _reader(*, tolerant: bool = False) -> Any:
    """The ledger, start-up checked; `tolerant` still opens a broken one (with a warning) so people can look."""
    from agentguard.ledger.errors import IntegrityError
    from agentguard.ledger.ledger import Ledger

    try:
        return Ledger.at(_paths(), readonly=True)
    except IntegrityError as exc:
        if not tolerant:
            raise
        click.echo(f"agentguard: WARNING, the ledger does not check out: {exc.message} (run `agentguard ledger "
                   "verify`); showing it as stored", err=True)  # fmt: skip
        return Ledger.at(_paths(), readonly=True, check=False)


@click.group()
def ledger() -> None:
    """The signed, hash-chained record of every gate decision.

    \b
    Examples:
      agentguard ledger verify
      agentguard ledger list --last 20 --kind decision
      agentguard ledger prove 42 -o proof.json && agentguard ledger verify-proof proof.json
    """


@ledger.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--structure-only", is_flag=True, help="Links, roots and checkpoints, without signatures (fast).")
@click.option("--workers", type=click.IntRange(1, 64), help="Processes for the signature pass (default: cores).")
@click.option("--declare", is_flag=True, help="Stamp the first problem as a chain_break_detected event (human).")
def verify(as_json: bool, structure_only: bool, workers: int | None, declare: bool) -> None:
    """Check every link, signature, Merkle root, checkpoint and key range.

    Exit 0 when all holds, 7 on a problem, 8 when only declared breaks remain unresolved (broken_declared).
    """
    from agentguard.ledger.errors import BreakDeclared, IntegrityError
    from agentguard.ledger.verify import verify as run

    def progress(phase: str, done: int, total: int) -> None:
        if total >= 100_000:
            click.echo(f"{phase}: {done}/{total}", err=True)

    try:
        report = run(_paths(), signatures=not structure_only, workers=workers, progress=progress)
        if declare and report.first is not None:
            _declare(report.first)
            report = run(_paths(), signatures=not structure_only, workers=workers, progress=progress)
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json(report.to_json())
    else:
        what = "structure" if structure_only else "structure and signatures"
        if report.ok:
            click.echo(f"OK: {report.events} events, {report.checkpoints} checkpoints ({what}) in "
                       f"{report.seconds:.2f}s")  # fmt: skip
        first = report.first
        if first is not None:
            where = "no single event" if first.seq is None else f"first bad event: {first.seq}"
            click.echo(f"BROKEN ({where}): {first.what}")
            if first.expected or first.actual:
                click.echo(f"  expected {first.expected or '-'}\n  actual   {first.actual or '-'}")
            for other in report.problems:
                if other is not first:
                    click.echo(f"  also: {other.what}")
        for excused in report.declared:
            click.echo(f"  declared break: {excused.what}")
        if report.status != "ok":
            click.echo(f"status: {report.status} (see `agentguard ledger breaks`)")
    if not report.ok:
        sys.exit(IntegrityError.exit_code)
    if report.status != "ok":
        sys.exit(BreakDeclared.exit_code)


def _declare(problem: Any) -> None:
    from agentguard.ledger.breaks import declare
    from agentguard.ledger.ledger import Ledger

    kind = "bad_signature" if "signature" in problem.what or "key" in problem.what else "hash_mismatch"
    kind = "missing_events" if "missing" in problem.what else kind
    with Ledger.at(_paths(), declare_breaks=True) as opened:
        event = declare(opened, kind, problem.seq, problem.seq, problem.expected, problem.actual, "ledger verify")
    click.echo(f"declared break B{event.seq}: {problem.what}", err=True)


@ledger.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event, one per line.")
@click.option("--kind", help="Only events of this kind (decision, outcome, mode_change, …).")
@click.option("--last", "last", type=click.IntRange(1), default=20, show_default=True, help="How many.")
def list_events(as_json: bool, kind: str | None, last: int) -> None:
    """The latest events, oldest first."""
    try:
        with _reader(tolerant=True) as reader:
            events = reader.last(last, kind)
    except AgentGuardError as exc:
        fail(exc)
        return
    for event in events:
        if as_json:
            emit_json({"message_type": "ledger_event", **event.to_json()})
        else:
            summary = " ".join(f"{k}={_short(v)}" for k, v in list(event.payload.items())[:4])
            click.echo(f"{event.seq:>8} {event.time} {event.kind:<20} {event.actor.type}:{event.actor.id} {summary}")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:39] + "…"


@ledger.command()
@click.argument("seq", type=click.IntRange(0))
@click.option("--json", "as_json", is_flag=True, help="Print the event as JSON.")
def show(seq: int, as_json: bool) -> None:
    """One event in full, with its hash, key id and signature."""
    try:
        with _reader(tolerant=True) as reader:
            event = reader.event(seq)
    except AgentGuardError as exc:
        fail(exc)
        return
    data = event.to_json()
    if as_json:
        emit_json({"message_type": "ledger_event", **data})
        return
    for key in ("seq", "time", "kind", "prev", "hash", "key_id", "sig"):
        click.echo(f"{key + ':':<8} {data[key]}")
    click.echo(f"actor:   {event.actor.type}:{event.actor.id}")
    click.echo("payload: " + json.dumps(event.payload, indent=2, ensure_ascii=False).replace("\n", "\n         "))


@ledger.command()
@click.argument("seq", type=click.IntRange(0))
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the bundle here (default: stdout).")
def prove(seq: int, output: str | None) -> None:
    """Write an offline proof that event SEQ is in the ledger (event, inclusion proof, checkpoint, keys)."""
    from agentguard.ledger.proofs import prove as make

    try:
        with _reader() as reader:
            bundle = make(reader, seq)
    except AgentGuardError as exc:
        fail(exc)
        return
    text = json.dumps(bundle, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"wrote the proof of event {seq} under checkpoint {bundle['tree_size']} to {output}", err=True)


@ledger.command(name="verify-proof")
@click.argument("bundle", type=click.File("r", encoding="utf-8"))
@click.option("--expect-key", help="Trust the bundle only if this key id signed it.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_proof(bundle: Any, expect_key: str | None, as_json: bool) -> None:
    """Check a proof bundle offline (no database needed); exit 7 if it does not hold."""
    from agentguard.ledger.errors import IntegrityError, LedgerError
    from agentguard.ledger.proofs import verify_bundle

    try:
        result = verify_bundle(json.load(bundle), expect_key)
    except (ValueError, LedgerError) as exc:
        message = exc.message if isinstance(exc, LedgerError) else f"not JSON: {exc}"
        if as_json:
            emit_json({"message_type": "ledger_proof_check", "ok": False, "error": message})
        else:
            click.echo(f"agentguard: the proof does NOT hold: {message}", err=True)
        sys.exit(IntegrityError.exit_code)
    if as_json:
        emit_json(result)
    else:
        click.echo(f"OK: event {result['seq']} ({result['kind']}, {result['time']}) is in {result['origin']} "
                   f"under checkpoint {result['tree_size']}; keys {result['event_key_id']}, "
                   f"{result['checkpoint_key_id']}")  # fmt: skip


@ledger.command()
@click.option("--agent-key", type=click.Path(dir_okay=False), help="The agent key file (default: state dir).")
@click.option("--json", "as_json", is_flag=True, help="Print the checkpoint as JSON.")
def checkpoint(agent_key: str | None, as_json: bool) -> None:
    """Sign a checkpoint of the ledger now (a human's command)."""
    from agentguard.ledger.ledger import Ledger

    try:
        with Ledger.at(_paths(agent_key=agent_key)) as opened:
            note = opened.checkpoint()
            size = opened.size
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "ledger_checkpoint", "size": size, "checkpoint": note})
    else:
        click.echo(note, nl=False)


@ledger.command()
@click.argument("old", type=click.IntRange(1))
@click.argument("new", type=click.IntRange(1))
@click.option("--json", "as_json", is_flag=True, help="Print the proof as JSON.")
def consistency(old: int, new: int, as_json: bool) -> None:
    """Prove that checkpoint NEW extends checkpoint OLD (no event of OLD changed or removed)."""
    from agentguard.ledger.proofs import consistency as make

    try:
        with _reader() as reader:
            result = make(reader, old, new)
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json(result)
    else:
        click.echo(f"OK: checkpoint {new} extends checkpoint {old} ({len(result['proof'])} proof hashes)")


@ledger.command(name="rotate-key")
@click.option("--role", type=click.Choice(["agent", "admin"]), default="agent", show_default=True)
@click.option("--agent-key", type=click.Path(dir_okay=False), help="The agent key file (default: state dir).")
@click.option("--admin-key", type=click.Path(dir_okay=False), help="The admin key file (default: state dir).")
@click.option("--json", "as_json", is_flag=True, help="Print the rotation event as JSON.")
def rotate_key(role: str, agent_key: str | None, admin_key: str | None, as_json: bool) -> None:
    """Replace a signing key: the old key signs an event naming the new one; the old file is kept as .old."""
    from agentguard.ledger.keys import is_sealed, load_key, seal_key
    from agentguard.ledger.ledger import Ledger

    try:
        paths = _paths(agent_key, admin_key)
        sealed = role == "admin" and is_sealed(paths.admin_key)
        phrase = _passphrase() if sealed else ""
        admin = load_key(paths.admin_key, lambda: phrase) if role == "admin" else None
        with Ledger.at(paths) as opened:
            event = opened.rotate_key(role, admin=admin)
        if sealed:
            seal_key(paths.admin_key, phrase)  # the new admin key (written plain by the rotation) sealed as before
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "ledger_key_rotated", **event.to_json()})
    else:
        click.echo(f"rotated the {role} key at event {event.seq}: new key {event.payload['key_id']} "
                   f"(signed by the old key {event.key_id})")  # fmt: skip


@ledger.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per break.")
def breaks(as_json: bool) -> None:
    """Declared chain breaks and how (or whether) a human resolved them."""
    from agentguard.ledger.breaks import breaks as found

    try:
        with _reader(tolerant=True) as reader:
            listed = found(reader)
    except AgentGuardError as exc:
        fail(exc)
        return
    for item in listed:
        data = item.to_json()
        if as_json:
            emit_json(data)
            continue
        click.echo(f"{data['id']} {data['time']} {data['kind']} events {data['range']}: {data['status']}"
                   + (" (timed out, no action)" if data["timed_out"] else ""))  # fmt: skip
        if data["status"] == "broken_declared":
            click.echo(f"  resolve: {data['resolve_with']}")
    if not listed and not as_json:
        click.echo("no chain breaks declared")


@ledger.command()
@click.argument("break_id")
@click.option("--validate", "action", flag_value="validate", help="The break is understood and acceptable.")
@click.option("--ignore", "action", flag_value="ignore", help="Acknowledge it without vouching for it.")
@click.option("--reject", "action", flag_value="reject", help="The break is an attack or a loss: keep it flagged.")
@click.option("--reason", required=True, help="Why (signed into the ledger).")
@click.option("--admin-key", type=click.Path(dir_okay=False), help="The admin key file (default: state dir).")
def resolve(break_id: str, action: str | None, reason: str, admin_key: str | None) -> None:
    """Resolve a declared break with the ADMIN key (a human's command; the gate denies it to agents)."""
    from agentguard.ledger.breaks import resolve as write
    from agentguard.ledger.errors import LedgerError
    from agentguard.ledger.keys import load_key
    from agentguard.ledger.ledger import Ledger

    try:
        if action is None:
            raise LedgerError("choose --validate, --ignore or --reject")
        paths = _paths(admin_key=admin_key)
        with Ledger.at(paths) as opened:
            event = write(opened, break_id, action, reason, load_key(paths.admin_key, _passphrase))
    except AgentGuardError as exc:
        fail(exc)
        return
    click.echo(f"{break_id}: {event.payload['resolution']} (event {event.seq}, admin key {event.key_id})")


PASSPHRASE_ENV = "AGENTGUARD_ADMIN_PASSPHRASE"


def _passphrase() -> str:
    """The admin key's passphrase: from the environment (scripts), else asked without echo."""
    import os

    return os.environ.get(PASSPHRASE_ENV) or str(click.prompt("admin key passphrase", hide_input=True, err=True))


@ledger.command(name="seal-admin-key")
@click.option("--admin-key", type=click.Path(dir_okay=False), help="The admin key file (default: state dir).")
def seal_admin_key(admin_key: str | None) -> None:
    """Seal the admin key with a passphrase (Argon2id): reading the key file then gives an agent nothing.

    The passphrase is asked twice without echo, or taken from AGENTGUARD_ADMIN_PASSPHRASE. `ledger resolve`
    and `ledger rotate-key --role admin` then ask for it; running this again changes it.

    \b
    Example:
      agentguard ledger seal-admin-key
    """
    import os

    from agentguard.ledger.keys import is_sealed, load_key, seal_key

    try:
        path = _paths(admin_key=admin_key).admin_key
        old = _passphrase() if is_sealed(path) else ""
        load_key(path, lambda: old)  # a wrong old passphrase stops here, before anything is written
        new = os.environ.get(PASSPHRASE_ENV) or str(click.prompt("new passphrase", hide_input=True,
                                                                 confirmation_prompt=True, err=True))  # fmt: skip
        pair = seal_key(path, new, current=old)
    except AgentGuardError as exc:
        fail(exc)
        return
    click.echo(f"sealed the admin key {pair.key_id} at {path}")


@ledger.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def sync(as_json: bool) -> None:
    """Mirror the newest checkpoint, check against the mirrors, send due break alerts.

    Publishes the newest checkpoint to the mirrors, checks that the ledger contains the newest checkpoint any
    mirror holds (a rollback becomes a declared break), records timeouts and sends the break alerts that are
    due. Mirrors and alerts come from the user config ([ledger] mirror, [alerts]).

    The hook starts it in the background when something is due; a person or a timer may run it too.
    Exit 0 when all went well, 6 when a mirror or an alert failed (recorded in the ledger, retried next time).

    \b
    Example (a user timer every 10 minutes):
      agentguard ledger sync --json
    """
    from agentguard.ledger.sync import sync as run

    try:
        report = run(Places.from_env())
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json(report.to_json())
    else:
        _show_sync(report)
    if not report.ok:
        sys.exit(6)


def _show_sync(report: Any) -> None:
    if report.busy:
        click.echo("another ledger sync is running; nothing done")
        return
    if report.published:
        click.echo(f"published checkpoint {report.checkpoint} to {', '.join(report.published)}")
    for failure in report.mirror_failures:
        click.echo(f"mirror failed ({failure['op']}): {failure['mirror']}: {failure['error']}")
    if report.anchor is not None:
        verdict = f"; declared break {', '.join(report.declared)}" if report.declared else ", consistent"
        click.echo(f"newest mirrored checkpoint: {report.anchor} events{verdict}")
    for alert in report.alerts:
        where = ", ".join(alert["sent"]) or "nobody"
        click.echo(f"alert for {alert['break_id']} sent to {where}"
                   + "".join(f"\n  failed: {f['url']}: {f['error']}" for f in alert["failed"]))  # fmt: skip
    for break_id in report.timeouts:
        click.echo(f"{break_id}: no answer in time (timeout_no_action recorded)")
    for error in report.errors:
        click.echo(f"agentguard: {error}", err=True)
    if report.open_breaks:
        click.echo(f"open breaks: {', '.join(report.open_breaks)} (see `agentguard ledger breaks`)")


COMMANDS = (ledger,)
