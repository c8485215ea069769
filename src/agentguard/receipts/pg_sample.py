"""PostgreSQL's side of the data-state receipts: a cheap content digest of a table, and its newest rows.

A table's digest is the md5 of each of its first and last rows in physical order (ctid), whole rows as text:
enough to tell "the rows that were there are gone" (a wipe and refill, a replace) without reading the table.
Read-only, through the `psql` that dumps it (snapshots.postgres), with a statement timeout.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from agentguard.snapshots.postgres import tool

if TYPE_CHECKING:
    from agentguard.snapshots.postgres import Dsn

TIMEOUT_MS = 5000


def sample(dsn: Dsn, table: str, rows: int) -> dict[str, list[str]]:
    """{md5 of a row: [that md5]} for the first and last `rows` rows (the SQLite sample's shape: key -> hashes)."""
    name = _identifier(table)
    sql = (f"(SELECT md5(t::text) FROM {name} t ORDER BY ctid LIMIT {rows}) UNION "
           f"(SELECT md5(t::text) FROM {name} t ORDER BY ctid DESC LIMIT {rows})")  # fmt: skip
    return {digest: [digest] for digest in _lines(dsn, sql)}


def none_left(dsn: Dsn, table: str, digests: list[str]) -> bool:
    """Whether none of these row digests is in the table any more."""
    listed = ",".join("'" + d + "'" for d in digests if d.isalnum())
    found = _lines(dsn, f"SELECT count(*) FROM {_identifier(table)} t WHERE md5(t::text) IN ({listed})")
    return bool(found) and found[0] == "0"


def last_rows(dsn: Dsn, table: str, count: int) -> tuple[list[str], list[list[object]]]:
    """The column names and the newest `count` rows in physical order, as text (None for SQL NULL)."""
    name = _identifier(table)
    columns = _lines(dsn, f"SELECT attname FROM pg_attribute WHERE attrelid = '{name}'::regclass AND attnum > 0 "
                          "AND NOT attisdropped ORDER BY attnum")  # fmt: skip
    rows = _rows(dsn, f"SELECT * FROM (SELECT * FROM {name} ORDER BY ctid DESC LIMIT {int(count)}) newest")
    return columns, [[None if v == "\\N" else v for v in row] for row in rows]


def _identifier(table: str) -> str:
    """`schema.table` (as the row counts name it) quoted part by part."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in table.split(".", 1))


def _lines(dsn: Dsn, sql: str) -> list[str]:
    return ["\t".join(row) for row in _rows(dsn, sql)]


def _rows(dsn: Dsn, sql: str) -> list[list[str]]:
    command = [tool("psql"), "--no-password", "--no-psqlrc", "-q", "-At", "-F", "\t", "-P", "null=\\N",
               f"--dbname={dsn.public}", "-c", f"SET statement_timeout = {TIMEOUT_MS}", "-c", sql]  # fmt: skip
    env = {**dsn.env(), "PGOPTIONS": "-c default_transaction_read_only=on"}
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=env, check=False, timeout=30)
    if done.returncode != 0:
        return []
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    return [line.split("\t") for line in lines if line != "SET"]
