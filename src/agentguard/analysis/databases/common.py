"""Pieces every database handler shares: the connection, effect builders, SQL, stdin and files."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

MAX_SCRIPT_DEPTH = 6  # .read / \i / source nesting followed at most this deep


NO_VALUE = Word.literal("")


@dataclass
class Conn:
    """The database a client talks to, as SQL effects need it; `\\c`, `.open` and `use` change it."""

    dialect: str | None
    target: str
    context: dict[str, str]
    path: str | None = None
    cwd: str | None = None
    readonly: bool = False
    memory: bool = False


def db_effect(
    kind: Kind, target: str, detail: str, inv: Invocation, context: dict[str, str] | None = None, **kwargs: object
) -> Effect:
    return Effect.make(kind, target, detail, source=inv.source, context=context, **kwargs)


def db_unknown(reason: str, inv: Invocation, context: dict[str, str] | None = None) -> Effect:
    return Effect.make(Kind.UNKNOWN, inv.source or "?", reason, source=inv.source, context=context)


def interactive_session(inv: Invocation, conn: Conn) -> Effect:
    return db_effect(
        Kind.EXEC_PROGRAM, conn.target, f"opens an interactive {inv.name} session", inv, conn.context, path=conn.path
    )


def stdin_text(inv: Invocation, what: str, conn: Conn) -> str | Effect | None:
    """The text on stdin when known; an unknown effect when it comes from a pipe or unreadable file; None when
    nothing is redirected (an interactive session)."""
    stdin = inv.stdin
    if stdin.text is not None:
        return stdin.text
    if stdin.origin == "none":
        return None
    where = f" {stdin.path}" if stdin.path else ""
    return db_unknown(f"{what} read from {stdin.origin}{where} is not known before it runs", inv, conn.context)


def run_sql(text: str, inv: Invocation, conn: Conn) -> list[Effect]:
    from agentguard.analysis.sql import effects_of_sql

    effects = effects_of_sql(
        text,
        dialect=conn.dialect,
        target=conn.target,
        context=conn.context,
        source=inv.source,
        path=conn.path,
        cwd=conn.cwd,
    )
    return [guarded(e, conn) for e in effects]


def guarded(effect: Effect, conn: Conn) -> Effect:
    """A read-only connection or an in-memory database cannot lose stored data: its writes are reads."""
    if not effect.kind.value.startswith("db."):
        return effect
    if conn.readonly:
        return _as_read(effect, "read-only connection: the change would be refused")
    if conn.memory and effect.path is None:
        return _as_read(effect, "in-memory database: nothing is stored")
    return effect


def _as_read(effect: Effect, why: str) -> Effect:
    return Effect(
        kind=Kind.READ,
        target=effect.target,
        detail=f"{effect.detail} ({why})",
        source=effect.source,
        path=effect.path,
        context=effect.context,
    )


def sql_word(word: Word, inv: Invocation, conn: Conn, flag: str) -> list[Effect]:
    if not word.known:
        return [db_unknown(f"{inv.name} {flag}: SQL not known before it runs ({word.why})", inv, conn.context)]
    return run_sql(word.text, inv, conn)


def read_sql_file(ctx: Context, word: Word, inv: Invocation, conn: Conn, what: str) -> str | Effect:
    if not word.known:
        return db_unknown(f"{what} file name not known before it runs ({word.why})", inv, conn.context)
    text = ctx.read_text(word.text, conn.cwd or inv.cwd)
    if text is None:
        return db_unknown(
            f"{what} file {word.text} could not be read (missing, too large or binary)", inv, conn.context
        )
    return text


def write_output_file(ctx: Context, name: str, inv: Invocation, detail: str, cwd: str | None = None) -> list[Effect]:
    """An output file a client writes (`.output`, `\\o`, `-o`): overwritten when it exists."""
    word = Word.literal(name)
    found = ctx.targets(word, cwd or inv.cwd)
    kind = Kind.FILE_OVERWRITE if found and found[0].exists else Kind.FILE_WRITE
    where = inv if cwd is None else Invocation(inv.words, cwd, inv.source, inv.stdin, inv.assignments)
    return ctx.file_effects(kind, word, where, detail)


def pipe_or_file(ctx: Context, target: str, inv: Invocation, detail: str, cwd: str | None) -> list[Effect]:
    """`|cmd` runs a shell command (output piped to it); anything else is a file written."""
    if target.startswith("|"):
        return ctx.shell(target[1:].strip(), inv)
    if target in ("", "stdout", "stderr", "off", "-"):
        return []
    return write_output_file(ctx, target, inv, detail, cwd)


def split_words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


@dataclass
class Shell:
    """State of one sqlite3/duckdb shell run: the connection and the effects so far."""

    ctx: Context
    inv: Invocation
    conn: Conn
    effects: list[Effect] = field(default_factory=list)
    depth: int = 0


AnyShell = TypeVar("AnyShell", bound=Shell)
Script = Callable[[AnyShell, str], None]  # a client's reader of a script: SQL and its own commands, in order


def script_word(shell: AnyShell, word: Word, flag: str, script: Script[AnyShell]) -> None:
    """A script given as one word (`psql -c`, `mysql -e`, an operand): read it, or say it is not known yet."""
    if word.known:
        script(shell, word.text)
    else:
        why = f"{flag}: SQL not known before it runs ({word.why})"
        shell.effects.append(db_unknown(why, shell.inv, shell.conn.context))


def script_stdin(shell: AnyShell, script: Script[AnyShell], *, interactive: bool = True) -> None:
    """What the client reads on stdin; with nothing redirected, an interactive session (unless `interactive`
    is False: sqlite3 with `-cmd` has already run what it was given)."""
    text = stdin_text(shell.inv, "SQL", shell.conn)
    if text is None:
        if interactive:
            shell.effects.append(interactive_session(shell.inv, shell.conn))
    elif isinstance(text, Effect):
        shell.effects.append(text)
    else:
        script(shell, text)


def script_file(shell: AnyShell, word: Word, script: Script[AnyShell]) -> None:
    """A script file (`-f`, `.read`, `\\i`): read it, followed at most MAX_SCRIPT_DEPTH files deep."""
    text = read_sql_file(shell.ctx, word, shell.inv, shell.conn, "SQL")
    if isinstance(text, Effect):
        shell.effects.append(text)
    elif shell.depth >= MAX_SCRIPT_DEPTH:
        shell.effects.append(db_unknown("SQL files nested too deeply to follow", shell.inv, shell.conn.context))
    else:
        shell.depth += 1
        script(shell, text)
        shell.depth -= 1
