"""Before the host runs an action the gate lets through, save the protected data the action would destroy.

Which data: every existing path that a delete, overwrite or move would hit and that the policy's
`settings.snapshot` patterns name (databases, secrets…); protected files inside a directory tree that is
deleted or moved; every SQLite database a destructive SQL statement targets; and the PostgreSQL databases of
`settings.snapshot_postgres` that one runs against (pg_dump). Taken for allows and for asks
alike, because a human's approval of an ask comes after the hook has answered.

Fail closed: if the snapshot cannot be taken, the action is NOT allowed without a human — an allow becomes an
ask whose reason says "NOT protected" and why. The snapshot id goes into the reason, so the agent and the
human both see how to undo.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from agentguard.models import Action, Decision, Effect, Kind, Verdict
from agentguard.policy import globs
from agentguard.policy.engine import human_size
from agentguard.policy.model import Policy
from agentguard.state import Places

if TYPE_CHECKING:
    from agentguard.snapshots.model import Snapshot

FILE_KINDS = frozenset({Kind.FILE_DELETE, Kind.FILE_OVERWRITE, Kind.FILE_MOVE})
DB_KINDS = frozenset({Kind.DB_DROP, Kind.DB_TRUNCATE, Kind.DB_DELETE, Kind.DB_UPDATE, Kind.DB_ALTER, Kind.DB_RESET})
MAX_WALK = 50_000  # entries looked at inside a deleted tree before giving up (then: NOT protected)


class NotProtected(Exception):
    """The data an action would destroy cannot be saved first."""


def protect(decision: Decision, action: Action, policy: Policy, places: Places) -> tuple[Decision, Snapshot | None]:
    """`decision` with a snapshot of what it would destroy (and the snapshot), or made an ask when that cannot
    be saved."""
    if decision.verdict == Verdict.DENY:
        return decision, None  # nothing will run
    try:
        paths = sorted(set(targets(decision.effects, policy)))
        databases = postgres_targets(decision.effects, policy)
        if not paths and not databases:
            return decision, None
        _check_size(paths, policy.snapshot_max_bytes)
        snapshot = _take(paths, databases, action, places)
    except NotProtected as exc:
        return _unprotected(decision, str(exc)), None
    except Exception as exc:  # SnapshotError and anything unexpected: never an unprotected allow
        return _unprotected(decision, getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"), None
    names = _names(paths, action.cwd) + (", " if paths and databases else "") + ", ".join(_masked(databases))
    saved = f"{names}, {human_size(snapshot.size)}, {snapshot.seconds:.2f} s"
    note = f"snapshot {snapshot.id} of {saved} — undo: agentguard restore {snapshot.id}"
    return replace(decision, reasons=(*decision.reasons, note), snapshot=snapshot.id), snapshot


def targets(effects: Iterable[Effect], policy: Policy) -> Iterator[str]:
    """Existing paths whose data the effects would destroy and the policy says to save."""
    for effect in effects:
        path = effect.real_path or effect.path
        if effect.pattern and path and effect.kind in FILE_KINDS and _protected(effect, policy):
            yield from _pattern_matches(path, policy)  # find's ROOT/**/NAME not listed in the hook's budget
            continue
        if path is None or not os.path.lexists(path):
            continue
        if effect.kind in DB_KINDS:
            yield path  # a database a destructive statement runs against is data by definition
        elif effect.kind == Kind.DB_WRITE and effect.ctx("rewrites") and _protected(effect, policy):
            yield path  # DELETE/UPDATE … WHERE, ALTER, .import on a protected database: saved whatever the clause
        elif effect.kind in FILE_KINDS:
            if _protected(effect, policy) or effect.ctx("uncommitted"):  # work git would throw away
                yield path
            elif _walkable(path, policy) and effect.kind != Kind.FILE_OVERWRITE:
                yield from _protected_inside(path, policy)


def postgres_targets(effects: Iterable[Effect], policy: Policy) -> list[str]:
    """The `settings.snapshot_postgres` DSNs a destructive statement runs against (same database and host)."""
    found = []
    for effect in effects:
        database = effect.ctx("database")
        if effect.kind not in DB_KINDS or effect.path is not None or not database:
            continue
        host = local_host(effect.ctx("host") or "")
        found += [dsn for dsn in policy.snapshot_postgres if database_of(dsn) == (database, host)]
    return sorted(set(found))


def database_of(dsn: str) -> tuple[str, str]:
    from urllib.parse import urlsplit

    from agentguard.snapshots.postgres import parse

    if dsn.startswith(("postgresql://", "postgres://")):
        host = urlsplit(dsn).hostname or ""
    else:
        host = next((v for k, v in (p.split("=", 1) for p in dsn.split() if "=" in p) if k == "host"), "")
    return parse(dsn).database, local_host(host)


def local_host(host: str) -> str:
    """One name for the local server, however a command line spells it (no host means the local socket)."""
    return "localhost" if host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/") else host


def _masked(dsns: list[str]) -> list[str]:
    from agentguard.snapshots.postgres import parse

    return [parse(dsn).masked for dsn in dsns]


def _protected(effect: Effect, policy: Policy) -> bool:
    return any(globs.matches(p, policy.snapshot_paths) for p in (effect.path, effect.real_path) if p)


def _walkable(path: str, policy: Policy) -> bool:
    """A real directory worth looking into: not a link, not a tree the policy skips (node_modules, /tmp…)."""
    skipped = globs.matches_in(path, policy.snapshot_skip, policy.project_root)
    return os.path.isdir(path) and not os.path.islink(path) and not skipped


def _protected_inside(root: str, policy: Policy) -> Iterator[str]:
    seen = 0
    for folder, dirs, files in os.walk(root):
        seen += len(dirs) + len(files)
        if seen > MAX_WALK:
            raise NotProtected(f"{root} holds more than {MAX_WALK:,} entries: too many to look through")
        for name in dirs + files:
            path = os.path.join(folder, name)
            if globs.matches(path, policy.snapshot_paths):
                yield path
        dirs[:] = [d for d in dirs if _walkable(os.path.join(folder, d), policy)
                   and not globs.matches(os.path.join(folder, d), policy.snapshot_paths)]  # fmt: skip


def _pattern_matches(pattern: str, policy: Policy) -> Iterator[str]:
    """Protected files under ROOT whose name NAME matches, for `ROOT/**/NAME`."""
    import fnmatch

    root, sep, name = pattern.partition("/**/")
    if not sep or "/" in name or not _walkable(root, policy):
        return
    seen = 0
    for folder, dirs, files in os.walk(root):
        seen += len(dirs) + len(files)
        if seen > MAX_WALK:
            raise NotProtected(f"{root} holds more than {MAX_WALK:,} entries: too many to look through")
        for entry in dirs + files:
            path = os.path.join(folder, entry)
            if fnmatch.fnmatchcase(entry, name) and globs.matches(path, policy.snapshot_paths):
                yield path
        dirs[:] = [d for d in dirs if _walkable(os.path.join(folder, d), policy)]


def _check_size(paths: list[str], limit: int) -> None:
    total = 0
    for path in paths:
        for folder, _, files in os.walk(path) if os.path.isdir(path) else [("", [], [path])]:
            for name in files:
                try:
                    total += os.lstat(os.path.join(folder, name)).st_size
                except OSError:
                    continue
        if total > limit:
            raise NotProtected(f"{total / 1e6:,.0f} MB to save is over settings.snapshot_max_mb")


def _take(paths: list[str], databases: list[str], action: Action, places: Places) -> Snapshot:
    from agentguard.snapshots.capture import take
    from agentguard.snapshots.store import Store

    origin = {"command": action.describe()[:500], "host": action.host}
    origin.update({k: v for k, v in (("session", action.session_id), ("tool_use", action.tool_use_id)) if v})
    store = Store.open(places.state)
    try:
        return take(store, paths, reason=f"before: {action.describe()[:200]}", origin=origin, postgres=databases)
    finally:
        store.close()


def _unprotected(decision: Decision, why: str) -> Decision:
    verdict = max(decision.verdict, Verdict.ASK)
    reason = f"NOT protected: the data it would destroy could not be saved first: {why}"
    if decision.would_be is not None:  # shadow mode lets it through; say so, and keep the record
        return replace(decision, reasons=(*decision.reasons, reason), would_be=max(decision.would_be, verdict))
    return replace(decision, verdict=verdict, reasons=(*decision.reasons, reason))


def _names(paths: list[str], cwd: str) -> str:
    shown = ", ".join(os.path.relpath(p, cwd) if p.startswith(cwd.rstrip("/") + "/") else p for p in paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
