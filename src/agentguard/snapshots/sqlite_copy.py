"""A transaction-consistent copy of a live SQLite database, through SQLite's backup API.

Never a raw copy of the main file: in WAL mode, committed transactions may still live only in the -wal file,
and a copy of the main file alone silently loses them. The backup API reads every page inside one read
transaction, WAL included, so the copy is exactly the database as of one commit, even with a writer running.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from urllib.parse import quote

MAGIC = b"SQLite format 3\x00"
COMPANIONS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True, slots=True)
class DatabaseCopy:
    """A consistent copy of a database, its page size and its row counts per table."""

    path: str  # the consistent copy, in the store's scratch folder; the caller deletes it
    page_size: int
    row_counts: tuple[tuple[str, int], ...]


def is_sqlite(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def main_database(path: str) -> str | None:
    """For `x.db-wal`, `x.db-shm` or `x.db-journal`: `x.db` when it is a SQLite database, else None."""
    for suffix in COMPANIONS:
        if path.endswith(suffix):
            main = path[: -len(suffix)]
            return main if is_sqlite(main) else None
    return None


def consistent_copy(path: str, scratch: str) -> DatabaseCopy:
    """Copy `path` through the backup API into `scratch`. Raises sqlite3.Error or OSError on failure."""
    source = _open_source(path)
    fd, target_path = tempfile.mkstemp(dir=scratch, prefix="db-", suffix=".sqlite")
    os.close(fd)
    try:
        target = sqlite3.connect(target_path)
        try:
            target.execute("PRAGMA journal_mode=OFF")  # scratch copy: the pack write is what must be durable
            target.execute("PRAGMA synchronous=OFF")
            source.execute("PRAGMA mmap_size=1073741824")  # measured: halves the copy time of large databases
            source.backup(target, pages=-1)  # one step: one read transaction, so one consistent state
            target.execute("PRAGMA journal_mode=DELETE")  # the copy must not say WAL: it has no -wal beside it
            page_size = int(target.execute("PRAGMA page_size").fetchone()[0])
            counts = row_counts(target)
        finally:
            target.close()
    except BaseException:
        os.unlink(target_path)
        raise
    finally:
        source.close()
    return DatabaseCopy(target_path, page_size, counts)


def _open_source(path: str) -> sqlite3.Connection:
    """Read-only, so closing it never checkpoints or removes the live database's WAL. Read-write only when a
    WAL database cannot be opened read-only (no -shm yet); closing that may checkpoint, which loses nothing."""
    try:
        conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=10)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn = sqlite3.connect(path, timeout=10)
        conn.execute("PRAGMA query_only=ON")
        return conn


def row_counts(conn: sqlite3.Connection) -> tuple[tuple[str, int], ...]:
    """Rows per ordinary table (virtual tables and their shadows are counted through the base tables)."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
        )
    ]
    counts = []
    for name in names:
        try:
            (count,) = conn.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()
        except sqlite3.Error:
            continue
        counts.append((name, int(count)))
    return tuple(counts)


def integrity(path: str, *, counts: bool = True) -> tuple[str, tuple[tuple[str, int], ...]]:
    """`PRAGMA integrity_check` ("ok" or the first problems) and (unless not wanted) the row counts of a
    database file. A file SQLite cannot read at all gives its error as the result, not an exception."""
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=10)
    try:
        try:
            conn.execute("PRAGMA mmap_size=1073741824")  # measured: a third off the check of a 465 MB database
            result = "; ".join(str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchmany(5))
        except sqlite3.DatabaseError as exc:
            return f"{type(exc).__name__}: {exc}", ()
        return result, row_counts(conn) if counts else ()
    finally:
        conn.close()
