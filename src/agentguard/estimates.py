"""The PostgreSQL planner's estimate of what a DELETE or UPDATE with a WHERE reaches, where the policy names a
read-only connection (`settings.estimate_postgres`).

The SQL analysis judges such a statement by its text (`db.write`: rows of a table, saved first when
protected). With a connection the user configured for it, the planner says how many rows the WHERE reaches of
how many the table holds (`EXPLAIN`, never run; `pg_class.reltuples`), in a read-only session with a
statement timeout, from the `psql` the user has. A statement reaching nearly every row is then the same as one
without a WHERE: `db.delete` / `db.update`, asked (denied in production). Any failure — no psql, no answer in
time, a table never analysed — leaves the effect as the text made it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from agentguard.policy.model import Policy

NEARLY_ALL = 0.9  # of the table's estimated rows: an estimate, so "every row" means "nearly every row"
TIMEOUT = 3.0  # seconds for psql as a whole (connect and both statements)
STATEMENT_TIMEOUT_MS = 1000


class Estimate(NamedTuple):
    matched: int
    total: int

    @property
    def nearly_every_row(self) -> bool:
        return self.total > 0 and self.matched >= NEARLY_ALL * self.total


def refine(effects: tuple[Effect, ...], policy: Policy) -> tuple[Effect, ...]:
    """The effects, with each estimable PostgreSQL DELETE/UPDATE described by the planner's numbers."""
    if not policy.estimate_postgres:
        return effects
    return tuple(_refined(e, policy) for e in effects)


def _refined(effect: Effect, policy: Policy) -> Effect:
    statement, table = effect.ctx("statement"), effect.ctx("table")
    if effect.kind != Kind.DB_WRITE or not statement or not table:
        return effect
    dsn = _connection_for(effect, policy.estimate_postgres)
    found = estimate(dsn, statement, table) if dsn else None
    if found is None:
        return effect
    verb = effect.ctx("verb") or "changes"
    numbers = f"{verb} about {found.matched:,} of about {found.total:,} rows in {table} (planner estimate)"
    if found.nearly_every_row:
        kind = Kind(effect.ctx("every") or Kind.DB_DELETE.value)
        return replace(effect, kind=kind, detail=f"{numbers}: its WHERE reaches (nearly) every row")
    return replace(effect, detail=numbers)


def _connection_for(effect: Effect, dsns: tuple[str, ...]) -> str | None:
    """The configured DSN for the effect's database and host (no host: the local server)."""
    from agentguard.protect import database_of, local_host

    database = effect.ctx("database")
    host = local_host(effect.ctx("host") or "")
    return next((d for d in dsns if database and database_of(d) == (database, host)), None)


def estimate(dsn: str, statement: str, table: str) -> Estimate | None:
    """(rows the statement reaches, rows in its table), both the planner's, or None."""
    psql = shutil.which("psql")
    if psql is None:
        return None
    literal = "'" + table.replace("'", "''") + "'"
    env = {**os.environ, "PGCONNECT_TIMEOUT": "2",
           "PGOPTIONS": f"-c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS}"}  # fmt: skip
    argv = [psql, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn,
            "-c", f"EXPLAIN (FORMAT JSON) {statement}",
            "-c", f"SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass({literal})"]  # fmt: skip
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return _parse(done.stdout)


def _parse(output: str) -> Estimate | None:
    """EXPLAIN's JSON, then the table's reltuples on the last line (-1: never analysed, no estimate)."""
    lines = output.strip().splitlines()
    if len(lines) < 2:
        return None
    try:
        total = int(lines[-1])
        plan = json.loads("\n".join(lines[:-1]))[0]["Plan"]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    children = plan.get("Plans") or []
    if plan.get("Node Type") != "ModifyTable" or not children or total < 0:
        return None
    return Estimate(int(children[0].get("Plan Rows", 0)), total)
