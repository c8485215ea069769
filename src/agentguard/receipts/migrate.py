"""`agentguard migrate -- <command>`: a migration with a way back.

The databases it targets are saved first (the snapshot store: SQLite page by page, PostgreSQL by pg_dump), the
command runs, then the project's checks. If the command or a check fails, the snapshot is restored at once and
the ledger says so: a `snapshot` event, the checks' `receipt`, a `restore`, and one `migration` event that
names them all. Which databases: `--db PATH` and `--postgres DSN` as given, else the project's protected SQLite
files ([settings] snapshot, @data) and the policy's snapshot_postgres DSNs.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agentguard.errors import AgentGuardError
from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.ledger.event import Actor
    from agentguard.policy.model import Policy
    from agentguard.receipts.receipt import Receipt
    from agentguard.snapshots.restore import RestoreReport


@dataclass
class MigrationRun:
    command: list[str]
    snapshot: str
    databases: list[str]
    exit_code: int = 0
    output: str = ""
    receipt: Receipt | None = None
    restore: RestoreReport | None = None
    events: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> str | None:
        if self.exit_code != 0:
            return f"the migration exited {self.exit_code}"
        if self.receipt is not None and not self.receipt.ok:
            return "checks failed after it: " + ", ".join(c.command for c in self.receipt.failed)
        return None


def migrate(places: Places, root: str, command: list[str], *, sqlite: list[str], postgres: list[str],
            checks: bool, actor: Actor) -> MigrationRun:  # fmt: skip
    from agentguard.pipeline import Gate

    if not command:
        raise AgentGuardError("name the migration after --, e.g. agentguard migrate -- alembic upgrade head")
    policy = Gate(places).policy(root)
    files = [os.path.abspath(os.path.join(root, p)) for p in sqlite] or _found_sqlite(root, policy)
    dsns = postgres or list(policy.snapshot_postgres)
    if not files and not dsns:
        raise AgentGuardError(f"no database to protect in {root}: name one with --db PATH or --postgres DSN")
    started = time.monotonic()
    run = MigrationRun(command, _snapshot(places, files, dsns, command, actor), files + dsns)
    run.exit_code, run.output = _run(command, root)
    if run.exit_code == 0 and checks and policy.receipt_checks:
        from agentguard.receipts.receipt import take_receipt

        run.receipt = take_receipt(places, root, policy.receipt_checks, timeout=policy.receipt_timeout, actor=actor,
                                   trigger="migrate")  # fmt: skip
    if run.failed is not None:
        _clear_companions(files)
        run.restore = _restore(places, run.snapshot, actor)
    _record(places, run, actor, round((time.monotonic() - started) * 1000))
    return run


def _found_sqlite(root: str, policy: Policy) -> list[str]:
    """The SQLite files the migration names (DATABASE_URL, alembic.ini's sqlalchemy.url) and the project's
    protected ones (@data)."""
    from agentguard.protect import _protected_inside
    from agentguard.snapshots.sqlite_copy import is_sqlite

    named = [_sqlite_path(root, url) for url in (os.environ.get("DATABASE_URL", ""), _alembic_url(root))]
    protected = [p for p in _protected_inside(root, policy) if os.path.isfile(p) and is_sqlite(p)]
    return list(dict.fromkeys(p for p in [*named, *protected] if p and os.path.isfile(p) and is_sqlite(p)))


def _sqlite_path(root: str, url: str) -> str | None:
    """`sqlite:///app.db` (relative to the project) or `sqlite:////abs/app.db`, as SQLAlchemy reads them."""
    for prefix in ("sqlite+pysqlite:///", "sqlite:///"):
        if url.startswith(prefix):
            path = url[len(prefix) :].split("?", 1)[0]
            return os.path.abspath(os.path.join(root, path)) if path else None
    return None


def _alembic_url(root: str) -> str:
    import configparser

    config = configparser.ConfigParser(interpolation=None)
    try:
        config.read(os.path.join(root, "alembic.ini"), encoding="utf-8")
    except configparser.Error:
        return ""
    return config.get("alembic", "sqlalchemy.url", fallback="")


def _snapshot(places: Places, files: list[str], dsns: list[str], command: list[str], actor: Actor) -> str:
    """SQLite files are saved byte for byte while their write lock is held, so a rollback gives back the very
    bytes they had (the backup API would rewrite the header's change counter)."""
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_snapshot
    from agentguard.snapshots.capture import take
    from agentguard.snapshots.store import Store

    locks = [_quiesce(path) for path in files]
    store = Store.open(places.state)
    try:
        snapshot = take(store, files, reason=f"before migrate: {shlex.join(command)[:200]}", postgres=dsns,
                        origin={"command": shlex.join(command)[:500], "host": "migrate"}, exact=files)  # fmt: skip
    finally:
        store.close()
        for lock in locks:
            lock.rollback()
            lock.close()
    with Ledger.open(places, declare_breaks=True) as ledger:
        record_snapshot(ledger, snapshot, actor)
    return snapshot.id


def _quiesce(path: str) -> sqlite3.Connection:
    """The database with everything in its main file (a WAL checkpointed, a hot journal rolled back) and its
    write lock held: no one can commit while its bytes are read."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # rolls a hot journal back
        if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                raise AgentGuardError(f"{path} is in use (its WAL could not be checkpointed): stop its writers first")
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        conn.close()
        raise AgentGuardError(f"{path}: cannot hold it still for the snapshot ({exc})") from None
    return conn


def _clear_companions(files: list[str]) -> None:
    """A failed migration's -journal or -wal would be replayed into the restored bytes: they go."""
    for path in files:
        for suffix in ("-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path + suffix)


def _run(command: list[str], root: str) -> tuple[int, str]:
    try:
        done = subprocess.run(command, cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, check=False)  # fmt: skip
    except OSError as exc:
        return 127, f"agentguard: {command[0]} could not start: {exc}\n"
    return done.returncode, done.stdout.decode("utf-8", "replace")


def _restore(places: Places, snapshot: str, actor: Actor) -> RestoreReport:
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_restore
    from agentguard.snapshots.restore import restore
    from agentguard.snapshots.store import Store

    store = Store.open(places.state)
    try:
        report = restore(store, snapshot)
    finally:
        store.close()
    with Ledger.open(places, declare_breaks=True) as ledger:
        record_restore(ledger, report, actor.id)
    return report


def _record(places: Places, run: MigrationRun, actor: Actor, milliseconds: int) -> None:
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_migration
    from agentguard.receipts.checks import keep_output

    payload: dict[str, Any] = {
        "command": shlex.join(run.command), "exit_code": run.exit_code, "snapshot": run.snapshot,
        "databases": [_masked(d) for d in run.databases], "milliseconds": milliseconds,
        "output_sha256": keep_output(places, run.output.encode("utf-8", "replace")),
        "receipt": None if run.receipt is None else run.receipt.seq, "failed": run.failed,
        "rolled_back": run.restore is not None, "restore_ok": None if run.restore is None else run.restore.ok,
    }  # fmt: skip
    with Ledger.open(places, declare_breaks=True) as ledger:
        run.events["migration"] = record_migration(ledger, payload, actor).seq


def _masked(database: str) -> str:
    if "://" not in database and "=" not in database:
        return database
    from agentguard.snapshots.postgres import parse

    return parse(database).masked
