"""Where chunks live: places recorded with each entry, read back blob by blob in joined runs, never trusted blindly."""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from agentguard.snapshots.capture import take
from agentguard.snapshots.packs import pack_places, unpack_places
from agentguard.snapshots.restore import restore
from agentguard.snapshots.store import SnapshotError, Store
from agentguard.snapshots.verify import verify


@pytest.fixture
def state(tmp_path: Path) -> str:
    return str(tmp_path / "state")


@pytest.fixture
def store(state: str) -> Iterator[Store]:
    opened = Store.open(state)
    yield opened
    opened.close()


def database(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE memory (id INTEGER PRIMARY KEY, pattern TEXT)")
        conn.executemany("INSERT INTO memory (pattern) VALUES (?)", [(f"pattern-{i:06d}-" * 20,) for i in range(rows)])
    sqlite3.connect(path).close()


def rows(path: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT id, pattern FROM memory ORDER BY id"))


def blob_ids(places: bytes) -> set[int]:
    return set(unpack_places(places)[0::3])


def test_a_first_snapshot_is_read_back_in_one_run_per_blob(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    database(db, 40_000)  # about 13 MB: several 4 MiB blobs of consecutive pages
    entry = take(store, [str(db)]).entries[0]
    runs: list[tuple[int, bytes]] = []
    store.read_into(entry, lambda offset, data: runs.append((offset, bytes(data))))
    assert len(runs) == len(blob_ids(entry.places)) > 1  # not one write per page
    covered = sorted((offset, offset + len(data)) for offset, data in runs)
    assert covered[0][0] == 0 and covered[-1][1] == entry.size
    assert all(end == start for (_, end), (start, _) in pairwise(covered))  # no gap, no overlap


def test_an_incremental_snapshot_points_unchanged_pages_at_earlier_blobs(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    database(db, 40_000)
    first = take(store, [str(db)])
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE memory SET pattern = 'changed' WHERE id % 500 = 0")
    second = take(store, [str(db)])
    old, new = blob_ids(first.entries[0].places), blob_ids(second.entries[0].places)
    assert old & new and new - old  # unchanged pages stay where they were; changed ones are in a new blob
    restore(store, second.id, to=str(tmp_path / "restored.db"))
    assert rows(tmp_path / "restored.db") == rows(db)


def test_a_catalog_without_places_is_read_through_the_chunk_index(tmp_path: Path, state: str) -> None:
    """Stores made before places were recorded: the column is added on open, their entries still restore."""
    db = tmp_path / "memory.db"
    database(db, 5_000)
    with Store.open(state) as store:
        snap = take(store, [str(db)])
    catalog = sqlite3.connect(Path(state, "snapshots", "catalog.db"))
    catalog.executescript(
        "CREATE TABLE old AS SELECT snapshot, entry, chunks FROM entry_chunks; DROP TABLE entry_chunks;"
        "CREATE TABLE entry_chunks (snapshot TEXT NOT NULL, entry INTEGER NOT NULL, chunks BLOB NOT NULL,"
        " PRIMARY KEY (snapshot, entry)); INSERT INTO entry_chunks SELECT * FROM old; DROP TABLE old;"
    )
    catalog.close()
    expected = rows(db)
    db.unlink()
    with Store.open(state) as store:
        assert store.get(snap.id).entries[0].places == b""
        assert verify(store, snap.id).ok
        restore(store, snap.id)
        again = take(store, [str(db)])  # the next capture finds the old pages through the chunk index
    assert rows(db) == expected and again.stored_bytes < 100_000


def test_a_place_the_catalog_does_not_know_is_looked_up_instead(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    database(db, 5_000)
    snap = take(store, [str(db)])
    flat = unpack_places(snap.entries[0].places)
    flat[0::3] = array("I", [999_999] * (len(flat) // 3))
    store.db.execute("UPDATE entry_chunks SET places = ? WHERE snapshot = ?", (pack_places(flat), snap.id))
    expected = rows(db)
    restore(store, snap.id, to=str(tmp_path / "restored.db"))
    assert rows(tmp_path / "restored.db") == expected


def test_a_wrong_place_inside_a_real_blob_is_caught_by_the_hash(tmp_path: Path, store: Store) -> None:
    db = tmp_path / "memory.db"
    database(db, 5_000)
    snap = take(store, [str(db)])
    flat = unpack_places(snap.entries[0].places)
    flat[1], flat[4] = flat[4], flat[1]  # the first two pages swapped: real data, wrong place
    store.db.execute("UPDATE entry_chunks SET places = ? WHERE snapshot = ?", (pack_places(flat), snap.id))
    assert not verify(store, snap.id).ok
    with pytest.raises(SnapshotError, match="does not match its hash"):
        restore(store, snap.id, to=str(tmp_path / "restored.db"))
    assert not (tmp_path / "restored.db").exists()


def test_a_database_that_fails_its_integrity_check_is_reported(tmp_path: Path, store: Store) -> None:
    """The check runs on what is restored: an index that disagrees with its table is found and reported."""
    db = tmp_path / "memory.db"
    database(db, 2_000)
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE INDEX by_pattern ON memory (pattern)")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX by_pattern ON memory (id)' WHERE name = 'by_pattern'")
    conn.commit()
    conn.close()
    snap = take(store, [str(db)])
    report = restore(store, snap.id, to=str(tmp_path / "restored.db"))
    assert not report.ok
    assert report.databases[0].integrity != "ok" and "by_pattern" in report.databases[0].integrity
