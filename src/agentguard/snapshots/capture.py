"""Take a snapshot of paths: files by content-defined chunks, SQLite databases page by page, both deduplicated.

Only chunks the store does not hold yet are written, so a second snapshot of a database after a small change
costs about the pages that changed. Ignored and untracked files are included: git is not the backup.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from agentguard.snapshots.journal import PREFIX as RESTORE_PREFIX
from agentguard.snapshots.model import DIGEST, DIRECTORY, FILE, POSTGRES, SQLITE, SYMLINK, Entry, Snapshot
from agentguard.snapshots.packs import PackWriter, Place, chunk_id, pack_places
from agentguard.snapshots.sqlite_copy import COMPANIONS, DatabaseCopy, consistent_copy, is_sqlite, main_database
from agentguard.snapshots.sqlite_live import GROUP, LiveDatabase, decode_groups, encode_groups, held_still
from agentguard.snapshots.store import SnapshotError, Store, now

# FastCDC sizes: small enough that an edit in a large file stores little, large enough to keep the index small.
CDC_MIN, CDC_AVG, CDC_MAX = 16 * 1024, 64 * 1024, 256 * 1024
RETRIES = 3  # a regular file that changes while it is read is read again
BLOCK = 4 * 1024 * 1024  # a database copy is read this much at a time (one read per page was a tenth of a capture)

Progress = Callable[[int, str], None]  # (bytes read so far, path being read)


@dataclass
class _Capture:
    store: Store
    writer: PackWriter
    progress: Progress | None
    exact: frozenset[str] = frozenset()  # SQLite files saved as their bytes (the caller holds them quiescent)
    entries: list[Entry] = field(default_factory=list)
    done: int = 0
    seen: set[str] = field(default_factory=set)
    groups: dict[str, bytes] = field(default_factory=dict)  # page-group digests of databases read in place

    def advance(self, size: int, path: str) -> None:
        self.done += size
        if self.progress is not None:
            self.progress(self.done, path)


def take(
    store: Store,
    paths: list[str],
    *,
    reason: str = "",
    pinned: bool = False,
    origin: dict[str, str] | None = None,
    progress: Progress | None = None,
    postgres: Sequence[str] = (),
    exact: Sequence[str] = (),
) -> Snapshot:
    """Snapshot `paths` (absolute) and the PostgreSQL databases named by the DSNs in `postgres`, under the
    store's lock. Raises SnapshotError when anything cannot be saved: a snapshot that silently skipped a file
    would be a promise of an undo that does not exist. `exact`: SQLite files to save byte for byte rather than
    through the backup API (which rewrites the header's change counter), for a restore that must give back the
    very same bytes; only safe while nothing writes to them (`agentguard migrate` holds their write lock)."""
    from agentguard.snapshots import postgres as pg

    started = time.perf_counter()
    databases = {pg.parse(dsn).masked: dsn for dsn in postgres}
    sources = tuple(dict.fromkeys(_source(os.path.abspath(p)) for p in paths)) + tuple(databases)
    with store.lock():
        _clear_scratch(store)
        capture = _Capture(store, store.writer(), progress, frozenset(os.path.abspath(p) for p in exact))
        missing = []
        try:
            for source in sources[: len(sources) - len(databases)]:
                if os.path.lexists(source):
                    _capture_path(capture, source)
                else:
                    missing.append(source)
            for dsn in databases.values():
                _capture_postgres(capture, dsn)
            blobs = capture.writer.close()
        except SnapshotError:
            capture.writer.abort()
            raise
        except Exception as exc:  # OSError, sqlite3.Error, a chunker error: all mean "not saved"
            capture.writer.abort()
            raise SnapshotError(f"could not snapshot ({type(exc).__name__}: {exc})") from None
        stored = capture.writer.stored_bytes + sum(len(e.chunks) + len(e.places) for e in capture.entries)
        snapshot = Snapshot(
            id=store.next_id(), created=now(), sources=sources, entries=tuple(capture.entries), reason=reason,
            pinned=pinned, missing=tuple(missing), stored_bytes=stored, seconds=time.perf_counter() - started,
            origin=tuple(sorted((origin or {}).items())),
        )  # fmt: skip
        store.commit(snapshot, blobs, capture.groups)
    return snapshot


def _clear_scratch(store: Store) -> None:
    """Remove database copies a killed capture left behind (each as large as its database), with their -wal
    and -shm (killed inside the backup, a copy is still in WAL mode). Only captures make them, under the lock
    this one holds, so none of them is in use."""
    for name in os.listdir(store.scratch):
        if name.startswith("db-") and name.partition(".")[2] in (
            "sqlite",
            "sqlite-wal",
            "sqlite-shm",
            "sqlite-journal",
        ):
            os.unlink(os.path.join(store.scratch, name))


def _source(path: str) -> str:
    """Deleting `x.db-wal` loses the transactions in it: what needs saving then is the database `x.db`."""
    return main_database(path) or path


def _capture_path(capture: _Capture, path: str) -> None:
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        _add(capture, Entry(path, SYMLINK, stat.S_IMODE(info.st_mode), info.st_mtime_ns, link=os.readlink(path)))
    elif stat.S_ISDIR(info.st_mode):
        _capture_tree(capture, path, info)
    elif stat.S_ISREG(info.st_mode):
        _capture_file(capture, path)
    # sockets, fifos and devices hold no data to save


def _capture_tree(capture: _Capture, root: str, info: os.stat_result) -> None:
    _add(capture, Entry(root, DIRECTORY, stat.S_IMODE(info.st_mode), info.st_mtime_ns))
    for folder, dirs, files in os.walk(root, onerror=_raise):
        # a restore's temporary files and links: what they stage is in the store already
        dirs[:] = sorted(d for d in dirs if not d.startswith(RESTORE_PREFIX))
        files = [f for f in files if not f.startswith(RESTORE_PREFIX)]
        for name in dirs:
            path = os.path.join(folder, name)
            sub = os.lstat(path)
            if stat.S_ISLNK(sub.st_mode):
                _capture_path(capture, path)  # os.walk does not descend into links; record the link itself
            else:
                _add(capture, Entry(path, DIRECTORY, stat.S_IMODE(sub.st_mode), sub.st_mtime_ns))
        databases = {os.path.join(folder, f) for f in files if is_sqlite(os.path.join(folder, f))}
        for name in sorted(files):
            path = os.path.join(folder, name)
            if any(path.endswith(s) and path[: -len(s)] in databases for s in COMPANIONS):
                continue  # the database's consistent copy already holds what its -wal had
            _capture_path(capture, path)


def _raise(error: OSError) -> None:
    raise error


def _add(capture: _Capture, entry: Entry) -> None:
    if entry.path not in capture.seen:
        capture.seen.add(entry.path)
        capture.entries.append(entry)


def _capture_file(capture: _Capture, path: str) -> None:
    if path in capture.seen:
        return
    if is_sqlite(path) and path not in capture.exact:
        try:
            _capture_database(capture, path)
            return
        except sqlite3.DatabaseError as exc:
            if not _damaged(exc):
                raise
            # A damaged database (SQLite header, broken pages) cannot be copied through SQLite; its bytes are
            # still worth keeping, exactly as they are.
    for _ in range(RETRIES):
        before = os.stat(path)
        chunks, places = _store_chunks(capture, _cdc(path), path)
        after = os.stat(path)
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns):
            mode = stat.S_IMODE(after.st_mode)
            _add(capture, Entry(path, FILE, mode, after.st_mtime_ns, after.st_size, chunks, places=places))
            return
    raise SnapshotError(f"{path} kept changing while it was read ({RETRIES} tries)")


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc)
    return "not a database" in text or "malformed" in text


def _capture_database(capture: _Capture, path: str) -> None:
    info = os.stat(path)
    with held_still(path) as live:
        if live is not None:
            chunks, places, groups = _read_in_place(capture, path, live)
            capture.groups[path] = groups
            mode = stat.S_IMODE(info.st_mode)
            entry = Entry(path, SQLITE, mode, info.st_mtime_ns, live.size, chunks, None, live.row_counts, places=places)
            _add(capture, entry)
            return
    copy = consistent_copy(path, capture.store.scratch)
    try:
        size = os.path.getsize(copy.path)
        previous = capture.store.previous_chunks(path)
        stored = [_store_chunks(capture, iter(block), path, previous) for block in _blocks_from_the_end(copy)]
    finally:
        os.unlink(copy.path)
    chunks = b"".join(ids for ids, _ in reversed(stored))  # back in file order
    places = b"".join(where for _, where in reversed(stored))
    mode = stat.S_IMODE(info.st_mode)
    entry = Entry(path, SQLITE, mode, info.st_mtime_ns, size, chunks, None, copy.row_counts, places=places)
    _add(capture, entry)


def _read_in_place(capture: _Capture, path: str, live: LiveDatabase) -> tuple[bytes, bytes, bytes]:
    """The database's pages straight from its file (held still by the caller), one chunk per page; returns
    chunk ids and places in file order, and the page-group digests to record.

    A group of pages whose digest equals the last capture's at the same offset is those same pages: its ids and
    places are taken from that capture without hashing or looking up a page. In a changed group, a page whose
    id equals the last capture's at the same index reuses its place; only the rest are looked up or written."""
    page = live.page_size
    previous = capture.store.previous_entry(path)
    old_ids = previous.chunks if previous else b""
    old_places = previous.places if previous else array("I")
    old_groups = decode_groups(previous.groups, page) if previous else b""
    pages = _PageRun(capture, path, old_ids, old_places)
    digests: list[bytes] = []
    step = max(GROUP, BLOCK // GROUP * GROUP)
    for offset in range(0, live.size, step):
        block = os.pread(live.fd, min(step, live.size - offset), offset)
        if len(block) != min(step, live.size - offset):
            raise SnapshotError(f"{path} became shorter while it was read")
        view = memoryview(_not_wal(block) if offset == 0 else block)
        for start in range(0, len(block), GROUP):
            group = view[start : start + GROUP]
            digest = chunk_id(group)
            index = len(digests)
            digests.append(digest)
            first = (offset + start) // page
            if (
                old_groups[index * DIGEST : (index + 1) * DIGEST] == digest
                and len(old_ids) >= (first + len(group) // page) * DIGEST
            ):
                pages.reuse(first, len(group) // page)
            else:
                pages.add(first, [bytes(group[i : i + page]) for i in range(0, len(group), page)])
            capture.advance(len(group), path)
    return *pages.finish(), encode_groups(page, digests)


def _not_wal(first_block: bytes) -> bytes:
    """The header saying rollback journal (file format versions 1, 1 at bytes 18-19), as the backup API's copy
    says: a restored database has no -wal beside it, and one that said WAL would grow -wal and -shm files
    next to the restore's temporary name when it is checked."""
    if first_block[18:20] != b"\x02\x02":
        return first_block
    return first_block[:18] + b"\x01\x01" + first_block[20:]


class _PageRun:
    """The chunk ids and places of one database's pages, in file order, as groups are reused or added."""

    def __init__(self, capture: _Capture, path: str, old_ids: bytes, old_places: array[int]) -> None:
        self.capture, self.path = capture, path
        self.old_ids, self.old_places = old_ids, old_places
        self.ids: list[bytes] = []
        self.places: array[int] = array("I")
        self.pending: list[tuple[bytes, bytes, int]] = []  # (id, page, index in the file), in order

    def reuse(self, first: int, count: int) -> None:
        self._flush()
        self.ids.append(self.old_ids[first * DIGEST : (first + count) * DIGEST])
        self.places.extend(self.old_places[first * 3 : (first + count) * 3])

    def add(self, first: int, pages: list[bytes]) -> None:
        self.pending.extend((chunk_id(data), data, first + i) for i, data in enumerate(pages))
        if len(self.pending) >= 2048:
            self._flush()

    def finish(self) -> tuple[bytes, bytes]:
        self._flush()
        return b"".join(self.ids), pack_places(self.places)

    def _flush(self) -> None:
        if not self.pending:
            return
        fresh = [cid for cid, _, index in self.pending if self._old(index) != cid]
        known = self.capture.store.known(fresh) if fresh else {}
        for cid, data, index in self.pending:
            self.ids.append(cid)
            if self._old(index) == cid:
                self.places.extend(self.old_places[index * 3 : index * 3 + 3])
            else:
                self.places.extend(known.get(cid) or self.capture.writer.add(cid, data))
        self.pending = []

    def _old(self, index: int) -> bytes:
        return self.old_ids[index * DIGEST : (index + 1) * DIGEST]


def _capture_postgres(capture: _Capture, dsn: str) -> None:
    """pg_dump streamed into the store. No row counts here: counting every table costs a scan of each, and
    a restore counts what is there before and after anyway."""
    from agentguard.snapshots import postgres as pg

    target = pg.parse(dsn)
    start = capture.done
    chunks, places = _store_chunks(capture, pg.dump(target), target.masked)
    size = capture.done - start
    _add(capture, Entry(target.masked, POSTGRES, 0o600, 0, size, chunks, database=target.database, places=places))


def _store_chunks(
    capture: _Capture, pieces: Iterator[bytes], path: str, previous: dict[bytes, Place] | None = None
) -> tuple[bytes, bytes]:
    """Write the chunks the store lacks; return the ids of all of them, in order, and their places, packed.
    `previous`: chunks known to be in the store (the last snapshot of the same path), with their places, so
    that only the others are looked up."""
    ids: list[bytes] = []
    places: array[int] = array("I")
    batch: list[tuple[bytes, bytes]] = []
    for data in pieces:
        batch.append((chunk_id(data), data))
        if len(batch) >= 2048:
            _write_new(capture, batch, ids, places, path, previous or {})
            batch = []
    _write_new(capture, batch, ids, places, path, previous or {})
    return b"".join(ids), pack_places(places)


def _write_new(
    capture: _Capture,
    batch: list[tuple[bytes, bytes]],
    ids: list[bytes],
    places: array[int],
    path: str,
    previous: dict[bytes, Place],
) -> None:
    known = capture.store.known([cid for cid, _ in batch if cid not in previous])
    for cid, data in batch:
        ids.append(cid)
        places.extend(previous.get(cid) or known.get(cid) or capture.writer.add(cid, data))
        capture.advance(len(data), path)


def _blocks_from_the_end(copy: DatabaseCopy) -> Iterator[list[bytes]]:
    """The copy's pages, 4 MiB at a time from its end, each block cut off the file once read.

    Why from the end: truncating the file drops the pages just read from memory at once, unwritten (the copy
    is scratch), and the packs written meanwhile reuse that memory instead of taking as much again. On a VM
    whose host takes back free memory, memory new to the machine is what a large first snapshot waits on.
    Pages stay in file order inside each block, so each 4 MiB blob still restores in one write.
    """
    page = copy.page_size
    step = max(page, BLOCK // page * page)
    with open(copy.path, "r+b", buffering=0) as handle:
        end = os.fstat(handle.fileno()).st_size
        while end > 0:
            start = max(0, end - step)  # blocks end where the file ends: each fills one 4 MiB blob exactly
            block = os.pread(handle.fileno(), end - start, start)
            yield [block[i : i + page] for i in range(0, len(block), page)]
            os.ftruncate(handle.fileno(), start)
            end = start


def _cdc(path: str) -> Iterator[bytes]:
    if os.path.getsize(path) <= CDC_MIN:
        with open(path, "rb") as handle:
            data = handle.read()
        if data:
            yield data
        return
    import fastcdc

    for chunk in fastcdc.fastcdc(path, min_size=CDC_MIN, avg_size=CDC_AVG, max_size=CDC_MAX, fat=True):
        yield bytes(chunk.data)
