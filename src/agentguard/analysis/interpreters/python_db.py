"""Database connections in python code: which file or server a DB-API connection or cursor is on.

`sqlite3.connect('app.db')`, `duckdb.connect(…)`, `psycopg2.connect(host=…, dbname=…)`, `pymysql.connect(…)`,
followed through variables, `.cursor()` and `with … as con`, so `cur.execute('DROP TABLE t')` becomes SQL
effects on the right target with its host and database as context.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from agentguard.analysis.interpreters.python_scope import MAX_DEPTH, Scope
from agentguard.analysis.types import Word

# DB-API connect functions and the SQL dialect they speak; file databases name a path, servers a host.
CONNECTORS = {
    "sqlite3.connect": "sqlite",
    "sqlite3.dbapi2.connect": "sqlite",
    "duckdb.connect": "duckdb",
    "psycopg2.connect": "postgres",
    "psycopg.connect": "postgres",
    "pymysql.connect": "mysql",
    "MySQLdb.connect": "mysql",
    "mysql.connector.connect": "mysql",
}
FILE_DIALECTS = frozenset({"sqlite", "duckdb"})
SERVER_KEYWORDS = {
    "host": "host",
    "port": "port",
    "dbname": "database",
    "database": "database",
    "db": "database",
    "user": "user",
}


@dataclass(frozen=True, slots=True)
class Database:
    """A connection found in the code: its dialect, the file (or an unknown word) or server it is on."""

    dialect: str
    file: Word | None  # for sqlite / duckdb
    context: dict[str, str]


def database(scope: Scope, node: ast.expr, depth: int = 0) -> Database | None:
    """The database a connection or cursor expression is on, or None when `node` is not a connection."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(node, ast.Name) and node.id in scope.values:
        return database(scope, scope.values[node.id], depth + 1)
    if not isinstance(node, ast.Call):
        return None
    dialect = CONNECTORS.get(scope.qualified(node.func) or "")
    if dialect in FILE_DIALECTS:
        arg = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "database"), None)
        found = scope.path(arg) if arg is not None else None
        return Database(dialect, found or Word("?", known=False, why="database path computed at run time"), {})
    if dialect is not None:
        return Database(dialect, None, _server(scope, node))
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("cursor", "execute", "__enter__"):
        return database(scope, node.func.value, depth + 1)
    return None


def _server(scope: Scope, node: ast.Call) -> dict[str, str]:
    """host / port / database / user of a server connection, from a DSN argument or keywords."""
    from agentguard.analysis.databases.targets import target_context

    dsn = scope.string(node.args[0]) if node.args else None
    context = target_context(dsn) if dsn else {}
    for keyword in node.keywords:
        key = SERVER_KEYWORDS.get(keyword.arg or "")
        value = scope.string(keyword.value) if key else None
        if key and value:
            context[key] = value
    return context
