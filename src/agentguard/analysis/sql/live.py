"""A DELETE or UPDATE judged against the live SQLite database: how many rows its WHERE reaches, of how many.

The count runs read-only (`mode=ro`, `query_only`) and is cut off after a small time budget by SQLite's progress
handler; any error or a budget run out gives None, and the statement is then judged by its text alone. A WHERE
that reaches every row of a non-empty table empties it, whatever the clause looks like (`id > 0`).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

BUDGET_SECONDS = 0.3
_CHECK_EVERY = 1000  # SQLite virtual-machine instructions between looks at the clock


@dataclass(frozen=True, slots=True)
class Reach:
    """Rows a statement would touch, of the rows in its table."""

    matched: int
    total: int

    @property
    def every_row(self) -> bool:
        return self.total > 0 and self.matched >= self.total

    def phrase(self, verb: str, table: str) -> str:
        return f"{verb} {self.matched:,} of {self.total:,} rows in {table}"


def reach(path: str | None, table: Any, where: Any) -> Reach | None:
    """What `… FROM table WHERE where` reaches in the SQLite file at `path`, or None when it cannot be counted."""
    if path is None or not os.path.isfile(path):
        return None
    try:
        from sqlglot import exp

        source = table.copy()
        total_sql = exp.select("count(*)").from_(source).sql("sqlite")
        matched_sql = exp.select("count(*)").from_(source.copy()).where(where.copy()).sql("sqlite")
        return _count(path, matched_sql, total_sql)
    except Exception:  # sqlglot or sqlite on odd input: not counted, judged by the text
        return None


def inserted(path: str | None, query: Any) -> int | None:
    """Rows `INSERT … SELECT query` would add, counted read-only against the SQLite file at `path`."""
    if path is None or not os.path.isfile(path):
        return None
    try:
        from sqlglot import exp

        counting = exp.select("count(*)").from_(query.copy().subquery("agentguard_rows")).sql("sqlite")
        found = _count(path, counting, "SELECT 0")
    except Exception:  # not countable here: judged by the text
        return None
    return None if found is None else found.matched


def _count(path: str, matched_sql: str, total_sql: str) -> Reach | None:
    deadline = time.monotonic() + BUDGET_SECONDS
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=0.05)
    try:
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), _CHECK_EVERY)
        conn.execute("PRAGMA query_only = 1")
        matched = int(conn.execute(matched_sql).fetchone()[0])
        total = int(conn.execute(total_sql).fetchone()[0])
        return Reach(matched, total)
    except sqlite3.Error:
        return None
    finally:
        conn.close()
