"""SQL text to effects: which statements drop, truncate, delete or rewrite data, and which only read.

Every statement is judged, not the first one: `SELECT 1; DROP TABLE users` drops a table. sqlglot parses each
statement on its own (imported on first use: it costs ~100 ms and most commands are not SQL), so one statement
it cannot parse does not hide the others. What it cannot parse, or only knows as an opaque command (`DO $$…$$`,
`DROP ROLE`), is scanned for the destructive keywords, so a dialect quirk never hides a DROP; text in which
nothing is recognisable is unknown, which is never allowed by default.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agentguard.models import Effect, Kind

MAX_PARSED_BYTES = 64 * 1024  # above this, plain INSERT statements are classified without a full parse

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

# DROP of these only loses definitions that migrations recreate; the rest (tables, schemas…) loses data.
DEFINITION_OBJECTS = frozenset(
    "INDEX FUNCTION PROCEDURE TRIGGER TYPE EXTENSION DOMAIN EVENT MACRO CONSTRAINT COLUMN POLICY RULE AGGREGATE "
    "CAST STATISTICS PUBLICATION SUBSCRIPTION SERVER OPERATOR COLLATION CONVERSION LANGUAGE PRIMARY FOREIGN "
    "KEY".split()
)

# Functions whose call does something besides computing a value. None: not modelled, so asked.
SIDE_EFFECT_FUNCTIONS: dict[str, tuple[Kind, str] | None] = {
    "pg_terminate_backend": None,
    "pg_cancel_backend": None,
    "pg_file_write": None,
    "pg_file_unlink": None,
    "pg_file_rename": None,
    "lo_export": None,
    "dblink_exec": None,
    "dblink": None,
    "writefile": None,
    "edit": None,
    "load_extension": None,
    "fts3_tokenizer": None,
    "sys_exec": None,
    "sys_eval": None,
    "xp_cmdshell": None,
    "pg_promote": None,
    "pg_drop_replication_slot": (Kind.DB_DROP, "drops a replication slot"),
    "lo_unlink": (Kind.DB_DELETE, "deletes a large object"),
    "lo_import": (Kind.DB_WRITE, "imports a large object"),
    "setval": (Kind.DB_WRITE, "sets a sequence"),
    "nextval": (Kind.DB_WRITE, "advances a sequence"),
    "pg_reload_conf": (Kind.DB_WRITE, "reloads the server configuration"),
}

READ_PRAGMAS = frozenset(
    "table_info table_xinfo table_list index_info index_list index_xinfo foreign_key_list foreign_key_check "
    "integrity_check quick_check database_list collation_list compile_options function_list module_list "
    "pragma_list stats data_version freelist_count page_count schema_version".split()
)

# First words of statements sqlglot only knows as opaque commands (or not at all).
READ_WORDS = frozenset("SHOW DESC DESCRIBE HELP CHECK LIST SUMMARIZE VALUES TABLE".split())
QUIET_WORDS = frozenset(
    "BEGIN START COMMIT END ROLLBACK ABORT SAVEPOINT RELEASE SET RESET DISCARD DEALLOCATE LOCK UNLOCK LISTEN "
    "UNLISTEN DECLARE FETCH CLOSE MOVE GO CHECKPOINT USE DETACH PRINT".split()
)
WRITE_WORDS = frozenset(
    "REINDEX REFRESH RENAME OPTIMIZE REPAIR FLUSH LOAD INSTALL IMPORT INSERT UPSERT CREATE ALTER GRANT REVOKE "
    "COMMENT CLUSTER ANALYZE NOTIFY SECURITY MERGE KILL SYSTEM ATTACH EXPORT UNDROP CONSOLIDATE".split()
)
CODE_WORDS = frozenset("DO CALL EXEC EXECUTE".split())

_IDENT = r'(?:[\w$]+|"[^"]*"|`[^`]*`|\[[^\]]*\])'
_NAME = rf"{_IDENT}(?:\s*\.\s*{_IDENT})*"
_NAMES = rf"({_NAME}(?:\s*,\s*{_NAME})*)"
_DROP_OBJECT = (
    r"MATERIALIZED\s+VIEW|RETENTION\s+POLICY|CONTINUOUS\s+QUERY|PRIMARY\s+KEY|FOREIGN\s+KEY|"
    r"(?:TEMP(?:ORARY)?\s+|FOREIGN\s+|EXTERNAL\s+|UNLOGGED\s+)?TABLE|[A-Z]+"
)
_DROP_RE = re.compile(rf"\bDROP\s+({_DROP_OBJECT})(?:\s+IF\s+EXISTS)?\s+(?:BY\s+)?{_NAMES}", re.I)
_TRUNCATE_RE = re.compile(rf"\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?{_NAMES}", re.I)
_DELETE_RE = re.compile(rf"\bDELETE\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE)\s+)*FROM\s+(?:ONLY\s+)?({_NAME})", re.I)
_DELETE_ALL_RE = re.compile(r"\bDELETE\s+WHERE\b", re.I)  # InfluxQL: from every measurement
_UPDATE_RE = re.compile(
    rf"\bUPDATE\s+(?:ONLY\s+|LOW_PRIORITY\s+|IGNORE\s+)*({_NAME})(?:\s+(?:AS\s+)?\w+)?\s+SET\b", re.I
)
_WHERE_RE = re.compile(r"\bWHERE\b", re.I)
_COMMENT_RE = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_PRAGMA_RE = re.compile(r"PRAGMA\s+(?:(\w+)\s*\.\s*)?(\w+)\s*(?:=\s*(.+)|\(\s*(.*?)\s*\))?\s*$", re.I | re.S)
_EXPLAIN_RE = re.compile(
    r"EXPLAIN\s+(?:\(([^)]*)\)\s*|(ANALY[SZ]E)\s+(?:VERBOSE\s+)?|QUERY\s+PLAN\s+)?(.*)", re.I | re.S
)
_VACUUM_INTO_RE = re.compile(r"VACUUM\s+(?:\w+\s+)?INTO\s+(.+)", re.I | re.S)


@dataclass
class _Session:
    """What the statements of one SQL text share: where they run, and what earlier statements changed."""

    dialect: str | None
    target: str
    context: dict[str, str]
    source: str
    path: str | None
    cwd: str | None
    attached: dict[str, str] = field(default_factory=dict)  # SQLite schema name -> database file
    prepared: set[str] = field(default_factory=set)
    effects: list[Effect] = field(default_factory=list)

    def add(self, kind: Kind, target: str, detail: str, *, path: str | None = None, schema: str = "") -> None:
        where = self.attached.get(schema.lower(), path or self.path) if schema else (path or self.path)
        self.effects.append(Effect.make(kind, target, detail, source=self.source, path=where, context=self.context))

    def unknown(self, reason: str) -> None:
        self.effects.append(
            Effect.make(
                Kind.UNKNOWN,
                self.source or self.target,
                reason,
                source=self.source,
                path=self.path,
                context=self.context,
            )
        )


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
    session = _Session(_dialect(dialect), target, dict(context), source, path, cwd)
    try:
        _quiet_sqlglot()
        _analyse(text, session)
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


# ---- splitting and parsing ------------------------------------------------------------------------------


def _analyse(text: str, s: _Session) -> None:
    """Split into statements with sqlglot's tokenizer (quotes, comments, dollar quotes), then judge each."""
    from sqlglot.dialects.dialect import Dialect

    dialect = Dialect.get_or_raise(s.dialect)
    try:
        tokens = dialect.tokenize(text)
    except Exception:  # an unterminated quote: no statement boundary can be trusted
        _unparsed(text, s, "could not split the SQL into statements")
        return
    groups: list[list[Any]] = [[]]
    for token in tokens:
        if token.token_type.name == "SEMICOLON":
            groups.append([])
        else:
            groups[-1].append(token)
    large = len(text) > MAX_PARSED_BYTES
    parser = dialect.parser()
    for group in filter(None, groups):
        chunk = text[group[0].start : group[-1].end + 1]
        if large and group[0].token_type.name == "INSERT" and _fast_insert(chunk, s):
            continue
        _statement_text(text, chunk, group, parser, s)


