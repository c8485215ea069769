"""What every part of the SQL analysis shares: the session of one SQL text, and how names, files and text are
read out of the statements (quotes removed, comments dropped, relative files resolved)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from agentguard.models import Effect, Kind

IDENT = r'(?:[\w$]+|"[^"]*"|`[^`]*`|\[[^\]]*\])'
NAME = rf"{IDENT}(?:\s*\.\s*{IDENT})*"
_COMMENT_RE = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


@dataclass
class Session:
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

    def add(
        self,
        kind: Kind,
        target: str,
        detail: str,
        *,
        path: str | None = None,
        schema: str = "",
        rewrites: bool = False,
        extra: dict[str, str] | None = None,
    ) -> None:
        """`rewrites`: the statement changes or removes stored rows (DELETE, UPDATE, ALTER…), so a protected
        database it runs against is saved first whatever its clause. `extra`: more context for later stages."""
        where = self.attached.get(schema.lower(), path or self.path) if schema else (path or self.path)
        context = {**self.context, "rewrites": "rows"} if rewrites else self.context
        context = {**context, **extra} if extra else context
        self.effects.append(Effect.make(kind, target, detail, source=self.source, path=where, context=context))

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


def name_of(node: Any) -> str:
    """An object's name as a person writes it, without quotes: `public.users`, `My Table`."""
    if node is None:
        return "?"
    parts = getattr(node, "parts", None)
    if type(node).__name__ == "Table" and parts:
        return ".".join(str(p.name) for p in parts)
    name = getattr(node, "name", "")
    return str(name) if name else unquote(node.sql())


def schema_of(node: Any) -> str:
    return str(node.args.get("db").name) if type(node).__name__ == "Table" and node.args.get("db") else ""


def unquote(text: str) -> str:
    """`"My Table"` -> `My Table`, `public."x"` -> `public.x`, `'file.db'` -> `file.db`."""
    parts = re.findall(IDENT + r"|'[^']*'", text.strip())
    if not parts:
        return text.strip()
    return ".".join(p[1:-1] if p[:1] in "\"`['" and len(p) >= 2 else p for p in parts)


def local_path(file_text: str, s: Session) -> str | None:
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


def strip_comments(text: str) -> str:
    return _COMMENT_RE.sub(" ", text)


def short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."
