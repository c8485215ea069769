"""Statements sqlglot parsed into expressions, judged by their type: which drop, truncate, delete or rewrite
rows, which only read, and which functions they call that act outside the rows they return."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentguard.analysis.sql import storage
from agentguard.analysis.sql.destructive import always_true, drop_effect
from agentguard.analysis.sql.session import Session, name_of, schema_of
from agentguard.models import Kind

Handler = Callable[[Any, str, Session], None]
BULK_INSERT_ROWS = 1000  # an INSERT of this many rows or more is judged as a bulk rewrite of the table

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


def judge(e: Any, chunk: str, s: Session) -> bool:
    """Judge one parsed statement. False when sqlglot knows it only as text (`Command`, `Execute`) or not at
    all: the caller then judges `chunk` by its words."""
    handler = _HANDLERS.get(type(e).__name__)
    if handler is not None:
        handler(e, chunk, s)
    elif type(e).__name__ in _QUERY_TYPES:
        _query(e, chunk, s)
    elif type(e).__name__ not in _QUIET_TYPES:
        return False
    return True


def side_effect_functions(e: Any, s: Session) -> None:
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


def _drop(e: Any, chunk: str, s: Session) -> None:
    object_kind = str(e.args.get("kind") or "object").upper()
    if object_kind == "VIEW" and e.args.get("materialized"):
        object_kind = "MATERIALIZED VIEW"
    names = e.args.get("tables") or ([e.this] if e.this is not None else [])
    cascade = bool(e.args.get("cascade"))
    for node in names:
        name, schema = name_of(node), schema_of(node)
        drop_effect(object_kind, name, s, cascade=cascade, temporary=bool(e.args.get("temporary")), schema=schema)


def _truncate(e: Any, chunk: str, s: Session) -> None:
    if e.args.get("is_database"):
        for node in e.expressions or [e.this]:
            s.add(Kind.DB_TRUNCATE, f"database {name_of(node)}", f"empties every table of database {name_of(node)}")
        return
    for node in e.expressions:
        name = name_of(node)
        s.add(Kind.DB_TRUNCATE, f"table {name}", f"truncates table {name}", schema=schema_of(node))


def _delete(e: Any, chunk: str, s: Session) -> None:
    tables = e.args.get("tables") or [e.this]
    where = e.args.get("where")
    every = where is None or always_true(where.this)
    for node in tables:
        name = name_of(node)
        if every:
            why = "without WHERE" if where is None else "with a WHERE that is always true"
            s.add(Kind.DB_DELETE, f"table {name}", f"deletes every row of table {name} ({why})", schema=schema_of(node))
        else:
            _bounded(s, node, where, "deletes", Kind.DB_DELETE, chunk)


def _update(e: Any, chunk: str, s: Session) -> None:
    name = name_of(e.this)
    where = e.args.get("where")
    if where is None or always_true(where.this):
        why = "without WHERE" if where is None else "with a WHERE that is always true"
        s.add(Kind.DB_UPDATE, f"table {name}", f"updates every row of table {name} ({why})", schema=schema_of(e.this))
    else:
        _bounded(s, e.this, where, "updates", Kind.DB_UPDATE, chunk)


MAX_STATEMENT = 4000  # characters of a statement carried for the planner estimate (estimates.py)


def _bounded(s: Session, node: Any, where: Any, verb: str, every: Kind, chunk: str) -> None:
    """A DELETE/UPDATE with a WHERE: on a SQLite file, counted against the live rows; one that reaches every
    row of its table is as destructive as having no WHERE. On PostgreSQL the statement travels with the effect,
    for the planner's estimate where the policy names a read-only connection (estimates.py)."""
    from agentguard.analysis.sql import live

    name, schema = name_of(node), schema_of(node)
    counted = live.reach(s.path, node, where.this) if s.dialect == "sqlite" and schema in ("", "main") else None
    if counted is None:
        statement = chunk.strip().rstrip(";").strip()
        extra = {"statement": statement, "table": name, "verb": verb, "every": every.value}
        extra = extra if s.dialect == "postgres" and len(statement) <= MAX_STATEMENT else {}
        s.add(Kind.DB_WRITE, f"table {name}", f"{verb} rows of table {name} (WHERE …)", schema=schema, rewrites=True,
              extra=extra)  # fmt: skip
    elif counted.every_row:
        detail = counted.phrase(verb, name) + " (its WHERE reaches every row)"
        s.add(every, f"table {name}", detail, schema=schema)
    else:
        s.add(Kind.DB_WRITE, f"table {name}", counted.phrase(verb, name), schema=schema, rewrites=True)


