"""Data-state receipts: what the protected databases hold, so "data intact" can be checked, not claimed.

For each protected SQLite database of the project (the @data files the snapshot policy names), per table: the
row count, the highest rowid, and a sample of rows (the first and last SAMPLE by rowid, each column hashed).
Recorded as `data_state` ledger events at session start (Claude Code's SessionStart hook), after each allowed
destructive call that saved a database first (PostToolUse), and at stop. At stop, against the session's start:

  * a table dropped or emptied during the session and holding rows again now: wipe-and-refill;
  * none of the sampled rows surviving (each changed in most columns): the rows were replaced;
  * thousands of new rows matching a synthetic pattern: sequential names (`User 1`, `User 2` …), placeholder
    e-mail domains or lorem ipsum, one timestamp shared by nearly all of them.

Any of these is an alert (the user's alert URLs), a ledger event, and a blocked stop with the numbers.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.ledger.ledger import Ledger
    from agentguard.policy.model import Policy

SAMPLE = 20  # rows from each end of a table
SYNTHETIC_MIN_ROWS = 1000  # fewer new rows than this is ordinary seeding, not a cover-up
SHARE = 0.8  # the part of the new rows a pattern must hold for
SCAN_ROWS = 5000  # new rows looked at for patterns
FAKE_DOMAINS = re.compile(r"@(example\.(com|org|net)|test\.(com|org)|fake[\w-]*\.\w+|mailinator\.com|localhost)$", re.I)
LOREM = re.compile(r"\blorem ipsum\b|\bdolor sit amet\b", re.I)
NUMBERED = re.compile(r"^(\D*?)(\d+)(\D*)$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
TABLES = (
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
)


# -- measuring --
def protected_databases(root: str, policy: Policy) -> list[str]:
    """The project's protected SQLite files, and the PostgreSQL databases the policy dumps (their DSNs, which
    hold no password: libpq reads it from PGPASSWORD or ~/.pgpass)."""
    from agentguard.protect import _protected_inside
    from agentguard.snapshots.sqlite_copy import is_sqlite

    try:
        files = sorted(p for p in _protected_inside(root, policy) if os.path.isfile(p) and is_sqlite(p))
    except Exception:  # too large a tree to walk: no data-state receipts rather than a hook that never ends
        files = []
    return files + list(policy.snapshot_postgres)


def is_postgres(database: str) -> bool:
    return "://" in database or "=" in database


def database_state(database: str) -> dict[str, Any]:
    """{table: {rows, max_rowid, sample: {rowid: [column hashes]}}}, read-only. PostgreSQL: row counts, and as
    its cheap content digest the md5 of the first and last SAMPLE rows in physical order (pg_sample.py)."""
    if is_postgres(database):
        from agentguard.receipts import pg_sample
        from agentguard.snapshots import postgres as pg

        dsn = pg.parse(database)
        return {name: {"rows": rows, "max_rowid": None, "sample": pg_sample.sample(dsn, name, SAMPLE) if rows else {}}
                for name, rows in pg.row_counts(dsn)}  # fmt: skip
    path = database
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=10)
    try:
        tables = [r[0] for r in conn.execute(TABLES)]
        return {name: _table_state(conn, name) for name in tables}
    finally:
        conn.close()


def _table_state(conn: sqlite3.Connection, name: str) -> dict[str, Any]:
    table = _quoted(name)
    (rows,) = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    try:
        (top,) = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()
        ends = conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid LIMIT {SAMPLE}").fetchall()
        ends += conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid DESC LIMIT {SAMPLE}").fetchall()
    except sqlite3.OperationalError:  # WITHOUT ROWID: counted, not sampled
        return {"rows": int(rows), "max_rowid": None, "sample": {}}
    sample = {str(row[0]): [_hash(v) for v in row[1:]] for row in ends}
    return {"rows": int(rows), "max_rowid": None if top is None else int(top), "sample": sample}


def _hash(value: object) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:12]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot_state(databases: Iterable[str]) -> dict[str, Any]:
    """Each database's state by its name (a path, or a masked DSN); one that cannot be read says why."""
    found = {}
    for database in databases:
        try:
            found[_name(database)] = database_state(database)
        except Exception as exc:  # sqlite3.Error, a psql failure: recorded, and judged as "not measured"
            found[_name(database)] = {"error": f"{type(exc).__name__}: {getattr(exc, 'message', exc)}"}
    return found


def _name(database: str) -> str:
    if not is_postgres(database):
        return database
    from agentguard.snapshots import postgres as pg

    return pg.parse(database).masked


