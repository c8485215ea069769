"""The snapshot store: pack files plus a SQLite catalog, in the state dir, outside the agent's workspace.

Writers hold an exclusive lock (one capture, restore or prune at a time); readers need none. A capture writes
its new blobs to packs and fsyncs them first, then records blobs, chunks and the snapshot in one catalog
transaction: killed at any instant, the store either has the whole snapshot or none of it.
Snapshots are removed only through `retention.prune`, which calls `Store.remove` under the lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from array import array
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import NamedTuple

from agentguard.errors import AgentGuardError
from agentguard.snapshots.model import DIGEST, Entry, Snapshot
from agentguard.snapshots.packs import (
    PLACE_BYTES,
    BlobRecord,
    PackWriter,
    Piece,
    Place,
    pack_name,
    read_runs,
    unpack_places,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS blobs (
  id INTEGER PRIMARY KEY, pack TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
  raw_length INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
  id BLOB PRIMARY KEY, blob INTEGER NOT NULL REFERENCES blobs(id), offset INTEGER NOT NULL,
  length INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE NOT NULL, created TEXT NOT NULL, reason TEXT NOT NULL,
  pinned INTEGER NOT NULL, stored_bytes INTEGER NOT NULL, seconds REAL NOT NULL, manifest TEXT NOT NULL,
  verified TEXT);
CREATE TABLE IF NOT EXISTS entry_chunks (
  snapshot TEXT NOT NULL, entry INTEGER NOT NULL, chunks BLOB NOT NULL, places BLOB,
  PRIMARY KEY (snapshot, entry));
"""


class PreviousEntry(NamedTuple):
    chunks: bytes  # chunk ids in file order, DIGEST bytes each
    places: array[int]  # three numbers per chunk (packs.pack_places)
    groups: bytes  # sqlite_pages.encode_groups of a database read in place; b"" otherwise


READERS = 2  # worker threads reading, decompressing, checking and writing blobs (the machines have 2 cores or more)


class SnapshotError(AgentGuardError):
    """A snapshot could not be taken, read or restored."""

    exit_code = 9


