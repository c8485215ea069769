"""`agentguard snapshot`, `agentguard snapshots …` and `agentguard restore`: save and bring back protected data.

The gate denies all of these but `snapshots list|show|verify` when an agent runs them: the store is a
protected resource, and restoring is a human's decision.
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.ledger.event import Actor
from agentguard.ledger.records import record_restore, record_snapshot
from agentguard.snapshots.store import Store
from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.ledger.ledger import Ledger

JSON = click.option("--json", "as_json", is_flag=True, help="JSON on stdout (each object has a message_type).")


@contextmanager
def _store() -> Iterator[Store]:
    try:
        store = Store.open(Places.from_env().state)
    except AgentGuardError as exc:
        fail(exc)
        raise  # unreachable: fail exits
    try:
        yield store
    except AgentGuardError as exc:
        fail(exc)
    finally:
        store.close()


def _progress(label: str) -> Callable[[int, str], None]:
    """Progress on stderr, at most twice a second, only once the work has run for a second."""
    started = time.monotonic()
    last = [0.0]

    def show(done: int, path: str) -> None:
        now = time.monotonic()
        if now - started < 1 or now - last[0] < 0.5:
            return
        last[0] = now
        rate = done / max(now - started, 1e-6) / 1e6
        click.echo(f"\r{label}: {done / 1e6:,.1f} MB ({rate:,.0f} MB/s) {_short(path)}\033[K", err=True, nl=False)

    return show


def _short(path: str, width: int = 50) -> str:
    return path if len(path) <= width else "…" + path[-width + 1 :]


def _end_progress() -> None:
    if sys.stderr.isatty():
        click.echo("\r\033[K", err=True, nl=False)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--postgres",
    "dsns",
    multiple=True,
    metavar="DSN",
    help="Also a PostgreSQL database (pg_dump), by connection string; the password is never stored.",
)
@click.option("--reason", default="taken by hand", help="Why (kept with the snapshot).")
@JSON
def snapshot(paths: tuple[str, ...], dsns: tuple[str, ...], reason: str, as_json: bool) -> None:
    """Snapshot files, directories, SQLite or PostgreSQL databases now.

    \b
    Examples:
      agentguard snapshot .agentic-qe/memory.db --reason "before the migration"
      agentguard snapshot --postgres postgresql://app@127.0.0.1/shop
    """
    from agentguard.snapshots.capture import take

    if not paths and not dsns:
        raise click.UsageError("name at least one PATH or --postgres DSN")
    with _store() as store:
        where = [os.path.abspath(p) for p in paths]
        taken = take(store, where, reason=reason, progress=_progress("snapshot"), postgres=dsns)
        _record(lambda ledger, by: record_snapshot(ledger, taken, Actor.human(by)))
        _end_progress()
        if as_json:
            emit_json({"message_type": "snapshot", **taken.summary()})
        else:
            click.echo(f"snapshot {taken.id}: {_describe(taken.summary())} — undo: agentguard restore {taken.id}")


@click.group()
def snapshots() -> None:
    """List, show, verify and prune snapshots.

    \b
    Examples:
      agentguard snapshots list
      agentguard snapshots verify s-0042
      agentguard snapshots prune --keep-last 10 --dry-run
    """


@snapshots.command("list")
@JSON
def list_(as_json: bool) -> None:
    """Every snapshot, oldest first."""
    with _store() as store:
        rows = [s.summary() for s in store.list()]
        for row in rows:
            row["verified"] = store.verified_at(row["id"])
        if as_json:
            emit_json({"message_type": "snapshots", "snapshots": rows})
            return
        if not rows:
            click.echo("no snapshots yet")
        for row in rows:
            pin = " pinned" if row["pinned"] else ""
            click.echo(f"{row['id']}  {row['created'][:19]}  {_describe(row)}{pin}  {row['reason']}")


@snapshots.command()
@click.argument("snapshot_id")
@JSON
def show(snapshot_id: str, as_json: bool) -> None:
    """Every path a snapshot holds."""
    with _store() as store:
        snap = store.get(snapshot_id)
        if as_json:
            emit_json({"message_type": "snapshot", **snap.summary(), **snap.manifest()})
            return
        click.echo(f"{snap.id}  {snap.created}  {_describe(snap.summary())}  {snap.reason}")
        for entry in snap.entries:
            rows = ", ".join(f"{t}: {n}" for t, n in entry.row_counts)
            click.echo(f"  {entry.type:7} {entry.size:>12,}  {entry.path}" + (f"  ({rows})" if rows else ""))
        for path in snap.missing:
            click.echo(f"  {'absent':7} {'':>12}  {path}")


@snapshots.command()
@click.argument("snapshot_ids", nargs=-1)
@JSON
def verify(snapshot_ids: tuple[str, ...], as_json: bool) -> None:
    """Read every chunk back and check its hash (all snapshots when none is named). Exit 1 on any damage."""
    from agentguard.snapshots.verify import verify as check

    with _store() as store:
        ids = list(snapshot_ids) or [s.id for s in store.list()]
        results = [check(store, sid, _progress(f"verify {sid}")) for sid in ids]
        _end_progress()
        for result in results:
            if as_json:
                emit_json({"message_type": "verification", **dataclasses.asdict(result)})
            else:
                state = "ok" if result.ok else f"DAMAGED: {result.problem}"
                click.echo(f"{result.snapshot}: {result.chunks} chunks, {result.bytes:,} bytes: {state}")
        if not all(r.ok for r in results):
            sys.exit(1)


@snapshots.command()
@click.option("--keep-last", default=20, show_default=True, help="Keep this many newest snapshots.")
@click.option("--keep-daily", default=7, show_default=True, help="Keep the newest of each of this many days.")
@click.option("--keep-weekly", default=4, show_default=True, help="Keep the newest of each of this many weeks.")
@click.option("--dry-run", is_flag=True, help="Show the plan; remove nothing.")
@JSON
def prune(keep_last: int, keep_daily: int, keep_weekly: int, dry_run: bool, as_json: bool) -> None:
    """Remove snapshots the retention policy does not keep. Pinned ones and the newest verified one stay."""
    from agentguard.snapshots.retention import Retention
    from agentguard.snapshots.retention import prune as run

    with _store() as store:
        plan, freed = run(store, Retention(keep_last, keep_daily, keep_weekly), dry_run=dry_run)
        if as_json:
            emit_json({"message_type": "prune", "dry_run": dry_run, "keep": [list(k) for k in plan.keep],
                       "remove": list(plan.remove), "freed_bytes": freed})  # fmt: skip
            return
        for sid, why in plan.keep:
            click.echo(f"keep   {sid}  {why}")
        for sid in plan.remove:
            click.echo(f"{'would remove' if dry_run else 'remove'} {sid}")
        if not dry_run:
            click.echo(f"freed {freed:,} bytes")


@click.command()
@click.argument("snapshot_id")
@click.option("--to", "to", type=click.Path(), help="Restore under this path instead of in place.")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@click.option(
    "--postgres",
    "dsn",
    metavar="DSN",
    help="Restore the PostgreSQL database into this one (default: where it came from; the password from "
    "PGPASSWORD or ~/.pgpass).",
)
@JSON
def restore(snapshot_id: str, to: str | None, dry_run: bool, dsn: str | None, as_json: bool) -> None:
    """Put a snapshot back: verify it, take a pinned safety snapshot, swap atomically, check databases.

    A restore that was interrupted earlier (killed, Ctrl-C) is finished first, or cleaned up if it had not
    changed anything yet; `agentguard doctor` lists such restores. Nothing the snapshot does not hold is
    deleted: files made since, and PostgreSQL tables created after the dump, stay.

    \b
    Examples:
      agentguard restore s-0042 --dry-run
      agentguard restore s-0042
      agentguard restore s-0042 --to /tmp/recovered
    Exit code: 0 restored and every database passes integrity_check; 1 a check failed; 9 not restored.
    """
    from agentguard.snapshots.restore import restore as run

    with _store() as store:
        report = run(store, snapshot_id, to=to, dry_run=dry_run, progress=_progress("restore"), postgres_dsn=dsn)
        if not dry_run:
            _record(lambda ledger, by: record_restore(ledger, report, by))
            from agentguard.notify import tell_restore

            tell_restore(Places.from_env(), snapshot_id, getpass.getuser(), "cli", report.to_json())
        _end_progress()
        if as_json:
            emit_json(report.to_json())
        else:
            _show_restore(report.to_json())
        if not report.ok:
            sys.exit(1)


def _show_restore(data: dict[str, Any]) -> None:
    for recovered in data["recovered"]:
        click.echo(recovered["description"])
    for pending in data["pending"]:
        click.echo(f"{pending} (a restore finishes it first)")
    verb = "would restore" if data["dry_run"] else "restored"
    click.echo(f"{verb} {data['snapshot']}" + (f" (safety snapshot {data['safety_snapshot']})"
                                                  if data["safety_snapshot"] else ""))  # fmt: skip
    for change in data["changes"]:
        if change["action"] != "unchanged":
            click.echo(f"  {change['action']:9} {change['path']}")
    for db in data["databases"]:
        click.echo(f"  {db['path']}: integrity {db['integrity']}")
        for table, before, after in db["rows"]:
            click.echo(f"    {table}: {'-' if before is None else before} → {'-' if after is None else after} rows")


def _record(write: Callable[[Ledger, str], object]) -> None:
    """Put what was done into the ledger. It is done already: a ledger that cannot take it is an error to fix,
    said on stderr with a non-zero exit, not a reason to undo the snapshot or the restore."""
    from agentguard.ledger import Ledger as OpenLedger

    try:
        with OpenLedger.open(Places.from_env(), declare_breaks=True) as ledger:
            write(ledger, getpass.getuser())
    except AgentGuardError as exc:
        click.echo(f"agentguard: done, but NOT recorded in the ledger: {exc.message}", err=True)
        sys.exit(exc.exit_code)


def _describe(summary: dict[str, Any]) -> str:
    files, dbs = summary["files"], summary["databases"]
    what = f"{files} file{'s' if files != 1 else ''}" + (f" ({dbs} database{'s' if dbs != 1 else ''})" if dbs else "")
    return f"{what}, {summary['size'] / 1e6:,.1f} MB, stored {summary['stored_bytes'] / 1e6:,.2f} MB"


COMMANDS = (snapshot, snapshots, restore)
