"""Which snapshots to keep: the last N, plus the newest of each of the last D days and W weeks.

A plan is computed first and shown; `prune` carries it out. Two kinds of snapshot are never removed, whatever
the policy says: pinned ones (safety snapshots taken before a restore) and the newest verified snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agentguard.snapshots.model import Snapshot
from agentguard.snapshots.store import Store


@dataclass(frozen=True, slots=True)
class Retention:
    keep_last: int = 20
    keep_daily: int = 7
    keep_weekly: int = 4


@dataclass(frozen=True, slots=True)
class Plan:
    keep: tuple[tuple[str, str], ...]  # (snapshot id, why it is kept)
    remove: tuple[str, ...]


def plan(snapshots: list[Snapshot], retention: Retention, verified: dict[str, str | None]) -> Plan:
    """`snapshots` oldest first; `verified` maps ids to when they were last verified (None: never)."""
    reasons: dict[str, str] = {}
    newest_first = list(reversed(snapshots))
    for snap in newest_first[: retention.keep_last]:
        reasons.setdefault(snap.id, f"one of the last {retention.keep_last}")
    _keep_per_period(newest_first, retention.keep_daily, "%Y-%m-%d", "newest of its day", reasons)
    _keep_per_period(newest_first, retention.keep_weekly, "%G-W%V", "newest of its week", reasons)
    for snap in snapshots:
        if snap.pinned:
            reasons[snap.id] = "pinned (safety snapshot before a restore)"
    newest_verified = next((s for s in newest_first if verified.get(s.id)), None)
    if newest_verified is not None:
        reasons[newest_verified.id] = "the newest verified snapshot"
    keep = tuple((s.id, reasons[s.id]) for s in snapshots if s.id in reasons)
    remove = tuple(s.id for s in snapshots if s.id not in reasons)
    return Plan(keep, remove)


def _keep_per_period(newest_first: list[Snapshot], count: int, period: str, why: str, reasons: dict[str, str]) -> None:
    seen: list[str] = []
    for snap in newest_first:
        key = datetime.fromisoformat(snap.created).strftime(period)
        if key not in seen:
            if len(seen) == count:
                return
            seen.append(key)
            reasons.setdefault(snap.id, why)


def prune(store: Store, retention: Retention, *, dry_run: bool) -> tuple[Plan, int]:
    """Compute the plan and, unless `dry_run`, carry it out; returns the plan and the bytes freed."""
    with store.lock():
        snapshots = store.list()
        decided = plan(snapshots, retention, {s.id: store.verified_at(s.id) for s in snapshots})
        if dry_run or not decided.remove:
            return decided, 0
        return decided, store.remove(list(decided.remove))