def _statement_text(text: str, chunk: str, tokens: list[Any], parser: Any, s: _Session) -> None:
    """One statement; the parser gets the whole text because token offsets point into it."""
    try:
        expressions = parser.parse(tokens, text)
    except Exception as exc:
        _unparsed(chunk, s, f"could not parse SQL: {_short(chunk)} ({_first_line(str(exc))})")
        return
    for expression in expressions:
        if expression is not None:
            _statement(expression, chunk, s)
            _side_effect_functions(expression, s)


def _fast_insert(chunk: str, s: _Session) -> bool:
    """Big seed files are mostly `INSERT … VALUES`: naming the table is enough, parsing each costs too much."""
    match = re.match(rf"INSERT\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO\s+({_NAME})\s*(?:\([^)]*\)\s*)?VALUES\b", chunk, re.I)
    if match is None or re.search(r"[A-Za-z_]\w*\s*\(", chunk[match.end() :]):
        return False
    s.add(Kind.DB_WRITE, f"table {_unquote(match.group(1))}", f"inserts into table {_unquote(match.group(1))}")
    return True


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


# ---- parsed statements ----------------------------------------------------------------------------------


def _statement(e: Any, chunk: str, s: _Session) -> None:
    handler = _HANDLERS.get(type(e).__name__)
    if handler is not None:
        handler(e, chunk, s)
    elif type(e).__name__ in _QUERY_TYPES:
        _query(e, chunk, s)
    elif type(e).__name__ in _QUIET_TYPES:
        return
    else:
        _command(chunk, s)


