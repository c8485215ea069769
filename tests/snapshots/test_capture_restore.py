"""Capture and restore on real files and real SQLite databases (WAL mode, live connections)."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentguard.snapshots.capture import take
from agentguard.snapshots.model import SQLITE
from agentguard.snapshots.restore import restore
from agentguard.snapshots.store import SnapshotError, Store
from agentguard.snapshots.verify import verify


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(str(tmp_path / "state"))
    yield opened
    opened.close()


def wal_database(path: Path, rows: int) -> sqlite3.Connection:
    """A WAL database whose rows live only in the -wal file: the connection stays open, no checkpoint."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE memory (id INTEGER PRIMARY KEY, pattern TEXT)")
    conn.executemany("INSERT INTO memory (pattern) VALUES (?)", [(f"pattern-{i}" * 10,) for i in range(rows)])
    conn.commit()
    return conn


def count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM memory").fetchone()[0])


def test_wal_transactions_are_captured_and_restored(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    live = wal_database(db, 2000)
    assert os.path.getsize(db) < os.path.getsize(f"{db}-wal")  # the rows are in the WAL, not the main file
    snap = take(store, [str(db)], reason="before rm")
    live.close()
    for name in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        name.unlink(missing_ok=True)
    report = restore(store, snap.id)
    assert count(db) == 2000
    assert report.ok and report.databases[0].integrity == "ok"
    assert report.databases[0].diff() == [("memory", None, 2000)]
    assert report.safety_snapshot is None  # nothing was there to save


def test_deleting_the_wal_file_snapshots_the_database(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    live = wal_database(db, 100)
    snap = take(store, [f"{db}-wal"])
    live.close()
    assert snap.sources == (str(db),)
    assert snap.entries[0].type == SQLITE and snap.entries[0].row_counts == (("memory", 100),)


def test_restore_takes_a_pinned_safety_snapshot_and_diffs_rows(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    wal_database(db, 300).close()
    snap = take(store, [str(db)])
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM memory WHERE id > 100")
    report = restore(store, snap.id)
    assert count(db) == 300
    assert report.databases[0].diff() == [("memory", 100, 300)]
    safety = store.get(str(report.safety_snapshot))
    assert safety.pinned and safety.entries[0].row_counts == (("memory", 100),)
    restore(store, safety.id)  # the undo of the undo
    assert count(db) == 100


def test_stale_wal_is_not_replayed_onto_the_restored_database(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    wal_database(db, 50).close()
    snap = take(store, [str(db)])
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO memory (pattern) VALUES ('after')")
    writer.commit()  # leaves frames in the -wal; the file on disk is left behind when the process dies
    report = restore(store, snap.id)
    writer.close()
    assert report.ok and count(db) == 50


def test_directories_files_modes_and_links_round_trip(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "project" / ".agentic-qe"
    root.mkdir(parents=True)
    (root / "notes.txt").write_text("keep me\n" * 5000)
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o750)
    (root / "latest").symlink_to("notes.txt")
    wal_database(root / "memory.db", 10).close()
    mtime = os.stat(root / "notes.txt").st_mtime_ns
    snap = take(store, [str(root)])
    for child in sorted(root.rglob("*"), reverse=True):
        child.unlink() if not child.is_dir() or child.is_symlink() else child.rmdir()
    root.rmdir()
    restore(store, snap.id)
    assert (root / "notes.txt").read_text() == "keep me\n" * 5000
    assert os.stat(root / "notes.txt").st_mtime_ns == mtime
    assert (root / "run.sh").stat().st_mode & 0o777 == 0o750
    assert os.readlink(root / "latest") == "notes.txt"
    assert count(root / "memory.db") == 10


def test_restore_to_another_place_leaves_the_original_alone(tmp_path: Path, store: Store) -> None:
    source = tmp_path / "data.txt"
    source.write_text("v1")
    snap = take(store, [str(source)])
    source.write_text("v2")
    restore(store, snap.id, to=str(tmp_path / "recovered.txt"))
    assert (tmp_path / "recovered.txt").read_text() == "v1" and source.read_text() == "v2"


def test_dry_run_changes_nothing(tmp_path: Path, store: Store) -> None:
    source = tmp_path / "data.txt"
    source.write_text("v1")
    snap = take(store, [str(source)])
    source.write_text("v2!")
    report = restore(store, snap.id, dry_run=True)
    assert [(c.action, c.path) for c in report.changes] == [("overwrite", str(source))]
    assert source.read_text() == "v2!" and len(store.list()) == 1


def test_damaged_store_is_detected_and_restore_touches_nothing(tmp_path: Path, store: Store) -> None:
    source = tmp_path / "data.txt"
    source.write_bytes(os.urandom(300_000))
    snap = take(store, [str(source)])
    source.write_text("current")
    pack = next(Path(store.packs).iterdir())
    data = bytearray(pack.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pack.write_bytes(bytes(data))
    assert not verify(store, snap.id).ok
    with pytest.raises(SnapshotError, match="before touching anything"):
        restore(store, snap.id)
    assert source.read_text() == "current"


def test_missing_sources_are_recorded(tmp_path: Path, store: Store) -> None:
    snap = take(store, [str(tmp_path / "never-existed.db")])
    assert snap.missing == (str(tmp_path / "never-existed.db"),) and snap.entries == ()


def test_unchanged_data_is_not_stored_twice(tmp_path: Path, store: Store) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(2_000_000))
    first = take(store, [str(source)])
    second = take(store, [str(source)])
    assert first.stored_bytes > 1_900_000
    assert second.stored_bytes < 2_000  # only the chunk list
    assert verify(store, second.id).ok


def test_a_damaged_database_is_saved_byte_for_byte(tmp_path: Path, store: Store) -> None:
    damaged = tmp_path / "patterns.db"
    content = b"SQLite format 3\x00" + os.urandom(5000)  # a SQLite header over broken pages
    damaged.write_bytes(content)
    snap = take(store, [str(damaged)])
    assert snap.entries[0].type == "file"
    damaged.unlink()
    restore(store, snap.id)
    assert damaged.read_bytes() == content