def _alter(e: Any, chunk: str, s: Session) -> None:
    object_kind = str(e.args.get("kind") or "TABLE").lower()
    name = name_of(e.this)
    changed = False
    for action in e.args.get("actions") or []:
        action_type = type(action).__name__
        if action_type in ("Drop", "DropPartition", "DropPrimaryKey"):
            what = _dropped_part(action)
            s.add(
                Kind.DB_ALTER,
                f"{object_kind} {name}",
                f"drops {what} of {object_kind} {name}",
                schema=schema_of(e.this),
            )
        elif action_type == "Delete":  # ClickHouse: ALTER TABLE t DELETE WHERE …
            where = action.args.get("where")
            kind = Kind.DB_DELETE if where is None or always_true(where.this) else Kind.DB_WRITE
            s.add(kind, f"table {name}", f"deletes rows of table {name} (ALTER … DELETE)", rewrites=True)
        else:
            changed = True
    if changed or not e.args.get("actions"):
        s.add(Kind.DB_WRITE, f"{object_kind} {name}", f"alters {object_kind} {name}", schema=schema_of(e.this),
              rewrites=True)  # fmt: skip


def _dropped_part(action: Any) -> str:
    action_type = type(action).__name__
    if action_type == "DropPrimaryKey":
        return "the primary key"
    if action_type == "DropPartition":
        return "partitions (and their rows)"
    part = str(action.args.get("kind") or "column").lower()
    names = ", ".join(name_of(n) for n in action.args.get("tables") or []) or "?"
    return f"{part} {names}"


def _insert(e: Any, chunk: str, s: Session) -> None:
    table = e.this.this if type(e.this).__name__ == "Schema" else e.this
    name = name_of(table)
    if e.args.get("overwrite"):
        s.add(Kind.DB_TRUNCATE, f"table {name}", f"overwrites every row of table {name} (INSERT OVERWRITE)")
        return
    verb = "replaces rows in" if e.args.get("alternative") else "inserts into"
    rows = _rows_inserted(e.expression, s)
    if rows is not None and rows >= BULK_INSERT_ROWS:  # the Replit incident: thousands of made-up rows
        detail = f"{verb} table {name} {rows:,} rows at once (a bulk insert mixes new rows with the real ones)"
        s.add(Kind.DB_UPDATE, f"table {name}", detail, schema=schema_of(table))
        return
    s.add(Kind.DB_WRITE, f"table {name}", f"{verb} table {name}", schema=schema_of(table))


def _rows_inserted(source: Any, s: Session) -> int | None:
    """How many rows an INSERT adds: its VALUES tuples, or its SELECT counted against a live SQLite file."""
    from agentguard.analysis.sql import live

    kind = type(source).__name__
    if kind == "Values":
        return len(source.expressions)
    if kind in ("Select", "Union") and s.dialect == "sqlite":
        return live.inserted(s.path, source)
    return None


def _create(e: Any, chunk: str, s: Session) -> None:
    object_kind = str(e.args.get("kind") or "object").lower()
    node = e.this.this if type(e.this).__name__ == "Schema" else e.this
    name = name_of(node)
    if e.args.get("replace") and object_kind == "table":
        s.add(
            Kind.DB_DROP,
            f"table {name}",
            f"replaces table {name}: its rows are lost (CREATE OR REPLACE)",
            schema=schema_of(node),
        )
        return
    s.add(Kind.DB_WRITE, f"{object_kind} {name}", f"creates {object_kind} {name}", schema=schema_of(node))


def _query(e: Any, chunk: str, s: Session) -> None:
    into = e.args.get("into")
    if into is not None and into.this is not None:
        name = name_of(into.this)
        s.add(Kind.DB_WRITE, f"table {name}", f"creates table {name} (SELECT … INTO)")
        return
    s.add(Kind.READ, s.target, "only reads")


def _use(e: Any, chunk: str, s: Session) -> None:
    """`USE prod` moves every later statement to database prod: the context follows."""
    if e.this is not None:
        s.context["database"] = name_of(e.this)


def _grant(e: Any, chunk: str, s: Session) -> None:
    s.add(Kind.DB_WRITE, s.target, "changes privileges (GRANT/REVOKE)")


def _write(detail: str) -> Handler:
    def handler(e: Any, chunk: str, s: Session) -> None:
        s.add(Kind.DB_WRITE, s.target, detail)

    return handler


def _read(e: Any, chunk: str, s: Session) -> None:
    s.add(Kind.READ, s.target, "only reads")


_HANDLERS: dict[str, Handler] = {
    "Drop": _drop,
    "TruncateTable": _truncate,
    "Delete": _delete,
    "Update": _update,
    "Alter": _alter,
    "Insert": _insert,
    "Create": _create,
    "Pragma": storage.pragma,
    "Attach": storage.attach,
    "Copy": storage.copy,
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
}
_QUERY_TYPES = frozenset({"Select", "Union", "Intersect", "Except", "Values", "Subquery", "Table"})
_QUIET_TYPES = frozenset({"Transaction", "Commit", "Rollback", "Set", "Detach", "Semicolon"})
