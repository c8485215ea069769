"""A consistent read of a live SQLite database's own file, without a copy.

The backup API copies every page through SQLite's pager into a second file: for 1 GB that is seconds of
copying, and a gigabyte written, before a single page is hashed (measured: 8.5 s for a repeated snapshot of a
1 GB database, against 0.25 s to read and hash its file). When the database file alone holds the whole
database, a read transaction keeps that file still while it is read directly:

- rollback journal: the transaction's SHARED lock keeps every writer from writing the file until it ends;
- WAL: a reader that begins while the WAL holds nothing reads through read-mark 0, and a checkpoint must hold
  that mark exclusively before it writes any page into the database file, so nothing is written under it.
  With frames in the WAL, a reader gets a higher mark, and the WAL cannot be reset or truncated under it:
  a WAL that is still empty once the transaction has begun proves the first case.

A WAL holding frames is checkpointed first (TRUNCATE, as SQLite does itself), when this process may write the
database. When frames remain, `held_still` yields None and the caller copies through the backup API, which
reads the WAL.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from agentguard.snapshots.sqlite_copy import row_counts

GROUP = 256 * 1024  # bytes hashed as one: a group whose digest the last capture saw again holds the same pages
CHECKPOINT_WAIT = 0.5  # seconds a checkpoint may wait for a busy writer before the copy is made the slow way


@dataclass(frozen=True, slots=True)
class LiveDatabase:
    """An open database file that holds still until the `held_still` block ends."""

    fd: int  # read-only descriptor of the database file
    page_size: int
    size: int  # bytes that make up the database: page count × page size
    row_counts: tuple[tuple[str, int], ...]


@contextlib.contextmanager
def held_still(path: str) -> Iterator[LiveDatabase | None]:
    """The database file, still, with its row counts as of the same transaction; None when the file alone does
    not hold the database (a WAL with frames in it) or a read-only reader cannot open it."""
    try:
        conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=10, isolation_level=None)
    except sqlite3.OperationalError:
        yield None
        return
    fd = -1
    try:
        geometry = _begin(conn, path)
        if geometry is not None:
            fd = os.open(path, os.O_RDONLY)
            page_size, pages = geometry
            if os.fstat(fd).st_size >= pages * page_size:  # never shorter, but then not one to read directly
                yield LiveDatabase(fd, page_size, pages * page_size, row_counts(conn))
                return
        yield None
    finally:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(sqlite3.Error):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        conn.close()


def _begin(conn: sqlite3.Connection, path: str) -> tuple[int, int] | None:
    """Begin the read transaction; (page size, page count) when the file alone holds the database."""
    try:
        wal = _journal_mode(conn) == "wal"
        if wal and _wal_bytes(path):
            _checkpoint(path)
        conn.execute("BEGIN")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the read lock (and snapshot) start here
    except sqlite3.OperationalError:
        return None  # e.g. a WAL database without its -shm, which a read-only reader cannot open
    if wal and _wal_bytes(path):
        return None
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    return page_size, int(conn.execute("PRAGMA page_count").fetchone()[0])


def _journal_mode(conn: sqlite3.Connection) -> str:
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    except sqlite3.OperationalError as exc:
        if "readonly" in str(exc).replace(" ", "").lower():  # a WAL database with no -shm, read-only
            return "wal"
        raise


def _wal_bytes(path: str) -> int:
    try:
        return os.path.getsize(path + "-wal")
    except OSError:
        return 0


def _checkpoint(path: str) -> None:
    """Fold the WAL into the database file and empty it. Best effort: without write access, or with a reader
    or writer in the way, the WAL keeps its frames and the caller takes the backup API's copy.

    Only as the database's owner and with its -shm there: a daemon running as another user (protected mode)
    would otherwise leave a -shm the application cannot write, and break it."""
    try:
        if os.stat(path).st_uid != os.geteuid() or not os.path.exists(path + "-shm"):
            return
    except OSError:
        return
    try:
        conn = sqlite3.connect(path, timeout=CHECKPOINT_WAIT, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.Error:
        return
    finally:
        conn.close()


_GEOMETRY = struct.Struct("<II")  # page size, group size


def encode_groups(page_size: int, digests: list[bytes]) -> bytes:
    return _GEOMETRY.pack(page_size, GROUP) + b"".join(digests)


def decode_groups(data: bytes, page_size: int) -> bytes:
    """The concatenated group digests recorded with these geometries, or b"" (a page size or group size that
    differs from now makes every group a changed one)."""
    if len(data) < _GEOMETRY.size or _GEOMETRY.unpack_from(data) != (page_size, GROUP):
        return b""
    return data[_GEOMETRY.size :]
