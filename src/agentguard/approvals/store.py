"""The approvals database: `<state>/approvals.db`, SQLite, inside the guarded state dir (an agent's write to it
is `guard.tamper`).

Every change is one transaction guarded by its status (`UPDATE … WHERE status = 'approved' AND expires > now`),
so two hook processes cannot both use one grant, and a grant cannot be used after its TTL.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from agentguard.approvals.model import Approval, Status, approval_id
from agentguard.errors import StateError

if TYPE_CHECKING:
    import sqlite3
else:  # the C module, as the ledger's store does: the sqlite3 package imports datetime (~1.5 ms of a hook call)
    try:
        import _sqlite3 as sqlite3
    except ImportError:  # pragma: no cover - an interpreter without it
        import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS approvals (
  number INTEGER PRIMARY KEY AUTOINCREMENT,
  action_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  created REAL NOT NULL,
  expires REAL NOT NULL,
  tool TEXT NOT NULL,
  action TEXT NOT NULL,
  cwd TEXT NOT NULL,
  session TEXT NOT NULL,
  policy TEXT NOT NULL,
  effects TEXT NOT NULL,
  reasons TEXT NOT NULL,
  snapshot TEXT,
  agent_reason TEXT,
  decided_by TEXT,
  decided_how TEXT,
  decided_at REAL,
  note TEXT,
  used_at REAL
);
CREATE INDEX IF NOT EXISTS approvals_by_hash ON approvals (action_hash, status);
"""
COLUMNS = (
    "number", "action_hash", "status", "created", "expires", "tool", "action", "cwd", "session", "policy",
    "effects", "reasons", "snapshot", "agent_reason", "decided_by", "decided_how", "decided_at", "note", "used_at",
)  # fmt: skip


class ApprovalError(StateError):
    """An approval that does not exist, or cannot be changed as asked (already decided, expired)."""


def db_path(state_dir: str) -> str:
    return os.path.join(state_dir, "approvals.db")


class Approvals:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    @classmethod
    @contextmanager
    def open(cls, state_dir: str) -> Iterator[Approvals]:
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        conn = sqlite3.connect(db_path(state_dir), timeout=10, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)
            yield cls(conn)
        finally:
            conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def request(self, fields: dict[str, Any], lifetime: float, now: float | None = None) -> tuple[Approval, bool]:
        """The open request for this action (same hash, pending, or denied: a human's no holds until the request
        would have lapsed), or a new one; True when new."""
        now = time.time() if now is None else now
        with self._write() as conn:
            row = conn.execute(
                f"SELECT {', '.join(COLUMNS)} FROM approvals WHERE action_hash = ? AND status IN (?, ?) "
                "AND expires > ? ORDER BY number DESC LIMIT 1",
                (fields["action_hash"], Status.PENDING.value, Status.DENIED.value, now),
            ).fetchone()
            if row is not None:
                return _approval(row), False
            values = {
                **fields, "status": Status.PENDING.value, "created": now, "expires": now + lifetime,
                "effects": json.dumps(fields["effects"]), "reasons": json.dumps(fields["reasons"]),
            }  # fmt: skip
            names = [c for c in COLUMNS if c in values]
            cursor = conn.execute(
                f"INSERT INTO approvals ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                [values[n] for n in names],
            )
            number = cursor.lastrowid
        assert number is not None
        return self.get(number), True

    def get(self, number: int) -> Approval:
        row = self._conn.execute(f"SELECT {', '.join(COLUMNS)} FROM approvals WHERE number = ?", (number,)).fetchone()
        if row is None:
            raise ApprovalError(f"no approval {approval_id(number)} (see `agentguard approvals list`)")
        return _approval(row)

    def list(self, *, open_only: bool = False, limit: int = 100) -> list[Approval]:
        rows = self._conn.execute(
            f"SELECT {', '.join(COLUMNS)} FROM approvals ORDER BY number DESC LIMIT ?", (limit,)
        ).fetchall()
        found = [_approval(r) for r in rows]
        return [a for a in found if a.live_status() == Status.PENDING] if open_only else found

    def decide(self, number: int, *, grant: bool, by: str, how: str, note: str | None, grant_seconds: float,
               now: float | None = None) -> Approval:  # fmt: skip
        """A human's answer to a pending request: approved (a grant for `grant_seconds`) or denied."""
        now = time.time() if now is None else now
        with self._write() as conn:
            current = self.get(number)
            if current.live_status(now) != Status.PENDING:
                raise ApprovalError(f"{current.id} is {current.live_status(now)}, not pending: nothing to decide")
            status = Status.APPROVED if grant else Status.DENIED
            conn.execute(
                "UPDATE approvals SET status = ?, decided_by = ?, decided_how = ?, decided_at = ?, note = ?, "
                "expires = ? WHERE number = ? AND status = ?",
                (status.value, by, how, now, note, now + grant_seconds if grant else current.expires, number,
                 Status.PENDING.value),
            )  # fmt: skip
        return self.get(number)

    def use_grant(self, action_hash: str, now: float | None = None) -> Approval | None:
        """Consume the grant for exactly this action, if one is approved and unexpired: once, atomically."""
        now = time.time() if now is None else now
        with self._write() as conn:
            row = conn.execute(
                "SELECT number FROM approvals WHERE action_hash = ? AND status = ? AND expires > ? "
                "ORDER BY number LIMIT 1",
                (action_hash, Status.APPROVED.value, now),
            ).fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE approvals SET status = ?, used_at = ? WHERE number = ? AND status = ?",
                (Status.USED.value, now, row[0], Status.APPROVED.value),
            )
        return self.get(int(row[0]))


def _approval(row: tuple[Any, ...]) -> Approval:
    data = dict(zip(COLUMNS, row, strict=True))
    data["status"] = Status(data["status"])
    data["effects"] = tuple(json.loads(data["effects"]))
    data["reasons"] = tuple(json.loads(data["reasons"]))
    return Approval(**data)