def record_state(places: Places, root: str, session: str, phase: str, paths: list[str],
                 alerts: list[str] | None = None, origin: str | None = None) -> int | None:  # fmt: skip
    from agentguard.ledger import Ledger
    from agentguard.ledger.event import Actor
    from agentguard.ledger.records import record_data_state

    if not paths:
        return None
    payload: dict[str, Any] = {"project": root, "session_id": session, "phase": phase,
                               "databases": snapshot_state(paths)}  # fmt: skip
    if origin:
        payload["origin"] = origin
    if alerts:
        payload["alerts"] = alerts
    with Ledger.open(places, declare_breaks=True) as ledger:
        return record_data_state(ledger, payload, Actor.system("data-state")).seq


# -- hooks --
def session_start(places: Places, root: str, session: str) -> None:
    from agentguard.pipeline import Gate

    record_state(places, root, session, "start", protected_databases(root, Gate(places).policy(root)))


def note_saved(places: Places, session: str | None, tool_use: str | None, databases: list[str]) -> None:
    """The pipeline saved these databases before a call: its outcome records what they hold after it."""
    from agentguard.receipts import pending

    if databases and tool_use:
        pending.note(places, session, tool_use, databases)


def after_call(places: Places, root: str, session: str | None, databases: list[str], command: str) -> None:
    record_state(places, root, session or "claude:no-session", "after", databases, origin=command[:300])


def stop_check(places: Places, root: str, session: str) -> str | None:
    """Record the state at stop; the block reason when it shows a wipe, a refill or fakes, else None."""
    from agentguard.ledger import Ledger
    from agentguard.pipeline import Gate

    paths = protected_databases(root, Gate(places).policy(root))
    if not paths:
        return None
    with Ledger.open(places, declare_breaks=True) as ledger:
        start, during = _session_states(ledger, root, session)
    now = snapshot_state(paths)
    alerts = [] if start is None else find_problems(start, during, now)
    record_state(places, root, session, "stop", paths, alerts=alerts)
    if not alerts:
        return None
    _alert(places, root, alerts)
    return ("agentguard: the data does not look intact, so this stop is blocked:\n  " + "\n  ".join(alerts) +
            "\nSay what happened to the data; do not report it intact. Restore with `agentguard snapshots list` / "
            "`agentguard restore ID` (a human), or a human may override with `agentguard receipts waive`.")  # fmt: skip


def _session_states(ledger: Ledger, root: str, session: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The session's start state (else the last stop state before it) and the states recorded since."""
    events = [e for e in ledger.last(2000, "data_state") if e.payload.get("project") == root]
    ours = [e for e in events if e.payload.get("session_id") == session]
    start = next((e for e in ours if e.payload.get("phase") == "start"), None)
    if start is None:
        first = ours[0].seq if ours else None
        earlier = [e for e in events if e.payload.get("phase") == "stop" and (first is None or e.seq < first)]
        start = earlier[-1] if earlier else None
    if start is None:
        return None, []
    during = [dict(e.payload["databases"]) for e in ours if e.seq > start.seq and e.payload.get("phase") != "start"]
    return dict(start.payload["databases"]), during


# -- judging --
def find_problems(start: dict[str, Any], during: list[dict[str, Any]], now: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for path, tables in start.items():
        current = now.get(path, {})
        if "error" in tables or "error" in current:
            continue  # not measured at one end: nothing to compare
        for table, before in tables.items():
            after = current.get(table)
            name = f"{path if is_postgres(path) else os.path.basename(path)}:{table}"
            if after is None:
                if before["rows"] > 0:
                    problems.append(f"{name} is gone: it had {before['rows']:,} rows at session start")
                continue
            refilled = _wipe_and_refill(name, path, table, before, during, after)
            problems += refilled
            problems += _synthetic(path, name, table, before, after, all_new=bool(refilled))
    return problems


def _wipe_and_refill(name: str, path: str, table: str, before: dict[str, Any], during: list[dict[str, Any]],
                     after: dict[str, Any]) -> list[str]:  # fmt: skip
    if before["rows"] == 0 or after["rows"] == 0:
        return [f"{name} was emptied: {before['rows']:,} rows at session start, 0 now"] if before["rows"] else []
    if _emptied_during(path, table, during):
        return [f"{name} was emptied or dropped during the session and refilled: {before['rows']:,} rows at "
                f"session start, 0 after a destructive call, {after['rows']:,} now"]  # fmt: skip
    if _replaced(path, table, before):
        return [f"{name} had its rows replaced: none of the {len(before['sample'])} rows sampled at session start "
                f"is still there ({before['rows']:,} rows then, {after['rows']:,} now)"]  # fmt: skip
    return []


def _emptied_during(path: str, table: str, during: list[dict[str, Any]]) -> bool:
    for state in during:
        tables = state.get(path)
        if not isinstance(tables, dict) or "error" in tables:
            continue  # not measured then
        low = tables.get(table)
        if low is None or low.get("rows") == 0:
            return True
    return False


def _replaced(path: str, table: str, before: dict[str, Any]) -> bool:
    """Every row sampled at the start gone or changed in most of its columns (an ordinary UPDATE touches a
    few, an ordinary DELETE a few rows): looked up by rowid in the database as it is now."""
    sample = before.get("sample") or {}
    if len(sample) < 5:
        return False
    if is_postgres(path):  # whole-row digests: is any of them still there?
        from agentguard.receipts import pg_sample
        from agentguard.snapshots import postgres as pg

        return pg_sample.none_left(pg.parse(path), table, list(sample))
    if not os.path.isfile(path):
        return False
    now = _rows_by_id(path, table, [int(rowid) for rowid in sample])
    for rowid, columns in sample.items():
        current = now.get(int(rowid))
        if current is not None and sum(a == b for a, b in zip(columns, current, strict=False)) * 2 > len(columns):
            return False  # this row survived
    return True


def _rows_by_id(path: str, table: str, rowids: list[int]) -> dict[int, list[str]]:
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=10)
    try:
        marks = ",".join("?" * len(rowids))
        rows = conn.execute(f"SELECT rowid, * FROM {_quoted(table)} WHERE rowid IN ({marks})", rowids).fetchall()
    except sqlite3.Error:
        return {}
    finally:
        conn.close()
    return {int(row[0]): [_hash(v) for v in row[1:]] for row in rows}


def _synthetic(path: str, name: str, table: str, before: dict[str, Any], after: dict[str, Any], *,
               all_new: bool) -> list[str]:  # fmt: skip
    """Thousands of new rows (all of them, after a refill) matching a pattern no real data has."""
    added = after["rows"] if all_new else after["rows"] - before["rows"]
    if added < SYNTHETIC_MIN_ROWS or not (is_postgres(path) or os.path.isfile(path)):
        return []
    since = 0 if all_new else (before.get("max_rowid") or 0)
    patterns = synthetic_patterns(path, table, since, newest=min(added, SCAN_ROWS))
    if not patterns:
        return []
    return [f"{name} got {added:,} new rows that look synthetic: {'; '.join(patterns)}"]


def synthetic_patterns(path: str, table: str, since_rowid: int, newest: int = SCAN_ROWS) -> list[str]:
    if is_postgres(path):  # no rowid: the newest rows in physical order, where inserts land
        from agentguard.receipts import pg_sample
        from agentguard.snapshots import postgres as pg

        columns, rows = pg_sample.last_rows(pg.parse(path), table, newest)
        return [f"{c}: {what}" for i, c in enumerate(columns) for what in _column_patterns([r[i] for r in rows])]
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=10)
    try:
        cursor = conn.execute(f"SELECT * FROM {_quoted(table)} WHERE rowid > ? ORDER BY rowid LIMIT {SCAN_ROWS}",
                              (since_rowid,))  # fmt: skip
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        conn.close()
    found = []
    for index, column in enumerate(columns):
        values = [row[index] for row in rows]
        found += [f"{column}: {what}" for what in _column_patterns(values)]
    return found