def _drop(e: Any, chunk: str, s: _Session) -> None:
    object_kind = str(e.args.get("kind") or "object").upper()
    if object_kind == "VIEW" and e.args.get("materialized"):
        object_kind = "MATERIALIZED VIEW"
    names = e.args.get("tables") or ([e.this] if e.this is not None else [])
    cascade = bool(e.args.get("cascade"))
    for node in names:
        name, schema = _name(node), _schema(node)
        _drop_effect(object_kind, name, s, cascade=cascade, temporary=bool(e.args.get("temporary")), schema=schema)


def _drop_effect(
    object_kind: str, name: str, s: _Session, *, cascade: bool = False, temporary: bool = False, schema: str = ""
) -> None:
    label = object_kind.lower()
    first = object_kind.split()[0]
    if temporary:
        s.add(Kind.DB_WRITE, f"temporary table {name}", f"drops temporary table {name}")
        return
    kind = Kind.DB_ALTER if first in DEFINITION_OBJECTS and not cascade else Kind.DB_DROP
    detail = f"drops {label} {name}" + (" and everything that depends on it (CASCADE)" if cascade else "")
    s.add(kind, f"{label} {name}", detail, schema=schema)


def _truncate(e: Any, chunk: str, s: _Session) -> None:
    if e.args.get("is_database"):
        for node in e.expressions or [e.this]:
            s.add(Kind.DB_TRUNCATE, f"database {_name(node)}", f"empties every table of database {_name(node)}")
        return
    for node in e.expressions:
        name = _name(node)
        s.add(Kind.DB_TRUNCATE, f"table {name}", f"truncates table {name}", schema=_schema(node))


def _delete(e: Any, chunk: str, s: _Session) -> None:
    tables = e.args.get("tables") or [e.this]
    where = e.args.get("where")
    every = where is None or _always_true(where.this)
    for node in tables:
        name = _name(node)
        if every:
            why = "without WHERE" if where is None else "with a WHERE that is always true"
            s.add(Kind.DB_DELETE, f"table {name}", f"deletes every row of table {name} ({why})", schema=_schema(node))
        else:
            s.add(Kind.DB_WRITE, f"table {name}", f"deletes rows of table {name} (WHERE …)", schema=_schema(node))


def _update(e: Any, chunk: str, s: _Session) -> None:
    name = _name(e.this)
    where = e.args.get("where")
    if where is None or _always_true(where.this):
        why = "without WHERE" if where is None else "with a WHERE that is always true"
        s.add(Kind.DB_UPDATE, f"table {name}", f"updates every row of table {name} ({why})", schema=_schema(e.this))
    else:
        s.add(Kind.DB_WRITE, f"table {name}", f"updates rows of table {name} (WHERE …)", schema=_schema(e.this))


