"""What destroys data, whether sqlglot parsed the statement or not: which DROPs lose data, which WHEREs hold
for every row, and the keyword scan that finds DROP, TRUNCATE, DELETE and UPDATE in text no parser models
(`DO $$…$$` bodies, `DROP ROLE`, dialects sqlglot does not know), so a dialect quirk never hides a DROP."""

from __future__ import annotations

import re
from typing import Any

from agentguard.analysis.sql.session import NAME, Session, unquote
from agentguard.models import Kind

# DROP of these only loses definitions that migrations recreate; the rest (tables, schemas…) loses data.
DEFINITION_OBJECTS = frozenset(
    "INDEX FUNCTION PROCEDURE TRIGGER TYPE EXTENSION DOMAIN EVENT MACRO CONSTRAINT COLUMN POLICY RULE AGGREGATE "
    "CAST STATISTICS PUBLICATION SUBSCRIPTION SERVER OPERATOR COLLATION CONVERSION LANGUAGE PRIMARY FOREIGN "
    "KEY".split()
)

_NAMES = rf"({NAME}(?:\s*,\s*{NAME})*)"
_DROP_OBJECT = (
    r"MATERIALIZED\s+VIEW|RETENTION\s+POLICY|CONTINUOUS\s+QUERY|PRIMARY\s+KEY|FOREIGN\s+KEY|"
    r"(?:TEMP(?:ORARY)?\s+|FOREIGN\s+|EXTERNAL\s+|UNLOGGED\s+)?TABLE|[A-Z]+"
)
_DROP_RE = re.compile(rf"\bDROP\s+({_DROP_OBJECT})(?:\s+IF\s+EXISTS)?\s+(?:BY\s+)?{_NAMES}", re.I)
_TRUNCATE_RE = re.compile(rf"\bTRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?(?:IF\s+EXISTS\s+)?{_NAMES}", re.I)
_DELETE_RE = re.compile(rf"\bDELETE\s+(?:(?:LOW_PRIORITY|QUICK|IGNORE)\s+)*FROM\s+(?:ONLY\s+)?({NAME})", re.I)
_DELETE_ALL_RE = re.compile(r"\bDELETE\s+WHERE\b", re.I)  # InfluxQL: from every measurement
_UPDATE_RE = re.compile(
    rf"\bUPDATE\s+(?:ONLY\s+|LOW_PRIORITY\s+|IGNORE\s+)*({NAME})(?:\s+(?:AS\s+)?\w+)?\s+SET\b", re.I
)
_WHERE_RE = re.compile(r"\bWHERE\b", re.I)
# The statements that reach every row without a WHERE: what they do, and their kind when unbounded.
_UNBOUNDED = ((_DELETE_RE, "deletes", Kind.DB_DELETE), (_UPDATE_RE, "updates", Kind.DB_UPDATE))


def drop_effect(
    object_kind: str, name: str, s: Session, *, cascade: bool = False, temporary: bool = False, schema: str = ""
) -> None:
    label = object_kind.lower()
    first = object_kind.split()[0]
    if temporary:
        s.add(Kind.DB_WRITE, f"temporary table {name}", f"drops temporary table {name}")
        return
    kind = Kind.DB_ALTER if first in DEFINITION_OBJECTS and not cascade else Kind.DB_DROP
    detail = f"drops {label} {name}" + (" and everything that depends on it (CASCADE)" if cascade else "")
    s.add(kind, f"{label} {name}", detail, schema=schema)


def always_true(condition: Any) -> bool:
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


def scan(text: str, s: Session) -> bool:
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
                drop_effect(object_kind, name, s, cascade=cascade, temporary=temporary)
    for match in _TRUNCATE_RE.finditer(text):
        for name in _split_names(match.group(1)):
            s.add(Kind.DB_TRUNCATE, f"table {name}", f"truncates table {name}")
    _scan_unbounded(text, s)
    return len(s.effects) > before


def _scan_unbounded(text: str, s: Session) -> None:
    """DELETE and UPDATE reach every row unless a WHERE follows before the statement ends."""
    for pattern, verb, every in _UNBOUNDED:
        for match in pattern.finditer(text):
            name = unquote(match.group(1))
            if _WHERE_RE.search(text[match.end() :].split(";", 1)[0]):
                s.add(Kind.DB_WRITE, f"table {name}", f"{verb} rows of table {name} (WHERE …)", rewrites=True)
            else:
                s.add(every, f"table {name}", f"{verb} every row of table {name} (without WHERE)")
    if _DELETE_ALL_RE.search(text):
        s.add(Kind.DB_DELETE, s.target, "deletes matching points from every measurement (DELETE WHERE)")


def _split_names(text: str) -> list[str]:
    return [unquote(n.strip()) for n in re.findall(NAME, text)]
