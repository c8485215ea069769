"""SQL text to effects: which statements drop, truncate, delete or rewrite data, and which only read.

Every statement is judged, not the first one: `SELECT 1; DROP TABLE users` drops a table. sqlglot parses each
statement on its own (imported on first use: it costs ~100 ms and most commands are not SQL), so one statement
it cannot parse does not hide the others. What it cannot parse, or only knows as an opaque command (`DO $$…$$`,
`DROP ROLE`), is scanned for the destructive keywords, so a dialect quirk never hides a DROP; text in which
nothing is recognisable is unknown, which is never allowed by default.

The parts: text.py splits the text and judges what sqlglot knows only as text; parsed.py judges parsed
statements (storage.py those about the database's files and settings); destructive.py holds what destroys data,
parsed or not; session.py what one text's statements share and how names are read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from agentguard.analysis.sql.session import Session
from agentguard.analysis.sql.text import analyse
from agentguard.models import Effect, Kind

DIALECTS: dict[str, str | None] = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
    "pg": "postgres",
    "psql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "duckdb": "duckdb",
    "clickhouse": "clickhouse",
    "tsql": "tsql",
    "mssql": "tsql",
    "sqlserver": "tsql",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "oracle": "oracle",
    "redshift": "redshift",
    "trino": "trino",
    "presto": "presto",
    "spark": "spark",
    "hive": "hive",
    "databricks": "databricks",
    "cql": None,
    "cassandra": None,
    "influxql": None,
}


def effects_of_sql(
    text: str,
    *,
    dialect: str | None,
    target: str,
    context: Mapping[str, str],
    source: str,
    path: str | None = None,
    cwd: str | None = None,
) -> list[Effect]:
    """Every effect of running `text` against the database named `target` (a display name such as `app.db` or
    `database prod`); `path` is the SQLite/DuckDB file when there is one, `cwd` resolves ATTACH/VACUUM INTO
    files. Never raises: what cannot be judged is an unknown effect. Always returns at least one effect."""
    session = Session(_dialect(dialect), target, dict(context), source, path, cwd)
    try:
        _quiet_sqlglot()
        analyse(text, session)
    except Exception as exc:  # sqlglot on hostile input: fail closed, never take the hook down
        session.unknown(f"could not analyse SQL ({type(exc).__name__}: {exc})")
    if not session.effects:
        session.add(Kind.READ, target, "runs no statement that reads or changes data")
    return _dedupe(session.effects)


def _dialect(name: str | None) -> str | None:
    return DIALECTS.get(name.lower()) if name else None


def _quiet_sqlglot() -> None:
    """sqlglot warns on stderr about syntax it falls back on; a hook's stderr is not the place."""
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


def _dedupe(effects: list[Effect]) -> list[Effect]:
    seen: set[Effect] = set()
    out: list[Effect] = []
    for effect in effects:
        if effect not in seen:
            seen.add(effect)
            out.append(effect)
    return out