def _alter(e: Any, chunk: str, s: _Session) -> None:
    object_kind = str(e.args.get("kind") or "TABLE").lower()
    name = _name(e.this)
    changed = False
    for action in e.args.get("actions") or []:
        action_type = type(action).__name__
        if action_type in ("Drop", "DropPartition", "DropPrimaryKey"):
            what = _dropped_part(action)
            s.add(
                Kind.DB_ALTER, f"{object_kind} {name}", f"drops {what} of {object_kind} {name}", schema=_schema(e.this)
            )
        elif action_type == "Delete":  # ClickHouse: ALTER TABLE t DELETE WHERE …
            where = action.args.get("where")
            kind = Kind.DB_DELETE if where is None or _always_true(where.this) else Kind.DB_WRITE
            s.add(kind, f"table {name}", f"deletes rows of table {name} (ALTER … DELETE)")
        else:
            changed = True
    if changed or not e.args.get("actions"):
        s.add(Kind.DB_WRITE, f"{object_kind} {name}", f"alters {object_kind} {name}", schema=_schema(e.this))


def _dropped_part(action: Any) -> str:
    action_type = type(action).__name__
    if action_type == "DropPrimaryKey":
        return "the primary key"
    if action_type == "DropPartition":
        return "partitions (and their rows)"
    part = str(action.args.get("kind") or "column").lower()
    names = ", ".join(_name(n) for n in action.args.get("tables") or []) or "?"
    return f"{part} {names}"


def _insert(e: Any, chunk: str, s: _Session) -> None:
    table = e.this.this if type(e.this).__name__ == "Schema" else e.this
    name = _name(table)
    if e.args.get("overwrite"):
        s.add(Kind.DB_TRUNCATE, f"table {name}", f"overwrites every row of table {name} (INSERT OVERWRITE)")
        return
    verb = "replaces rows in" if e.args.get("alternative") else "inserts into"
    s.add(Kind.DB_WRITE, f"table {name}", f"{verb} table {name}", schema=_schema(table))


def _create(e: Any, chunk: str, s: _Session) -> None:
    object_kind = str(e.args.get("kind") or "object").lower()
    node = e.this.this if type(e.this).__name__ == "Schema" else e.this
    name = _name(node)
    if e.args.get("replace") and object_kind == "table":
        s.add(
            Kind.DB_DROP,
            f"table {name}",
            f"replaces table {name}: its rows are lost (CREATE OR REPLACE)",
            schema=_schema(node),
        )
        return
    s.add(Kind.DB_WRITE, f"{object_kind} {name}", f"creates {object_kind} {name}", schema=_schema(node))


def _query(e: Any, chunk: str, s: _Session) -> None:
    into = e.args.get("into")
    if into is not None and into.this is not None:
        name = _name(into.this)
        s.add(Kind.DB_WRITE, f"table {name}", f"creates table {name} (SELECT … INTO)")
        return
    s.add(Kind.READ, s.target, "only reads")


def _pragma(e: Any, chunk: str, s: _Session) -> None:
    match = _PRAGMA_RE.match(_strip_comments(chunk).strip())
    if match is None:
        s.unknown(f"could not read PRAGMA: {_short(chunk)}")
        return
    schema, name, assigned, argument = match.groups()
    value = assigned if assigned is not None else argument
    name = name.lower()
    if name in READ_PRAGMAS or value is None or value == "":
        s.add(Kind.READ, s.target, "only reads")
    elif name == "writable_schema" and _unquote(value).lower() not in ("0", "off", "false", "no", "reset"):
        s.add(Kind.DB_ALTER, s.target, "makes the schema writable (PRAGMA writable_schema): edits can corrupt it")
    else:
        s.add(Kind.DB_WRITE, s.target, f"sets PRAGMA {name}", schema=schema or "")