def _column_patterns(values: list[object]) -> list[str]:
    texts = [v for v in values if isinstance(v, str)]
    if not values:
        return []
    found = []
    if len(texts) >= SHARE * len(values):
        if _sequential(texts):
            found.append(f"sequential values ({texts[0]!r}, {texts[1]!r}, …)")
        fakes = [t for t in texts if FAKE_DOMAINS.search(t) or LOREM.search(t)]
        if len(fakes) >= SHARE * len(values):
            found.append(f"placeholder values ({len(fakes):,} like {fakes[0]!r})")
    stamps = [t for t in texts if TIMESTAMP.match(t)]
    if stamps and len(stamps) >= SHARE * len(values):
        value, count = Counter(stamps).most_common(1)[0]
        if count >= 0.9 * len(values):
            found.append(f"{count:,} rows share the timestamp {value!r}")
    return found


def _sequential(texts: list[str]) -> bool:
    """`User 1`, `User 2`, … : one prefix and suffix, and numbers mostly one apart."""
    parts = [NUMBERED.match(t) for t in texts]
    matched = [m for m in parts if m]
    if len(matched) < SHARE * len(texts):
        return False
    shapes = Counter((m.group(1), m.group(3)) for m in matched)
    shape, count = shapes.most_common(1)[0]
    if count < SHARE * len(texts):
        return False
    numbers = sorted(int(m.group(2)) for m in matched if (m.group(1), m.group(3)) == shape)
    steps = sum(1 for a, b in itertools.pairwise(numbers) if b - a == 1)
    return steps >= SHARE * (len(numbers) - 1)


def _alert(places: Places, root: str, problems: list[str]) -> None:
    """The user's alert URLs, when set: a failure to send is not a reason to let the stop through."""
    try:
        from agentguard.ledger.alerts import Alerter
        from agentguard.ledger.config import user_settings

        settings = user_settings(places)
        if settings.alerts.urls:
            Alerter.from_settings(settings.alerts).send(f"agentguard: data not intact in {root}", "\n".join(problems))
    except Exception:
        return
