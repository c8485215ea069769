"""SQLite storage of the ledger: append and read, nothing else.

WAL mode with synchronous=FULL: a commit returns only after the WAL is on disk. An event row and the new head
(seq, hash, Merkle frontier) go in one transaction, so a crash leaves both or neither. Triggers refuse UPDATE and
DELETE on events and checkpoints, and this class has no method that would issue one: the only way to change
history is to edit the file behind agentguard's back, which verification then reports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from agentguard.ledger.errors import LedgerError
from agentguard.ledger.merkle import Frontier

if TYPE_CHECKING:
    import sqlite3
else:  # the C module itself: the sqlite3 package imports datetime (~1.5 ms a hook process) for adapters the
    try:  # ledger never uses (it stores integers, text and blobs). Same connect, same Error classes.
        import _sqlite3 as sqlite3
    except ImportError:  # pragma: no cover - an interpreter without it
        import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, body BLOB NOT NULL,
                                   sig BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, seq);
CREATE TABLE IF NOT EXISTS head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash BLOB NOT NULL,
                                 frontier BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, note TEXT NOT NULL,
                                        made TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (role TEXT NOT NULL, from_seq INTEGER NOT NULL, public BLOB NOT NULL,
                                 PRIMARY KEY (role, from_seq));
CREATE TRIGGER IF NOT EXISTS events_append_only_u BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_append_only_d BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'ledger events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_append_only_u BEFORE UPDATE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS checkpoints_append_only_d BEFORE DELETE ON checkpoints
  BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only'); END;
"""


# CAST: a value edited behind our back may come back as TEXT; verification must read it as bytes, not crash.
_ROWS = "SELECT seq, kind, CAST(body AS BLOB), CAST(sig AS BLOB) FROM events"


class Head(NamedTuple):
    """The newest event's sequence number and hash, with the Merkle frontier after it."""

    seq: int
    hash: bytes
    frontier: Frontier

    @property
    def size(self) -> int:
        return self.seq + 1


class Row(NamedTuple):
    """An event row as stored: sequence number, kind, body and signature."""

    seq: int
    kind: str
    body: bytes
    sig: bytes


class StoredCheckpoint(NamedTuple):
    """A checkpoint row: tree size, root, signed note and when it was made."""

    size: int
    root: bytes
    note: str
    made: str


class Store:
    def __init__(self, path: str, *, readonly: bool = False) -> None:
        self.path = path
        try:
            if readonly:
                uri = "file:" + os.path.abspath(path) + "?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
            else:
                os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
                self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            self._db.execute("PRAGMA busy_timeout = 30000")
            if not readonly:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = FULL")
                self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise LedgerError(f"cannot open the ledger database {path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    # -- transactions: the caller holds the write lock from begin() to commit() --
    @property
    def in_transaction(self) -> bool:
        return self._db.in_transaction

    def begin(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def begin_read(self) -> None:
        """A read transaction: every read until end_read() sees one snapshot (fixed by the first read)."""
        self._db.execute("BEGIN DEFERRED")

    def end_read(self) -> None:
        self.rollback()

    def commit(self) -> None:
        self._db.execute("COMMIT")

    def rollback(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    # -- writes (inside a transaction) --
    def append(self, row: Row, head: Head | None) -> None:
        """Insert one event, and the head it makes (None: the caller sets the head before committing)."""
        self._db.execute("INSERT INTO events (seq, kind, body, sig) VALUES (?, ?, ?, ?)",
                         (row.seq, row.kind, row.body, row.sig))  # fmt: skip
        if head is not None:
            self.set_head(head)

    def set_head(self, head: Head) -> None:
        self._db.execute("INSERT OR REPLACE INTO head (id, seq, hash, frontier) VALUES (1, ?, ?, ?)",
                         (head.seq, head.hash, head.frontier.to_bytes()))  # fmt: skip

    def add_key(self, role: str, from_seq: int, public: bytes) -> None:
        self._db.execute("INSERT INTO keys (role, from_seq, public) VALUES (?, ?, ?)", (role, from_seq, public))

    def add_checkpoint(self, cp: StoredCheckpoint) -> None:
        self._db.execute("INSERT OR IGNORE INTO checkpoints (size, root, note, made) VALUES (?, ?, ?, ?)",
                         (cp.size, cp.root, cp.note, cp.made))  # fmt: skip

    # -- reads --
    def head(self) -> Head | None:
        found = self._db.execute("SELECT seq, hash, frontier FROM head WHERE id = 1").fetchone()
        if found is None:
            return None
        seq, digest, frontier = found
        try:
            return Head(seq, bytes(digest), Frontier.from_bytes(seq + 1, bytes(frontier)))
        except ValueError as exc:
            raise LedgerError(f"the ledger head is corrupt: {exc}") from None

    def row(self, seq: int) -> Row | None:
        found = self._db.execute(_ROWS + " WHERE seq = ?", (seq,)).fetchone()
        return None if found is None else Row(found[0], found[1], bytes(found[2]), bytes(found[3]))

    def rows(self, start: int = 0, end: int | None = None, kind: str | None = None) -> Iterator[Row]:
        sql, args = _ROWS + " WHERE seq >= ?", list[object]([start])
        if end is not None:
            sql, args = sql + " AND seq < ?", [*args, end]
        if kind is not None:
            sql, args = sql + " AND kind = ?", [*args, kind]
        for seq, k, body, sig in self._db.execute(sql + " ORDER BY seq", args):
            yield Row(seq, k, bytes(body), bytes(sig))

    def raw_rows(self, start: int, end: int) -> Iterator[tuple[int, bytes]]:
        """(seq, body) only, for the structure pass over millions of rows."""
        sql = "SELECT seq, CAST(body AS BLOB) FROM events WHERE seq >= ? AND seq < ? ORDER BY seq"
        return iter(self._db.execute(sql, (start, end)))

    def last_rows(self, count: int, kind: str | None = None) -> list[Row]:
        sql, args = _ROWS, list[object]()
        if kind is not None:
            sql, args = sql + " WHERE kind = ?", [kind]
        found = self._db.execute(sql + " ORDER BY seq DESC LIMIT ?", [*args, count]).fetchall()
        return [Row(s, k, bytes(b), bytes(g)) for s, k, b, g in reversed(found)]

    def max_seq(self) -> int | None:
        found = self._db.execute("SELECT max(seq) FROM events").fetchone()
        return None if found is None else found[0]

    def count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM events").fetchone()[0])

    def keys(self) -> list[tuple[str, int, bytes]]:
        return [(r, s, bytes(p)) for r, s, p in self._db.execute("SELECT role, from_seq, public FROM keys")]

    def checkpoint(self, size: int) -> StoredCheckpoint | None:
        found = self._db.execute("SELECT size, root, note, made FROM checkpoints WHERE size = ?", (size,)).fetchone()
        return None if found is None else StoredCheckpoint(found[0], bytes(found[1]), found[2], found[3])

    def latest_checkpoint(self) -> StoredCheckpoint | None:
        found = self._db.execute("SELECT size, root, note, made FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
        return None if found is None else StoredCheckpoint(found[0], bytes(found[1]), found[2], found[3])

    def checkpoints(self) -> list[StoredCheckpoint]:
        found = self._db.execute("SELECT size, root, note, made FROM checkpoints ORDER BY size").fetchall()
        return [StoredCheckpoint(s, bytes(r), n, m) for s, r, n, m in found]