def _attach(e: Any, chunk: str, s: _Session) -> None:
    node = e.this
    alias = node.alias if type(node).__name__ == "Alias" else ""
    file_node = node.this if type(node).__name__ == "Alias" else node
    file_text = str(file_node.this) if type(file_node).__name__ == "Literal" else file_node.sql()
    where = _local_path(file_text, s)
    if alias and where:
        s.attached[alias.lower()] = where
    label = f"database {alias or file_text}"
    s.add(Kind.DB_WRITE, label, f"attaches {file_text} as {alias or '?'} (creates the file if missing)", path=where)


def _copy(e: Any, chunk: str, s: _Session) -> None:
    name = _name(e.this)
    files = [f.sql() if type(f).__name__ != "Literal" else str(f.this) for f in e.args.get("files") or []]
    if any(f.upper() == "PROGRAM" for f in files):
        s.unknown("COPY … PROGRAM runs a shell command on the database server")
    elif e.args.get("kind"):
        s.add(Kind.DB_WRITE, f"table {name}", f"loads rows into table {name} (COPY … FROM)")
    elif not files or any(f.upper() in ("STDOUT", "STDIN") for f in files):
        s.add(Kind.READ, s.target, "only reads")
    else:
        _copy_to_file(name, files[0], s)


def _copy_to_file(name: str, file_text: str, s: _Session) -> None:
    """COPY … TO 'file' writes on the machine that runs the database: this one for SQLite/DuckDB."""
    where = _local_path(file_text, s) if s.dialect in ("duckdb", "sqlite") else None
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


def _use(e: Any, chunk: str, s: _Session) -> None:
    """`USE prod` moves every later statement to database prod: the context follows."""
    if e.this is not None:
        s.context["database"] = _name(e.this)


def _grant(e: Any, chunk: str, s: _Session) -> None:
    s.add(Kind.DB_WRITE, s.target, "changes privileges (GRANT/REVOKE)")


def _write(detail: str) -> Callable[[Any, str, _Session], None]:
    def handler(e: Any, chunk: str, s: _Session) -> None:
        s.add(Kind.DB_WRITE, s.target, detail)

    return handler


def _read(e: Any, chunk: str, s: _Session) -> None:
    s.add(Kind.READ, s.target, "only reads")


def _execute(e: Any, chunk: str, s: _Session) -> None:
    _command(chunk, s)


_HANDLERS: dict[str, Callable[[Any, str, _Session], None]] = {
    "Drop": _drop,
    "TruncateTable": _truncate,
    "Delete": _delete,
    "Update": _update,
    "Alter": _alter,
    "Insert": _insert,
    "Create": _create,
    "Pragma": _pragma,
    "Attach": _attach,
    "Copy": _copy,
    "Use": _use,
    "Grant": _grant,
    "Revoke": _grant,
    "Merge": _write("merges rows (MERGE)"),
    "Comment": _write("sets a comment"),
    "Analyze": _write("updates planner statistics"),
    "Kill": _write("kills a session or query"),
    "Install": _write("installs an extension"),
    "Load": _write("loads an extension"),
    "Refresh": _write("refreshes cached data"),
    "Cache": _write("caches a table"),
    "Uncache": _write("uncaches"),
    "Describe": _read,
    "Show": _read,
    "Summarize": _read,
    "Execute": _execute,
    "Command": _execute,
}
_QUERY_TYPES = frozenset({"Select", "Union", "Intersect", "Except", "Values", "Subquery", "Table"})
_QUIET_TYPES = frozenset({"Transaction", "Commit", "Rollback", "Set", "Detach", "Semicolon"})


def _side_effect_functions(e: Any, s: _Session) -> None:
    from sqlglot import exp

    for func in e.find_all(exp.Func):
        name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).lower()
        if name not in SIDE_EFFECT_FUNCTIONS:
            continue
        known = SIDE_EFFECT_FUNCTIONS[name]
        if known is None:
            s.unknown(f"calls {name}(), which acts outside the rows it returns: not modelled, so asked")
        else:
            s.add(known[0], s.target, f"{known[1]} ({name})")


