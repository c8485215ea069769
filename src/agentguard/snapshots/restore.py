"""Put a snapshot back: verify, save what is there now, swap atomically, then check.

Order matters, so that no step can leave the user worse off than before:
1. a journal names every temporary file the restore will write (journal.py);
2. every entry is written to its temporary file beside its target, each chunk checked against its BLAKE3 id —
   a damaged store fails here, before anything live is touched (staging.py);
3. a pinned safety snapshot of the current state of every target is taken;
4. the journal records the swaps, then each temporary file is renamed over its target (atomic on POSIX). For a
   SQLite database the old -wal and -shm are removed first (the safety snapshot holds their transactions):
   frames of the old WAL would otherwise be replayed onto the restored file;
5. `PRAGMA integrity_check` (run on the staged copy while it was flushed) and a per-table row-count diff.

Killed during step 4, a restore of several files is finished by the next `agentguard restore` (`recover`):
every temporary file was complete and durable before the first rename, so the rest of the swaps can be made;
killed before it, its temporary files are removed. A restore deletes nothing the snapshot does not hold.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentguard.snapshots import journal
from agentguard.snapshots import postgres as pg
from agentguard.snapshots.capture import Progress, take
from agentguard.snapshots.journal import Finish, Swap, remove
from agentguard.snapshots.model import DIRECTORY, FILE, POSTGRES, SQLITE, SYMLINK, Entry, Snapshot
from agentguard.snapshots.packs import fsync_dir
from agentguard.snapshots.sqlite_copy import COMPANIONS
from agentguard.snapshots.staging import stage, staged_entries
from agentguard.snapshots.store import SnapshotError, Store


@dataclass(frozen=True, slots=True)
class Recovered:
    """What became of a restore that was killed: "finished" (its remaining swaps made) or "cleaned" (it had
    touched nothing; its temporary files are gone)."""

    snapshot: str
    action: str
    files: int  # swaps made, or temporary files removed
    safety_snapshot: str | None

    def to_json(self) -> dict[str, Any]:
        return {"snapshot": self.snapshot, "action": self.action, "files": self.files,
                "safety_snapshot": self.safety_snapshot, "description": self.describe()}  # fmt: skip

    def describe(self) -> str:
        if self.action == "cleaned":
            return (f"an interrupted restore of {self.snapshot} had changed nothing; "
                    f"removed its {self.files} temporary file(s)")  # fmt: skip
        saved = f" (what was there is in safety snapshot {self.safety_snapshot})" if self.safety_snapshot else ""
        return f"finished an interrupted restore of {self.snapshot}: {self.files} file(s) put in place{saved}"


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    action: str  # "create" | "overwrite" | "unchanged"
    type: str
    size: int


@dataclass(frozen=True, slots=True)
class DatabaseCheck:
    path: str
    integrity: str
    rows_before: tuple[tuple[str, int], ...]
    rows_after: tuple[tuple[str, int], ...]

    def diff(self) -> list[tuple[str, int | None, int | None]]:
        before, after = dict(self.rows_before), dict(self.rows_after)
        return [(t, before.get(t), after.get(t)) for t in sorted(set(before) | set(after))]


@dataclass
class RestoreReport:
    snapshot: str
    changes: list[Change]
    dry_run: bool
    safety_snapshot: str | None = None
    databases: list[DatabaseCheck] = field(default_factory=list)
    recovered: list[Recovered] = field(default_factory=list)  # interrupted restores finished or cleaned first
    pending: list[str] = field(default_factory=list)  # a dry run: interrupted restores a real one would finish

    @property
    def ok(self) -> bool:
        return all(db.integrity == "ok" for db in self.databases)

    def to_json(self) -> dict[str, Any]:
        return {
            "message_type": "restore",
            "snapshot": self.snapshot,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "safety_snapshot": self.safety_snapshot,
            "changes": [_change(c) for c in self.changes],
            "databases": [
                {"path": d.path, "integrity": d.integrity, "rows": [list(r) for r in d.diff()]} for d in self.databases
            ],
            "recovered": [r.to_json() for r in self.recovered],
            "pending": self.pending,
        }


def _change(change: Change) -> dict[str, Any]:
    return {"path": change.path, "action": change.action, "type": change.type, "size": change.size}


def restore(
    store: Store,
    snapshot_id: str,
    *,
    to: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    postgres_dsn: str | None = None,
) -> RestoreReport:
    """`postgres_dsn`: where a PostgreSQL entry goes (default: the DSN it was captured from, password from
    PGPASSWORD or ~/.pgpass). PostgreSQL entries are restored in one transaction each, after the files."""
    snapshot = store.get(snapshot_id)
    mapping = _mapper(snapshot, to)
    dsns = pg.targets(snapshot.entries, postgres_dsn)  # entry path → the DSN it is restored into
    changes = [
        _plan(e, mapping(e.path)) if e.type != POSTGRES else Change(pg.parse(dsns[e.path]).masked, "overwrite",
                                                                    POSTGRES, e.size)
        for e in snapshot.entries
    ]  # fmt: skip
    report = RestoreReport(snapshot.id, changes, dry_run)
    if dry_run:
        report.pending = journal.describe_pending(store)
        return report
    report.recovered = recover(store)

    def target(entry: Entry) -> str:  # where the entry goes; a PostgreSQL dump is staged in the store
        return os.path.join(store.scratch, "dump") if entry.type == POSTGRES else mapping(entry.path)

    with journal.begin(store, snapshot.id, ((target(e), i) for i, e in staged_entries(snapshot))) as log:
        staged, checks = stage(store, snapshot, target, log, progress)
        try:
            before = _save_current(store, snapshot, mapping, dsns, report)
            swaps = [Swap(staged[e.path], mapping(e.path), e.type == SQLITE)
                     for e in snapshot.entries if e.type in (FILE, SQLITE, SYMLINK) and e.path in staged]  # fmt: skip
            finish = [Finish(mapping(e.path), e.mode, e.mtime_ns) for e in snapshot.entries if e.type == DIRECTORY]
            log.swapping(swaps, finish, report.safety_snapshot)
            apply(swaps, finish, report.safety_snapshot)
            for path, dsn in dsns.items():
                pg.restore_dump(pg.parse(dsn), staged[path])
        except Exception:
            remove(staged.values())
            raise
        remove(staged.values())  # PostgreSQL dumps
    for entry in snapshot.entries:
        if entry.type == SQLITE:
            # rows after: those counted at capture. Every chunk was checked against its hash, so the file is
            # that copy byte for byte; counting again would scan a large database a second time for nothing.
            path = mapping(entry.path)
            report.databases.append(DatabaseCheck(path, checks[entry.path], before.get(path, ()), entry.row_counts))
        elif entry.type == POSTGRES:
            target_dsn = pg.parse(dsns[entry.path])
            after = pg.row_counts(target_dsn)
            report.databases.append(DatabaseCheck(target_dsn.masked, "ok", before[entry.path], after))
    return report


def _save_current(
    store: Store, snapshot: Snapshot, mapping: Callable[[str], str], dsns: dict[str, str], report: RestoreReport
) -> dict[str, tuple[tuple[str, int], ...]]:
    """Take the pinned safety snapshot of what is there now; returns the row counts before, per database."""
    present = [t for t in (mapping(e.path) for e in snapshot.entries if e.type != POSTGRES) if os.path.lexists(t)]
    before = {path: pg.row_counts(pg.parse(dsn)) for path, dsn in dsns.items()}
    if present or dsns:
        safety = take(store, present, reason=f"safety snapshot before restoring {snapshot.id}", pinned=True,
                      postgres=list(dsns.values()))  # fmt: skip
        report.safety_snapshot = safety.id
        # rows before: counted by the safety snapshot in its consistent copy (no second scan of the file)
        before |= {e.path: e.row_counts for e in safety.entries if e.type == SQLITE}
    return before


def recover(store: Store) -> list[Recovered]:
    """Finish or clean up restores that were killed (see the module's docstring). Raises SnapshotError when a
    remaining swap cannot be made; the journal then stays, and the next restore tries again."""
    done = []
    for item in journal.interrupted(store):
        if item.state != "swapping":
            removed = [t for t in item.temps if os.path.lexists(t)]
            remove(removed)
            done.append(Recovered(item.snapshot, "cleaned", len(removed), None))
        else:
            pending = item.pending
            present = [s.target for s in pending if os.path.lexists(s.target)]
            safety = None
            if present:
                reason = f"safety snapshot before finishing the interrupted restore of {item.snapshot}"
                safety = take(store, present, reason=reason, pinned=True).id
            apply(pending, list(item.finish), safety)
            remove(item.temps)  # a PostgreSQL dump it staged: that database is restored by restoring again
            done.append(Recovered(item.snapshot, "finished", len(pending), safety))
        journal.forget(item)
    return done


def apply(swaps: list[Swap], finish: list[Finish], safety: str | None) -> None:
    """Rename each temporary file over its target, then set the directories' modes and mtimes (deepest first,
    so that they stick)."""
    for number, swap in enumerate(swaps):
        if os.path.isdir(swap.target) and not os.path.islink(swap.target):
            undo = f"; safety snapshot {safety} holds what was there before" if safety else ""
            raise SnapshotError(f"{swap.target} is a directory now; move it away and restore again "
                                f"({number} of {len(swaps)} files were put in place{undo})")  # fmt: skip
        if swap.database:
            _remove_companions(swap.target)
        os.replace(swap.temp, swap.target)
    for place in sorted({os.path.dirname(s.target) for s in swaps}):
        fsync_dir(place)  # the renames are durable before the journal that could redo them is removed
    for folder in reversed(finish):
        os.chmod(folder.path, folder.mode)
        os.utime(folder.path, ns=(folder.mtime_ns, folder.mtime_ns))


def _mapper(snapshot: Snapshot, to: str | None) -> Callable[[str], str]:
    """Where each saved path goes: its own place, or under `--to` (one source: onto it; several: by name)."""
    if to is None:
        return lambda path: path
    to = os.path.abspath(to)
    roots = [source for source in snapshot.sources if source.startswith("/")]  # not PostgreSQL DSNs

    def mapped(path: str) -> str:
        for root in roots:
            if path == root or path.startswith(root.rstrip("/") + "/"):
                base = to if len(roots) == 1 else os.path.join(to, os.path.basename(root))
                return base + path[len(root) :]
        return os.path.join(to, path.lstrip("/"))

    return mapped


def _plan(entry: Entry, target: str) -> Change:
    if not os.path.lexists(target):
        return Change(target, "create", entry.type, entry.size)
    if entry.type in (FILE, SQLITE):
        info = os.stat(target)
        same = info.st_size == entry.size and info.st_mtime_ns == entry.mtime_ns and entry.type == FILE
        return Change(target, "unchanged" if same else "overwrite", entry.type, entry.size)
    if entry.type == SYMLINK:
        same = os.path.islink(target) and os.readlink(target) == entry.link
        return Change(target, "unchanged" if same else "overwrite", entry.type, entry.size)
    return Change(target, "unchanged" if os.path.isdir(target) else "overwrite", entry.type, entry.size)


def _remove_companions(database: str) -> None:
    """Remove the old -wal/-shm/-journal (their content is in the safety snapshot) before the swap.

    The -wal is first checkpointed into the database file: killed after the -wal is gone and before the rename,
    the live file alone must still hold every committed transaction (tests/snapshots/test_crash.py).
    """
    if os.path.exists(database + "-wal"):
        _checkpoint(database)
    for suffix in COMPANIONS:
        path = database + suffix
        if os.path.lexists(path):
            os.unlink(path)


def _checkpoint(database: str) -> None:
    """Fold the -wal into the database file. Best effort: a damaged database or a reader that holds the -wal
    leaves it unfolded, and the safety snapshot taken before still holds those transactions."""
    import sqlite3

    try:
        conn = sqlite3.connect(database, timeout=5)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        pass
