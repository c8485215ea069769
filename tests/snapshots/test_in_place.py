"""A database whose file alone holds it is read in place, under a read transaction, with no copy; a repeated
capture hashes page groups and takes unchanged ones from the last capture. What is restored is always one
committed state, WAL frames included."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentguard.snapshots.capture import take
from agentguard.snapshots.restore import restore
from agentguard.snapshots.sqlite_copy import integrity
from agentguard.snapshots.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(str(tmp_path / "store")) as opened:
        yield opened


def make(db: Path, rows: int, *, wal: bool) -> None:
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    conn.executemany("INSERT INTO notes VALUES (?, hex(randomblob(200)))", [(i,) for i in range(rows)])
    conn.commit()
    conn.close()


def content(db: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT id, body FROM notes ORDER BY id").fetchall()
    finally:
        conn.close()


def read_in_place(store: Store, db: Path) -> bool:
    """Was the newest capture of `db` read in place (it recorded page-group digests)?"""
    previous = store.previous_entry(str(db))
    assert previous is not None
    return previous.groups != b""


def restored(store: Store, snapshot_id: str, db: Path) -> list[tuple[int, str]]:
    report = restore(store, snapshot_id)
    assert report is not None
    assert integrity(str(db))[0] == "ok"
    return content(db)


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_a_database_is_read_in_place_and_comes_back_whole(tmp_path: Path, store: Store, wal: bool) -> None:
    db = tmp_path / "memory.db"
    make(db, 3000, wal=wal)
    before = content(db)

    saved = take(store, [str(db)])

    assert read_in_place(store, db)
    assert dict(saved.entries[0].row_counts) == {"notes": 3000}
    sqlite3.connect(db).execute("DELETE FROM notes").connection.commit()
    assert restored(store, saved.id, db) == before


def test_frames_only_in_the_wal_are_saved(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    make(db, 500, wal=True)
    holder = sqlite3.connect(db)  # keeps the -wal from being folded in when the writer below closes
    holder.execute("SELECT count(*) FROM notes").fetchone()
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("UPDATE notes SET body = 'only in the wal' WHERE id < 100")
    writer.commit()
    writer.close()
    assert (tmp_path / "memory.db-wal").stat().st_size > 0
    before = content(db)

    saved = take(store, [str(db)])

    holder.close()
    sqlite3.connect(db).execute("DELETE FROM notes").connection.commit()
    assert restored(store, saved.id, db) == before
    assert sum(body == "only in the wal" for _, body in before) == 100


def test_a_wal_that_cannot_be_emptied_is_copied_through_the_backup_api(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    make(db, 500, wal=True)
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("UPDATE notes SET body = 'newer' WHERE id < 50")
    writer.commit()
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM notes").fetchone()  # an open read keeps the checkpoint from finishing
    writer.execute("UPDATE notes SET body = 'newest' WHERE id < 10")
    writer.commit()
    before = content(db)

    saved = take(store, [str(db)])

    reader.execute("ROLLBACK")
    reader.close()
    writer.close()
    assert not read_in_place(store, db)
    sqlite3.connect(db).execute("DELETE FROM notes").connection.commit()
    assert restored(store, saved.id, db) == before


def test_a_repeated_capture_stores_only_the_changed_pages(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    make(db, 20_000, wal=False)  # about 5 MB: many page groups
    first = take(store, [str(db)])
    conn = sqlite3.connect(db)
    conn.execute("UPDATE notes SET body = 'changed' WHERE id IN (5, 10000)")
    conn.commit()
    conn.close()
    after = content(db)

    second = take(store, [str(db)])

    assert read_in_place(store, db)
    assert second.stored_bytes < first.stored_bytes / 20
    sqlite3.connect(db).execute("DELETE FROM notes").connection.commit()
    assert restored(store, second.id, db) == after


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_captures_during_writes_restore_one_committed_state(tmp_path: Path, store: Store, wal: bool) -> None:
    """A writer commits all the time (each commit keeps `total` at 1,000,000); every capture taken meanwhile
    restores a database that is whole and holds one of those commits, never half of one."""
    db = tmp_path / "memory.db"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA journal_mode={'WAL' if wal else 'DELETE'}")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    # a page or two per ledger row: the two halves of a transfer are on different pages, far apart
    conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, pad BLOB NOT NULL)")
    conn.executemany("INSERT INTO ledger VALUES (?, ?, zeroblob(3000))", [(i, 1000) for i in range(1000)])
    conn.executemany("INSERT INTO notes VALUES (?, hex(randomblob(300)))", [(i,) for i in range(3000)])
    conn.commit()
    conn.close()
    stop = threading.Event()

    def write() -> None:
        writer = sqlite3.connect(db, timeout=30)
        step = 0
        while not stop.is_set():
            step += 1
            a, b = step % 1000, (step * 7 + 3) % 1000
            writer.execute("UPDATE ledger SET amount = amount - 5 WHERE id = ?", (a,))
            writer.execute("UPDATE notes SET body = hex(randomblob(300)) WHERE id = ?", (step % 3000,))
            writer.execute("UPDATE ledger SET amount = amount + 5 WHERE id = ?", (b,))
            writer.commit()
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        saved = [take(store, [str(db)]) for _ in range(12)]
    finally:
        stop.set()
        thread.join()
    for snapshot in saved:
        copy = tmp_path / f"restored-{snapshot.id}.db"  # one source: restored onto the --to path itself
        restore(store, snapshot.id, to=str(copy))
        assert integrity(str(copy))[0] == "ok"
        check = sqlite3.connect(copy)
        assert check.execute("SELECT sum(amount), count(*) FROM ledger").fetchone() == (1_000_000, 1000)
        check.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give files away (protected mode restores as root)")
def test_a_restore_by_root_gives_files_back_to_their_owner(tmp_path: Path, store: Store) -> None:
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    db, notes = project / "data" / "memory.db", project / "data" / "notes.txt"
    make(db, 100, wal=False)
    notes.write_text("mine")
    for path in (project, project / "data", db, notes):
        os.chown(path, 4321, 4321)
    saved = take(store, [str(project / "data")])
    shutil.rmtree(project / "data")

    restore(store, saved.id)

    for path in (project / "data", db, notes):
        assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4321), path