def _always_true(condition: Any) -> bool:
    """A WHERE that holds for every row deletes or updates them all: `1=1`, `true`, `1`, `x = x`,
    `1=1 OR id = 3`, any condition that names no column. Conservative: a constant counts as true."""
    from sqlglot import exp
    from sqlglot.optimizer.simplify import simplify

    try:
        simplified = simplify(condition.copy())
    except Exception:
        simplified = condition
    if isinstance(simplified, exp.Boolean):
        return bool(simplified.this)
    if isinstance(simplified, exp.Null):
        return False
    if isinstance(simplified, exp.Literal):
        return str(simplified.this).strip() not in ("0", "", "0.0")
    if isinstance(simplified, exp.EQ) and isinstance(simplified.this, exp.Column):
        return bool(simplified.this == simplified.expression)
    return simplified.find(exp.Column) is None and simplified.find(exp.Select) is None


def _name(node: Any) -> str:
    """An object's name as a person writes it, without quotes: `public.users`, `My Table`."""
    if node is None:
        return "?"
    parts = getattr(node, "parts", None)
    if type(node).__name__ == "Table" and parts:
        return ".".join(str(p.name) for p in parts)
    name = getattr(node, "name", "")
    return str(name) if name else _unquote(node.sql())


def _schema(node: Any) -> str:
    return str(node.args.get("db").name) if type(node).__name__ == "Table" and node.args.get("db") else ""


# ---- text the parser does not model ---------------------------------------------------------------------


def _command(chunk: str, s: _Session) -> None:
    """A statement sqlglot only knows as text: judged by its first word, and scanned for destruction."""
    clean = _strip_comments(chunk).strip()
    first = clean.split(None, 1)[0].upper() if clean else ""
    special = _SPECIAL_WORDS.get(first)
    if special is not None:
        special(clean, s)
        return
    found = _scan(clean, s)
    if first in READ_WORDS:
        s.add(Kind.READ, s.target, "only reads")
    elif first in WRITE_WORDS:
        s.add(Kind.DB_WRITE, s.target, f"runs {first}")
    elif first in CODE_WORDS:
        _code(clean, s, found)
    elif first not in QUIET_WORDS and not found:
        s.unknown(f"SQL statement not modelled: {_short(clean)}")


def _unparsed(chunk: str, s: _Session, reason: str) -> None:
    """Text sqlglot rejects: the keyword scan still reports destruction; otherwise it is unknown."""
    if not _scan(_strip_comments(chunk), s):
        s.unknown(reason)


def _code(clean: str, s: _Session, found: bool) -> None:
    words = clean.split()
    if words[0].upper() == "EXECUTE" and len(words) > 1 and words[1].split("(")[0].lower() in s.prepared:
        return
    if not found:
        s.unknown(f"runs stored or dynamic code whose effect is not known: {_short(clean)}")


def _explain(clean: str, s: _Session) -> None:
    """EXPLAIN only plans, but EXPLAIN ANALYZE runs the statement (a DELETE deletes)."""
    match = _EXPLAIN_RE.match(clean)
    if match is None:
        s.add(Kind.READ, s.target, "only reads")
        return
    options, analyse, inner = match.groups()
    if analyse or (options and re.search(r"\bANALY[SZ]E\b(?!\s+(?:false|off|0)\b)", options, re.I)):
        _analyse(inner, s)
    else:
        s.add(Kind.READ, s.target, "only reads")


def _vacuum(clean: str, s: _Session) -> None:
    match = _VACUUM_INTO_RE.match(clean)
    if match is None:
        s.add(Kind.DB_WRITE, s.target, "vacuums (rewrites) the database")
        return
    file_text = _unquote(match.group(1).strip())
    where = _local_path(file_text, s)
    s.add(
        Kind.DB_WRITE,
        f"file {file_text}",
        f"writes a copy of the database to {file_text} (VACUUM INTO)",
        path=where or s.path,
    )


def _replace(clean: str, s: _Session) -> None:
    match = re.match(rf"REPLACE\s+(?:LOW_PRIORITY\s+|DELAYED\s+)?(?:INTO\s+)?({_NAME})", clean, re.I)
    name = _unquote(match.group(1)) if match else "?"
    s.add(Kind.DB_WRITE, f"table {name}", f"replaces rows in table {name}")


