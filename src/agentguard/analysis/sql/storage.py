"""Statements about the database and its files rather than its rows: PRAGMA settings, ATTACH of another
database file, and COPY between tables and files (a file on this machine for SQLite and DuckDB)."""

from __future__ import annotations

import os
import re
from typing import Any

from agentguard.analysis.sql.session import Session, local_path, name_of, short, strip_comments, unquote
from agentguard.models import Effect, Kind

READ_PRAGMAS = frozenset(
    "table_info table_xinfo table_list index_info index_list index_xinfo foreign_key_list foreign_key_check "
    "integrity_check quick_check database_list collation_list compile_options function_list module_list "
    "pragma_list stats data_version freelist_count page_count schema_version".split()
)

_PRAGMA_RE = re.compile(r"PRAGMA\s+(?:(\w+)\s*\.\s*)?(\w+)\s*(?:=\s*(.+)|\(\s*(.*?)\s*\))?\s*$", re.I | re.S)


def pragma(e: Any, chunk: str, s: Session) -> None:
    match = _PRAGMA_RE.match(strip_comments(chunk).strip())
    if match is None:
        s.unknown(f"could not read PRAGMA: {short(chunk)}")
        return
    schema, name, assigned, argument = match.groups()
    value = assigned if assigned is not None else argument
    name = name.lower()
    if name in READ_PRAGMAS or value is None or value == "":
        s.add(Kind.READ, s.target, "only reads")
    elif name == "writable_schema" and unquote(value).lower() not in ("0", "off", "false", "no", "reset"):
        s.add(Kind.DB_ALTER, s.target, "makes the schema writable (PRAGMA writable_schema): edits can corrupt it")
    else:
        s.add(Kind.DB_WRITE, s.target, f"sets PRAGMA {name}", schema=schema or "")


def attach(e: Any, chunk: str, s: Session) -> None:
    node = e.this
    alias = node.alias if type(node).__name__ == "Alias" else ""
    file_node = node.this if type(node).__name__ == "Alias" else node
    file_text = str(file_node.this) if type(file_node).__name__ == "Literal" else file_node.sql()
    where = local_path(file_text, s)
    if alias and where:
        s.attached[alias.lower()] = where
    label = f"database {alias or file_text}"
    s.add(Kind.DB_WRITE, label, f"attaches {file_text} as {alias or '?'} (creates the file if missing)", path=where)


def copy(e: Any, chunk: str, s: Session) -> None:
    name = name_of(e.this)
    files = [f.sql() if type(f).__name__ != "Literal" else str(f.this) for f in e.args.get("files") or []]
    if any(f.upper() == "PROGRAM" for f in files):
        s.unknown("COPY … PROGRAM runs a shell command on the database server")
    elif e.args.get("kind"):
        s.add(Kind.DB_WRITE, f"table {name}", f"loads rows into table {name} (COPY … FROM)")
    elif not files or any(f.upper() in ("STDOUT", "STDIN") for f in files):
        s.add(Kind.READ, s.target, "only reads")
    else:
        _copy_to_file(name, files[0], s)


def _copy_to_file(name: str, file_text: str, s: Session) -> None:
    """COPY … TO 'file' writes on the machine that runs the database: this one for SQLite/DuckDB."""
    where = local_path(file_text, s) if s.dialect in ("duckdb", "sqlite") else None
    if where is None:
        s.add(Kind.DB_WRITE, f"file {file_text}", f"writes table {name} to {file_text} on the database server")
        return
    kind = Kind.FILE_OVERWRITE if os.path.exists(where) else Kind.FILE_WRITE
    s.effects.append(
        Effect.make(
            kind,
            file_text,
            f"COPY {name} TO writes the file",
            source=s.source,
            path=where,
            exists=os.path.exists(where),
            context=s.context,
        )
    )