class Store:
    def __init__(self, root: str) -> None:
        self.root = root
        self.packs = os.path.join(root, "packs")
        os.makedirs(self.packs, mode=0o700, exist_ok=True)
        self.db = sqlite3.connect(os.path.join(root, "catalog.db"), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self._add_columns()

    def _add_columns(self) -> None:
        """Stores made before chunk places (their entries are read through the catalog) or page-group digests
        (their next capture of a database hashes every page) were recorded."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(entry_chunks)")}
        for name in ("places", "groups"):
            if name not in columns:
                with contextlib.suppress(sqlite3.OperationalError):  # another process added it first
                    self.db.execute(f"ALTER TABLE entry_chunks ADD COLUMN {name} BLOB")

    @classmethod
    def open(cls, state_dir: str) -> Store:
        try:
            return cls(os.path.join(state_dir, "snapshots"))
        except (OSError, sqlite3.Error) as exc:
            raise SnapshotError(f"cannot open the snapshot store in {state_dir}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One writer at a time, across processes (hooks of parallel tool calls may capture at once)."""
        import fcntl

        with open(os.path.join(self.root, "lock"), "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @property
    def scratch(self) -> str:
        """A folder on the store's file system for temporary copies (renames stay atomic)."""
        path = os.path.join(self.root, "tmp")
        os.makedirs(path, mode=0o700, exist_ok=True)
        return path

    # ---- writing -------------------------------------------------------------------------------------------

    def writer(self) -> PackWriter:
        """Called under the lock: the blob ids it hands out are free until its capture commits."""
        row = self.db.execute("SELECT pack, id FROM blobs ORDER BY id DESC LIMIT 1").fetchone()
        return PackWriter(self.packs, row[0] if row else pack_name(1), row[1] + 1 if row else 1)

    def known(self, ids: Sequence[bytes]) -> dict[bytes, Place]:
        """The places of those of these chunk ids that the store already holds."""
        found: dict[bytes, Place] = {}
        for start in range(0, len(ids), 2048):
            batch = ids[start : start + 2048]
            rows = self.db.execute(
                f"SELECT id, blob, offset, length FROM chunks WHERE id IN ({','.join('?' * len(batch))})", batch
            )
            found.update((cid, (blob, offset, length)) for cid, blob, offset, length in rows)
        return found

    def previous_chunks(self, path: str) -> dict[bytes, Place]:
        """Chunk ids and places of `path` in the newest snapshot that holds it, all in the store (empty when none
        does). A database snapshotted again is mostly the same pages: these need no catalog lookup one by one."""
        previous = self.previous_entry(path)
        if previous is None:
            return {}
        flat = previous.places
        ids = [previous.chunks[i : i + DIGEST] for i in range(0, len(previous.chunks), DIGEST)]
        return dict(zip(ids, zip(flat[0::3], flat[1::3], flat[2::3], strict=True), strict=True))

    def previous_entry(self, path: str) -> PreviousEntry | None:
        """`path` in the newest snapshot that holds it: chunk ids and places in file order, and its page-group
        digests when it was a database read in place. None when no snapshot has it with its places."""
        quoted = json.dumps(path)
        row = self.db.execute(
            "SELECT id, manifest FROM snapshots WHERE instr(manifest, ?) > 0 ORDER BY seq DESC LIMIT 1", (quoted,)
        ).fetchone()
        if row is None:
            return None
        paths = [entry["path"] for entry in json.loads(row[1])["entries"]]
        if path not in paths:
            return None
        found = self.db.execute(
            "SELECT chunks, places, groups FROM entry_chunks WHERE snapshot = ? AND entry = ?",
            (row[0], paths.index(path)),
        ).fetchone()
        if found is None or len(found[1] or b"") * DIGEST != len(found[0]) * PLACE_BYTES:
            return None  # recorded before places were: the capture asks the catalog instead
        return PreviousEntry(found[0], unpack_places(found[1]), found[2] or b"")

    def next_id(self) -> str:
        row = self.db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'snapshots'").fetchone()
        return f"s-{(row[0] if row else 0) + 1:04d}"

    def commit(self, snapshot: Snapshot, blobs: list[BlobRecord], groups: Mapping[str, bytes] | None = None) -> None:
        """Record the blobs (already durable in packs) and the snapshot, in one transaction. `groups`: the
        page-group digests of the databases read in place, by path (what the next capture compares against)."""
        groups = groups or {}
        with self._transaction():
            for blob in blobs:
                self.db.execute(
                    "INSERT INTO blobs (id, pack, offset, length, raw_length) VALUES (?, ?, ?, ?, ?)",
                    (blob.id, blob.pack, blob.offset, blob.length, blob.raw_length),
                )
                self.db.executemany(
                    "INSERT INTO chunks (id, blob, offset, length) VALUES (?, ?, ?, ?)",
                    [(cid, blob.id, off, length) for cid, off, length in blob.chunks],
                )
            self.db.execute(
                "INSERT INTO snapshots (id, created, reason, pinned, stored_bytes, seconds, manifest) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (snapshot.id, snapshot.created, snapshot.reason, int(snapshot.pinned), snapshot.stored_bytes,
                 snapshot.seconds, json.dumps(snapshot.manifest(), sort_keys=True)),
            )  # fmt: skip
            self.db.executemany(
                "INSERT INTO entry_chunks (snapshot, entry, chunks, places, groups) VALUES (?, ?, ?, ?, ?)",
                [
                    (snapshot.id, i, e.chunks, e.places, groups.get(e.path))
                    for i, e in enumerate(snapshot.entries)
                    if e.chunks
                ],
            )

    def mark_verified(self, snapshot_id: str) -> None:
        self.db.execute("UPDATE snapshots SET verified = ? WHERE id = ?", (now(), snapshot_id))

    def remove(self, snapshot_ids: list[str]) -> int:
        """Forget snapshots and delete the packs no remaining snapshot needs. Only retention calls this."""
        with self._transaction():
            for sid in snapshot_ids:
                self.db.execute("DELETE FROM entry_chunks WHERE snapshot = ?", (sid,))
                self.db.execute("DELETE FROM snapshots WHERE id = ?", (sid,))
            live = self._live_chunks()
            dead = [row[0] for row in self.db.execute("SELECT id FROM chunks") if row[0] not in live]
            self.db.executemany("DELETE FROM chunks WHERE id = ?", [(cid,) for cid in dead])
            self.db.execute("DELETE FROM blobs WHERE id NOT IN (SELECT DISTINCT blob FROM chunks)")
            used = {row[0] for row in self.db.execute("SELECT DISTINCT pack FROM blobs")}
        freed = 0
        for name in os.listdir(self.packs):
            if name not in used:
                path = os.path.join(self.packs, name)
                freed += os.path.getsize(path)
                os.unlink(path)
        return freed

    def _live_chunks(self) -> set[bytes]:
        live: set[bytes] = set()
        for (blob,) in self.db.execute("SELECT chunks FROM entry_chunks"):
            live.update(blob[i : i + 32] for i in range(0, len(blob), 32))
        return live

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ---- reading -------------------------------------------------------------------------------------------

    def list(self) -> list[Snapshot]:
        rows = self.db.execute(f"SELECT {_COLUMNS} FROM snapshots ORDER BY seq").fetchall()
        return [self._snapshot(row, with_chunks=False) for row in rows]

    def get(self, snapshot_id: str) -> Snapshot:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        if row is None:
            raise SnapshotError(f"no snapshot {snapshot_id!r}: `agentguard snapshots list` shows the ones there are")
        return self._snapshot(row, with_chunks=True)

    def verified_at(self, snapshot_id: str) -> str | None:
        row = self.db.execute("SELECT verified FROM snapshots WHERE id = ?", (snapshot_id,)).fetchone()
        return row[0] if row else None

    def read_into(self, entry: Entry, sink: Sink, done: Callable[[int], None] | None = None) -> None:
        """Hand the entry's content to `sink(offset in the file, data)`, every chunk checked against its BLAKE3
        id first. `sink` is called from worker threads, for disjoint ranges (pwrite at an offset is right);
        `done(bytes)` is called from this thread as each blob is finished.

        Not in file order but blob by blob: the pages of an incremental snapshot are spread over the blobs of
        every earlier capture, so reading them in file order decompresses a 4 MiB blob for almost every 4 KiB
        page (measured: 755 decompressions for 800 pages). Grouped by blob, each blob is read once. Each worker
        reads, decompresses, checks and hands over whole blobs: decompression and writing release the GIL, so
        on 2 cores two workers keep both busy (a reader thread feeding one writer left a core waiting on the
        other's page-cache writes).
        """
        plan = self._read_plan(entry)
        pool = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="agentguard-read")
        try:
            pending: deque[Future[int]] = deque()
            for step in plan:
                pending.append(pool.submit(self._read_blob_into, step, sink))
                if len(pending) >= 2 * READERS:  # bounded: at most this many decompressed blobs in memory
                    _finished(pending.popleft(), done)
            while pending:
                _finished(pending.popleft(), done)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _read_blob_into(self, step: ReadStep, sink: Sink) -> int:
        total = 0
        for offset, data in self._read_blob(step):
            sink(offset, data)
            total += len(data)
        return total

    def _read_blob(self, step: ReadStep) -> Sequence[tuple[int, memoryview]]:
        (pack, offset, length), pieces = step
        return read_runs(self.packs, pack, offset, length, pieces)

    def _read_plan(self, entry: Entry) -> Sequence[ReadStep]:
        """The blobs (pack, offset, length) the entry's chunks live in, in pack order, each with its pieces."""
        places = self._places(entry)
        blobs = self._blobs({place[0] for place in places})
        if len(blobs) < len({place[0] for place in places}):
            places = self._places(entry, recorded=False)  # a recorded place the catalog does not know: ask it
            blobs = self._blobs({place[0] for place in places})
        groups: dict[int, list[Piece]] = {}
        at, chunks = 0, entry.chunks
        for index, (blob, offset, length) in enumerate(places):
            groups.setdefault(blob, []).append((at, chunks[index * DIGEST : (index + 1) * DIGEST], offset, length))
            at += length
        return [(blobs[blob], groups[blob]) for blob in sorted(groups, key=lambda b: blobs[b][:2])]

    def _places(self, entry: Entry, *, recorded: bool = True) -> Sequence[Place]:
        """Each chunk's place, in order: as recorded with the entry, else looked up in the catalog."""
        if recorded and len(entry.places) * DIGEST == len(entry.chunks) * PLACE_BYTES and entry.places:
            flat = unpack_places(entry.places)
            return list(zip(flat[0::3], flat[1::3], flat[2::3], strict=True))
        ids = list(entry.chunk_ids())
        found = self.known(list(dict.fromkeys(ids)))
        for cid in ids:
            if cid not in found:
                raise SnapshotError(f"chunk {cid.hex()[:16]} of {entry.path} is missing from the store")
        return [found[cid] for cid in ids]

    def _blobs(self, ids: set[int]) -> dict[int, tuple[str, int, int]]:
        wanted = [*ids]
        found: dict[int, tuple[str, int, int]] = {}
        for start in range(0, len(wanted), 5000):
            batch = wanted[start : start + 5000]
            rows = self.db.execute(
                f"SELECT id, pack, offset, length FROM blobs WHERE id IN ({','.join('?' * len(batch))})", batch
            )
            found.update((row[0], (row[1], row[2], row[3])) for row in rows)
        return found

    def _snapshot(self, row: tuple[object, ...], *, with_chunks: bool) -> Snapshot:
        sid, created, reason, pinned, stored, seconds, manifest_text = row
        manifest = json.loads(str(manifest_text))
        chunks: dict[int, tuple[bytes, bytes]] = {}
        if with_chunks:
            rows = self.db.execute("SELECT entry, chunks, places FROM entry_chunks WHERE snapshot = ?", (sid,))
            chunks = {entry: (ids, places or b"") for entry, ids, places in rows}
        entries = tuple(Entry.from_json(e, *chunks.get(i, (b"", b""))) for i, e in enumerate(manifest["entries"]))
        return Snapshot(
            id=str(sid), created=str(created), sources=tuple(manifest["sources"]), entries=entries,
            reason=str(reason), pinned=bool(pinned), missing=tuple(manifest.get("missing", ())),
            stored_bytes=int(str(stored)), seconds=float(str(seconds)),
            origin=tuple(sorted(manifest.get("origin", {}).items())),
        )  # fmt: skip


Sink = Callable[[int, memoryview], None]  # takes (offset in the file, data)
ReadStep = tuple[tuple[str, int, int], list[Piece]]  # a blob (pack, offset, length) and the pieces read from it
_COLUMNS = "id, created, reason, pinned, stored_bytes, seconds, manifest"


def _finished(future: Future[int], done: Callable[[int], None] | None) -> None:
    size = future.result()
    if done is not None:
        done(size)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