def _prepare(clean: str, s: _Session) -> None:
    """PREPARE name AS <statement>: what it would do is judged now; EXECUTE name later adds nothing."""
    match = re.match(r"PREPARE\s+(\w+)(?:\s*\([^)]*\))?\s+(?:AS|FROM)\s+(.*)", clean, re.I | re.S)
    if match is None:
        s.unknown(f"SQL statement not modelled: {_short(clean)}")
        return
    s.prepared.add(match.group(1).lower())
    inner = match.group(2).strip()
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":  # MySQL: PREPARE p FROM 'sql'
        inner = inner[1:-1]
    _analyse(inner, s)


def _use_text(clean: str, s: _Session) -> None:
    words = clean.split()
    if len(words) > 1:
        s.context["database"] = _unquote(words[1].rstrip(";"))


_SPECIAL_WORDS: dict[str, Callable[[str, _Session], None]] = {
    "EXPLAIN": _explain,
    "VACUUM": _vacuum,
    "REPLACE": _replace,
    "PREPARE": _prepare,
    "USE": _use_text,
}


def _scan(text: str, s: _Session) -> bool:
    """Destructive statements found by keyword, wherever they are (also inside DO bodies); True if any."""
    before = len(s.effects)
    altering = bool(re.match(r"\s*ALTER\b", text, re.I))
    for match in _DROP_RE.finditer(text):
        object_kind = " ".join(match.group(1).upper().split())
        for name in _split_names(match.group(2)):
            if altering:
                s.add(Kind.DB_ALTER, f"object {name}", f"drops {object_kind.lower()} {name} (ALTER … DROP)")
            else:
                cascade = bool(re.search(r"\bCASCADE\b", text[match.end() : match.end() + 40], re.I))
                temporary = object_kind.startswith("TEMP")
                _drop_effect(object_kind, name, s, cascade=cascade, temporary=temporary)
    for match in _TRUNCATE_RE.finditer(text):
        for name in _split_names(match.group(1)):
            s.add(Kind.DB_TRUNCATE, f"table {name}", f"truncates table {name}")
    _scan_unbounded(text, s)
    return len(s.effects) > before


def _scan_unbounded(text: str, s: _Session) -> None:
    for match in _DELETE_RE.finditer(text):
        name = _unquote(match.group(1))
        if _WHERE_RE.search(text[match.end() :].split(";", 1)[0]):
            s.add(Kind.DB_WRITE, f"table {name}", f"deletes rows of table {name} (WHERE …)")
        else:
            s.add(Kind.DB_DELETE, f"table {name}", f"deletes every row of table {name} (without WHERE)")
    for match in _UPDATE_RE.finditer(text):
        name = _unquote(match.group(1))
        if _WHERE_RE.search(text[match.end() :].split(";", 1)[0]):
            s.add(Kind.DB_WRITE, f"table {name}", f"updates rows of table {name} (WHERE …)")
        else:
            s.add(Kind.DB_UPDATE, f"table {name}", f"updates every row of table {name} (without WHERE)")
    if _DELETE_ALL_RE.search(text):
        s.add(Kind.DB_DELETE, s.target, "deletes matching points from every measurement (DELETE WHERE)")


def _split_names(text: str) -> list[str]:
    return [_unquote(n.strip()) for n in re.findall(_NAME, text)]


def _strip_comments(text: str) -> str:
    return _COMMENT_RE.sub(" ", text)


def _unquote(text: str) -> str:
    """`"My Table"` -> `My Table`, `public."x"` -> `public.x`, `'file.db'` -> `file.db`."""
    parts = re.findall(_IDENT + r"|'[^']*'", text.strip())
    if not parts:
        return text.strip()
    return ".".join(p[1:-1] if p[:1] in "\"`['" and len(p) >= 2 else p for p in parts)


def _local_path(file_text: str, s: _Session) -> str | None:
    """A file named in SQL, resolved the way the client would (relative to its working directory)."""
    name = file_text.strip().strip("'\"")
    if name.startswith("file:"):
        name = name[5:].split("?", 1)[0]
    if not name or name == ":memory:":
        return None
    name = os.path.expanduser(name)
    if os.path.isabs(name):
        return os.path.normpath(name)
    return os.path.normpath(os.path.join(s.cwd, name)) if s.cwd else None
