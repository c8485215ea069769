"""Crash tests: a snapshot or a restore killed (SIGKILL) at a random moment, many times over.

After every kill: the live data is intact (killed during a snapshot: unchanged; killed during a restore: each
file is either its old or its new content, whole, and the database passes integrity_check with the rows of
one state or the other, never a missing file), every snapshot in the store verifies, and a new snapshot and
restore still work. After a killed restore, the next one's recovery makes it all one state or the other.
The kill delays are drawn from a seeded generator over the length of a measured uninterrupted run, so the
kills land everywhere from the first read to the last rename.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentguard.snapshots.capture import take
from agentguard.snapshots.restore import recover, restore
from agentguard.snapshots.store import Store
from agentguard.snapshots.verify import verify

KILLS = 32
SEED = 20_261_123


@pytest.fixture
def store_root(tmp_path: Path) -> str:
    return str(tmp_path / "state" / "snapshots")


@pytest.fixture
def store(store_root: str) -> Iterator[Store]:
    opened = Store(store_root)
    yield opened
    opened.close()


# ---- the data: a WAL database and a folder of files ---------------------------------------------------------


def fill(db: Path, start: int, rows: int) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
        conn.executemany("INSERT INTO notes VALUES (?, randomblob(400))", [(i,) for i in range(start, start + rows)])
    conn.close()


def leave_in_wal(db: Path, sql: str) -> None:
    """Commit `sql` from a process that dies without closing: the transaction stays in the -wal file only."""

    def write() -> None:
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.execute(sql)
        os._exit(0)

    proc = multiprocessing.get_context("fork").Process(target=write)
    proc.start()
    proc.join(30)
    assert proc.exitcode == 0


def db_state(db: Path) -> tuple[str, str]:
    """(integrity_check, digest of every row) of the database as SQLite sees it, -wal included."""
    conn = sqlite3.connect(db)
    try:
        result = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        digest = hashlib.sha256()
        for row in conn.execute("SELECT id, body FROM notes ORDER BY id"):
            digest.update(repr(row).encode())
        return result, digest.hexdigest()
    finally:
        conn.close()


def files_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".agentguard-")}


def write_files(folder: Path, rng: random.Random, sizes: tuple[int, ...]) -> None:
    folder.mkdir(exist_ok=True)
    for i, size in enumerate(sizes):
        (folder / f"file-{i}.bin").write_bytes(rng.randbytes(size))


# ---- killing ---------------------------------------------------------------------------------------------------


def run_child(work: Callable[[], object]) -> multiprocessing.process.BaseProcess:
    def main() -> None:
        work()
        os._exit(0)

    proc = multiprocessing.get_context("fork").Process(target=main)
    proc.start()
    return proc


def timed(work: Callable[[], object]) -> float:
    """How long `work` takes in a child process of its own (the scale of the kill delays)."""
    started = time.perf_counter()
    proc = run_child(work)
    proc.join(60)
    assert proc.exitcode == 0
    return time.perf_counter() - started


def kill_after(work: Callable[[], object], delay: float) -> bool:
    """Run `work` in a child and SIGKILL it after `delay` seconds; True when the kill came before it ended."""
    proc = run_child(work)
    proc.join(delay)
    killed = proc.exitcode is None
    if killed:
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
    proc.join(60)
    return killed


def verify_all(store_root: str, checked: set[str]) -> None:
    """Every snapshot the store lists verifies; new ones every time, all of them when `checked` is empty."""
    store = Store(store_root)
    try:
        for snap in store.list():
            if snap.id not in checked:
                result = verify(store, snap.id)
                assert result.ok, result.problem
                checked.add(snap.id)
    finally:
        store.close()


def still_works(store_root: str, db: Path, folder: Path) -> None:
    """A new snapshot and a restore of it, after all the kills."""
    store = Store(store_root)
    try:
        expected_db, expected_files = db_state(db), files_state(folder)
        snap = take(store, [str(db), str(folder)])
        (folder / "file-0.bin").write_bytes(b"changed")
        with sqlite3.connect(db) as conn:
            conn.execute("DELETE FROM notes")
        conn.close()
        report = restore(store, snap.id)
        assert report.ok
        assert db_state(db) == expected_db and files_state(folder) == expected_files
        verify_all(store_root, set())
    finally:
        store.close()


def recovered_whole(
    store_root: str, where: Path, old: tuple[object, object], new: tuple[object, object], round_: int
) -> str:
    """After a killed restore, the next one's recovery leaves one whole state: the restore finished (every file
    and the database as in the snapshot) or never begun (all as before), and no temporary file anywhere."""
    store = Store(store_root)
    try:
        recovered = recover(store)
    finally:
        store.close()
    state = (db_state(where / "memory.db"), files_state(where / "files"))
    assert state in (old, new), f"round {round_}: a mix of restored and unrestored files after the recovery"
    assert not list(where.glob("**/.agentguard-restore-*")), f"round {round_}: temporary files left"
    journals = [n for n in os.listdir(os.path.join(store_root, "restores")) if n != ".scan"]
    assert not journals, f"round {round_}: journal files left: {journals}"
    if not recovered:
        return "none"  # killed after the journal was closed
    assert len(recovered) == 1 and (recovered[0].action == "finished") == (state == old), f"round {round_}"
    return recovered[0].action


# ---- the tests -------------------------------------------------------------------------------------------------


def test_killed_snapshots_leave_the_data_and_the_store_whole(tmp_path: Path, store_root: str) -> None:
    rng = random.Random(SEED)
    db, folder = tmp_path / "memory.db", tmp_path / "files"
    fill(db, 0, 6000)
    write_files(folder, rng, (300_000, 1_000_000, 40_000))
    Store(store_root).close()

    def snapshot() -> None:
        take(Store(store_root), [str(db), str(folder)])

    scale = timed(snapshot)  # the first capture stores everything: a kill delay up to it reaches every step
    checked: set[str] = set()
    kills = round_ = 0
    while kills < KILLS and round_ < KILLS * 3:
        round_ += 1
        # new data every round, some of it only in the -wal, so each capture has pages and chunks to write
        fill(db, 10_000 + round_ * 200, 200)
        leave_in_wal(db, f"UPDATE notes SET body = randomblob(400) WHERE id % 37 = {round_ % 37}")
        write_files(folder, rng, (300_000, 1_000_000 + round_, 40_000))
        expected_db, expected_files = db_state(db), files_state(folder)
        leave_in_wal(db, f"UPDATE notes SET body = body WHERE id = {round_}")  # a -wal again, same rows
        kills += kill_after(snapshot, rng.uniform(0, scale * 1.2))
        assert db_state(db) == expected_db, f"round {round_}: the live database changed"
        assert files_state(folder) == expected_files, f"round {round_}: live files changed"
        verify_all(store_root, checked)
    assert kills == KILLS, f"only {kills} of {round_} runs were killed before they ended"
    verify_all(store_root, set())
    still_works(store_root, db, folder)
    assert os.listdir(os.path.join(store_root, "tmp")) == [], "copies left by killed captures were not removed"


def test_killed_restores_leave_old_or_new_content_never_a_mix(tmp_path: Path, store_root: str) -> None:
    rng = random.Random(SEED + 1)
    db, folder, golden = tmp_path / "memory.db", tmp_path / "files", tmp_path / "golden"
    # state A: what the snapshot holds
    fill(db, 0, 6000)
    write_files(folder, rng, (300_000, 1_000_000, 40_000))
    store = Store(store_root)
    saved = take(store, [str(db), str(folder)])
    store.close()
    old_db, old_files = db_state(db), files_state(folder)
    # state B: what is there when the restore runs; part checkpointed into the file, part only in the -wal
    fill(db, 6000, 500)
    leave_in_wal(db, "DELETE FROM notes WHERE id % 3 = 0")
    write_files(folder, rng, (300_000, 900_000, 50_000))
    golden.mkdir()
    for name in ("memory.db", "memory.db-wal"):
        shutil.copy2(tmp_path / name, golden / name)
    shutil.copytree(folder, golden / "files")
    new_db, new_files = db_state(db), files_state(folder)
    assert new_db != old_db and new_files != old_files

    def put_back_b() -> None:
        for name in ("memory.db-shm", "memory.db-wal", "memory.db"):
            (tmp_path / name).unlink(missing_ok=True)
        for name in ("memory.db", "memory.db-wal"):
            shutil.copy2(golden / name, tmp_path / name)
        for leftover in folder.glob(".agentguard-*"):
            leftover.unlink()
        for path in (golden / "files").iterdir():
            shutil.copy2(path, folder / path.name)

    def restore_a() -> None:
        restore(Store(store_root), saved.id)

    put_back_b()
    timed(restore_a)  # the first one also stores B in its safety snapshot; later ones find B's chunks there
    assert db_state(db) == old_db and files_state(folder) == old_files  # an uninterrupted restore brings back A
    put_back_b()
    scale = timed(restore_a)
    checked: set[str] = set()
    kills = round_ = 0
    outcomes = set()
    finished: set[str] = set()
    both = {"finished", "cleaned"}  # kills at random times: go on (bounded) until both recoveries were reached
    while (kills < KILLS or not both <= finished) and round_ < KILLS * 6:
        round_ += 1
        put_back_b()
        kills += kill_after(restore_a, rng.uniform(0, scale * 1.2))
        assert db.exists(), f"round {round_}: the database is missing"
        result, digest = db_state(db)
        assert result == "ok", f"round {round_}: {result}"
        assert digest in (old_db[1], new_db[1]), f"round {round_}: the database holds neither state"
        now = files_state(folder)
        assert set(now) == set(old_files), f"round {round_}: files missing"
        for name, data in now.items():
            assert data in (old_files[name], new_files[name]), f"round {round_}: {name} is a mix"
        outcomes.add((digest == old_db[1], now == old_files))
        verify_all(store_root, checked)
        finished.add(recovered_whole(store_root, tmp_path, (old_db, old_files), (new_db, new_files), round_))
    assert kills >= KILLS, f"only {kills} of {round_} runs were killed before they ended"
    assert (False, False) in outcomes, "no kill landed before the swap"
    assert both <= finished, f"recoveries seen: {finished}"  # both kinds were reached
    verify_all(store_root, set())
    still_works(store_root, db, folder)


def test_a_crash_between_removing_the_wal_and_the_rename_loses_no_transaction(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one instant a random kill rarely hits: the old -wal is gone and the restored file is not in place
    yet. The live database file alone must then still hold every committed transaction."""
    db = tmp_path / "memory.db"
    fill(db, 0, 1000)
    saved = take(store, [str(db)])
    fill(db, 1000, 500)  # checkpointed into the file when the connection closes
    leave_in_wal(db, "DELETE FROM notes WHERE id < 700")  # only in the -wal
    (tmp_path / "copy").mkdir()
    for name in ("memory.db", "memory.db-wal"):
        shutil.copy2(tmp_path / name, tmp_path / "copy" / name)
    current = db_state(tmp_path / "copy" / "memory.db")  # not on `db`: closing would checkpoint its -wal
    assert os.path.getsize(f"{db}-wal") > 0

    class Crash(BaseException):
        pass

    def crash(src: str, dst: str) -> None:
        raise Crash

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(Crash):
        restore(store, saved.id)
    monkeypatch.undo()
    assert db_state(db) == current
