"""SQL text: split into statements, each parsed (parsed.py judges what sqlglot models) or, when sqlglot knows
it only as text or cannot parse it, judged here by its first word and scanned for destructive keywords.

EXPLAIN ANALYZE and PREPARE hold a statement of their own, judged by going through `analyse` again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agentguard.analysis.sql.destructive import scan
from agentguard.analysis.sql.parsed import judge, side_effect_functions
from agentguard.analysis.sql.session import NAME, Session, local_path, short, strip_comments, unquote
from agentguard.models import Kind

MAX_PARSED_BYTES = 64 * 1024  # above this, plain INSERT statements are classified without a full parse

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

_EXPLAIN_RE = re.compile(
    r"EXPLAIN\s+(?:\(([^)]*)\)\s*|(ANALY[SZ]E)\s+(?:VERBOSE\s+)?|QUERY\s+PLAN\s+)?(.*)", re.I | re.S
)
_VACUUM_INTO_RE = re.compile(r"VACUUM\s+(?:\w+\s+)?INTO\s+(.+)", re.I | re.S)


# ---- splitting and parsing ------------------------------------------------------------------------------


def analyse(text: str, s: Session) -> None:
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


def _statement_text(text: str, chunk: str, tokens: list[Any], parser: Any, s: Session) -> None:
    """One statement; the parser gets the whole text because token offsets point into it."""
    try:
        expressions = parser.parse(tokens, text)
    except Exception as exc:
        _unparsed(chunk, s, f"could not parse SQL: {short(chunk)} ({_first_line(str(exc))})")
        return
    for expression in expressions:
        if expression is not None:
            if not judge(expression, chunk, s):
                _command(chunk, s)
            side_effect_functions(expression, s)


def _fast_insert(chunk: str, s: Session) -> bool:
    """Big seed files are mostly `INSERT … VALUES`: naming the table is enough, parsing each costs too much."""
    match = re.match(rf"INSERT\s+(?:OR\s+\w+\s+|IGNORE\s+)?INTO\s+({NAME})\s*(?:\([^)]*\)\s*)?VALUES\b", chunk, re.I)
    if match is None or re.search(r"[A-Za-z_]\w*\s*\(", chunk[match.end() :]):
        return False
    s.add(Kind.DB_WRITE, f"table {unquote(match.group(1))}", f"inserts into table {unquote(match.group(1))}")
    return True


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0]


# ---- text the parser does not model ---------------------------------------------------------------------


def _command(chunk: str, s: Session) -> None:
    """A statement sqlglot only knows as text: judged by its first word, and scanned for destruction."""
    clean = strip_comments(chunk).strip()
    first = clean.split(None, 1)[0].upper() if clean else ""
    special = _SPECIAL_WORDS.get(first)
    if special is not None:
        special(clean, s)
        return
    found = scan(clean, s)
    if first in READ_WORDS:
        s.add(Kind.READ, s.target, "only reads")
    elif first in WRITE_WORDS:
        s.add(Kind.DB_WRITE, s.target, f"runs {first}")
    elif first in CODE_WORDS:
        _code(clean, s, found)
    elif first not in QUIET_WORDS and not found:
        s.unknown(f"SQL statement not modelled: {short(clean)}")


def _unparsed(chunk: str, s: Session, reason: str) -> None:
    """Text sqlglot rejects: the keyword scan still reports destruction; otherwise it is unknown."""
    if not scan(strip_comments(chunk), s):
        s.unknown(reason)


def _code(clean: str, s: Session, found: bool) -> None:
    words = clean.split()
    if words[0].upper() == "EXECUTE" and len(words) > 1 and words[1].split("(")[0].lower() in s.prepared:
        return
    if not found:
        s.unknown(f"runs stored or dynamic code whose effect is not known: {short(clean)}")


def _explain(clean: str, s: Session) -> None:
    """EXPLAIN only plans, but EXPLAIN ANALYZE runs the statement (a DELETE deletes)."""
    match = _EXPLAIN_RE.match(clean)
    if match is None:
        s.add(Kind.READ, s.target, "only reads")
        return
    options, analyze_word, inner = match.groups()
    if analyze_word or (options and re.search(r"\bANALY[SZ]E\b(?!\s+(?:false|off|0)\b)", options, re.I)):
        analyse(inner, s)
    else:
        s.add(Kind.READ, s.target, "only reads")


def _vacuum(clean: str, s: Session) -> None:
    match = _VACUUM_INTO_RE.match(clean)
    if match is None:
        s.add(Kind.DB_WRITE, s.target, "vacuums (rewrites) the database")
        return
    file_text = unquote(match.group(1).strip())
    where = local_path(file_text, s)
    s.add(
        Kind.DB_WRITE,
        f"file {file_text}",
        f"writes a copy of the database to {file_text} (VACUUM INTO)",
        path=where or s.path,
        rewrites=True,  # over an existing database file, it replaces it
    )


def _replace(clean: str, s: Session) -> None:
    match = re.match(rf"REPLACE\s+(?:LOW_PRIORITY\s+|DELAYED\s+)?(?:INTO\s+)?({NAME})", clean, re.I)
    name = unquote(match.group(1)) if match else "?"
    s.add(Kind.DB_WRITE, f"table {name}", f"replaces rows in table {name}")


def _prepare(clean: str, s: Session) -> None:
    """PREPARE name AS <statement>: what it would do is judged now; EXECUTE name later adds nothing."""
    match = re.match(r"PREPARE\s+(\w+)(?:\s*\([^)]*\))?\s+(?:AS|FROM)\s+(.*)", clean, re.I | re.S)
    if match is None:
        s.unknown(f"SQL statement not modelled: {short(clean)}")
        return
    s.prepared.add(match.group(1).lower())
    inner = match.group(2).strip()
    if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":  # MySQL: PREPARE p FROM 'sql'
        inner = inner[1:-1]
    analyse(inner, s)


def _use_text(clean: str, s: Session) -> None:
    words = clean.split()
    if len(words) > 1:
        s.context["database"] = unquote(words[1].rstrip(";"))


_SPECIAL_WORDS: dict[str, Callable[[str, Session], None]] = {
    "EXPLAIN": _explain,
    "VACUUM": _vacuum,
    "REPLACE": _replace,
    "PREPARE": _prepare,
    "USE": _use_text,
}
