"""The work of one sync, under the sync lock: anchor check, timeouts, alerts, then publishing.

Order matters: events this run writes (a declared break, alert records) come before the publish, so the
checkpoint it publishes is the newest one the ledger has; the publish failures are recorded last.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from agentguard.ledger import breaks as br
from agentguard.ledger import config
from agentguard.ledger import keyring as kr
from agentguard.ledger.alerts import Alerter, AlertSchedule, BreakNotice, BreakState, break_alert
from agentguard.ledger.errors import IntegrityError
from agentguard.ledger.event import Actor, Event
from agentguard.ledger.ledger import Ledger
from agentguard.ledger.mirror import Mirror, MirrorFailure, build_mirrors, publish_all, read_anchors
from agentguard.ledger.sync import (
    CHECK_EVERY,
    RETRY_FIRST,
    RETRY_MAX,
    SyncState,
    checkpoint_id,
    config_stamp,
    read_state,
    state_path,
    write_state,
)
from agentguard.state import Places


class SyncReport(NamedTuple):
    """What one sync did (to_json() for `agentguard ledger sync --json`)."""

    busy: bool = False  # another sync held the lock: this one did nothing
    checkpoint: int | None = None  # size of the newest checkpoint
    published: tuple[str, ...] = ()  # mirrors that took it in this run
    mirror_failures: tuple[dict[str, str], ...] = ()
    anchor: int | None = None  # size of the newest mirrored anchor checked
    declared: tuple[str, ...] = ()  # break ids declared by this run
    alerts: tuple[dict[str, Any], ...] = ()  # one per break alerted (sent or failed)
    timeouts: tuple[str, ...] = ()  # break ids that got timeout_no_action
    open_breaks: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not (self.mirror_failures or self.errors or any(not a["ok"] for a in self.alerts))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message_type": "ledger_sync", "ok": self.ok}
        data.update(self._asdict())
        return data


ACTOR = Actor.system("ledger sync")
MIRROR_FAILED, ALERT_SENT, ALERT_FAILED = "mirror_failed", "alert_sent", "alert_failed"
SPAWN_FAILED, CONFIG_FAILED = "sync_spawn_failed", "sync_config_failed"
ALERT_RETRY = timedelta(minutes=15)  # after an alert no URL took, try again this soon (not after `every`)


def run(places: Places, folder: str, now: datetime | None) -> SyncReport:
    path = state_path(folder)
    state = read_state(path) or SyncState()
    stamp = config_stamp(places.config)
    if stamp != state.config:  # the mirrors may have changed: a new one must get the newest checkpoint too
        state = state._replace(published="", retry_at=0)
    settings, errors = _settings(places)
    hours = max(1, int(settings.ledger.break_timeout.total_seconds()) // 3600)  # payloads carry no floats
    with Ledger.open(places, declare_breaks=True, break_timeout_hours=hours) as ledger:
        if state.spawn_error:
            ledger.append(SPAWN_FAILED, ACTOR, {"error": state.spawn_error})
        if errors and stamp != state.config:  # once per version of the broken file, not at every sync
            ledger.append(CONFIG_FAILED, ACTOR, {"error": errors[0]})
        mirrors, build_failed = build_mirrors(settings.ledger.mirrors)
        _record(ledger, build_failed, "config", None)
        anchor, declared, unread = _check_anchor(ledger, mirrors)
        now = now or datetime.now(UTC)  # read after the anchor check: a break it declares is due at once
        timeouts = [str(e.payload["break_id"]) for e in br.check_timeouts(ledger, hours, now.timestamp())]
        alerts, alert_due = _alert(ledger, settings.alerts, now)
        report = SyncReport(anchor=anchor, declared=declared, timeouts=tuple(timeouts), alerts=tuple(alerts),
                            mirror_failures=tuple(unread), errors=tuple(errors))  # fmt: skip
        report, state = _publish(ledger, mirrors, build_failed, state, report, int(now.timestamp()))
        newest = ledger.store.last_rows(1, kr.DETECTED)
        open_breaks = tuple(b.id for b in br.breaks(ledger) if b.resolution is None)
    latest = read_state(path) or state  # a hook may have stamped a spawn meanwhile: keep its start time
    write_state(path, state._replace(mirrors=len(settings.ledger.mirrors), config=stamp,
                                          breaks_seen=newest[0].seq if newest else -1, alert_due=alert_due,
                                          check_at=int(now.timestamp()) + CHECK_EVERY,
                                          started=latest.started, spawn_error=""))  # fmt: skip
    return report._replace(open_breaks=open_breaks)


def _settings(places: Places) -> tuple[config.Settings, list[str]]:
    """The user's settings; a broken file still lets the sync check and time out (with nothing configured)."""
    try:
        return config.user_settings(places), []
    except config.ConfigError as exc:
        return config.Settings(), [exc.message]


def _record(ledger: Ledger, failures: Sequence[MirrorFailure], op: str, size: int | None) -> list[dict[str, str]]:
    found = []
    for failure in failures:
        payload: dict[str, Any] = {"mirror": failure.mirror, "error": failure.error, "op": op}
        if size is not None:
            payload["size"] = size
        ledger.append(MIRROR_FAILED, ACTOR, payload)
        found.append({"mirror": failure.mirror, "error": failure.error, "op": op})
    return found


# -- the newest mirrored anchor --
def _check_anchor(
    ledger: Ledger, mirrors: Sequence[Mirror]
) -> tuple[int | None, tuple[str, ...], list[dict[str, str]]]:
    """The local tree must contain the newest checkpoint any mirror holds; if not, that is a declared break.

    Only the newest: a mirror that missed some publishes holds an older note of the same history, and one
    rollback must make one break, not one per mirror."""
    found = read_anchors(mirrors)
    unread = _record(ledger, found.failed, "read", None)
    newest = found.newest
    if newest is None:
        return None, (), unread
    try:
        ledger.check_anchor(newest.note)
    except IntegrityError as exc:
        # A note that is not this ledger's (another origin, or not signed by its keys) has no expected value of
        # its own: name it by its digest, so the same note is declared once.
        digest = hashlib.sha256(newest.note.encode()).hexdigest()
        expected = exc.expected or f"a checkpoint of {ledger.origin} (note sha256 {digest})"
        actual = exc.actual or exc.message
        kind = exc.kind if exc.expected else "foreign_anchor"
        if any(b.event.payload.get("expected") == expected for b in br.breaks(ledger)):
            return newest.size, (), unread
        event = br.declare(ledger, kind, exc.seq, exc.last, expected, actual,
                           f"ledger sync: newest mirrored checkpoint ({newest.mirror})", reached=exc.reached,
                           checkpoint=exc.checkpoint)  # fmt: skip
        return newest.size, (f"B{event.seq}",), unread
    return newest.size, (), unread


# -- alerts --
def _alert(ledger: Ledger, settings: config.AlertSettings, now: datetime) -> tuple[list[dict[str, Any]], int]:
    """Alert every open break that is due; the schedule's state is read from the ledger's own events.

    Returns what was sent and the epoch second of the next alert due (0: none), for the hook's cheap check."""
    if not settings.urls:
        return [], 0
    schedule = AlertSchedule.from_settings(settings)
    sent, failed = _history(ledger, ALERT_SENT), _history(ledger, ALERT_FAILED)
    alerter: Alerter | None = None
    done: list[dict[str, Any]] = []
    next_due: list[datetime] = []
    for found in br.breaks(ledger):
        if found.resolution is not None:
            continue  # validated, ignored or rejected: a human has answered, never alert again
        times = sent.get(found.id, [])
        state = BreakState(found.id, _when(found.event), max(times, default=None), alerts_sent=len(times))
        due = schedule.next_due(state)
        last_failed = max(failed.get(found.id, []), default=None)
        if due is not None and last_failed is not None and (state.last_sent is None or last_failed > state.last_sent):
            due = max(due, last_failed + ALERT_RETRY)
        if due is None or now < due:
            next_due += [due] if due is not None else []
            continue
        alerter = alerter or Alerter.from_settings(settings)
        outcome = _send(ledger, alerter, found, len(times), settings.dashboard)
        done.append(outcome)
        next_due.append(now + (schedule.every if outcome["ok"] else ALERT_RETRY))
    return done, int(min(next_due).timestamp()) if next_due else 0


def _send(ledger: Ledger, alerter: Alerter, found: br.Break, reminder: int, dashboard: str) -> dict[str, Any]:
    title, body = break_alert(_notice(found), reminder=reminder, dashboard=dashboard)
    result = alerter.send(title, body)
    failures = [{"url": f.url, "error": f.error} for f in result.failed]
    payload = {"break_id": found.id, "reminder": reminder, "sent": list(result.sent), "failed": failures}
    ledger.append(ALERT_SENT if result.sent else ALERT_FAILED, ACTOR, payload)
    return {"ok": bool(result.sent) and not failures, **payload}


def _notice(found: br.Break) -> BreakNotice:
    p = found.event.payload
    span = p.get("range") if isinstance(p.get("range"), list) else []
    first = span[0] if span and isinstance(span[0], int) else found.event.seq
    last = span[-1] if span and isinstance(span[-1], int) else first
    text = str(p.get("message") or "")
    if p.get("expected") or p.get("actual"):
        text = (text + "\n" if text else "") + f"Expected {p.get('expected') or '-'}; found {p.get('actual') or '-'}."
    if p.get("detected_by"):
        text += f"\nDetected by: {p['detected_by']}."
    return BreakNotice(found.id, str(p.get("kind") or "break"), first, last, text, _when(found.event))


def _history(ledger: Ledger, kind: str) -> dict[str, list[datetime]]:
    found: dict[str, list[datetime]] = {}
    for event in ledger.events(kind=kind):
        found.setdefault(str(event.payload.get("break_id")), []).append(_when(event))
    return found


def _when(event: Event) -> datetime:
    if isinstance(event.time, int):
        return datetime.fromtimestamp(event.time, UTC)
    try:
        return datetime.fromisoformat(str(event.time))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)  # unreadable: long ago, so an open break alerts at once


# -- publishing --
def _publish(ledger: Ledger, mirrors: Sequence[Mirror], build_failed: Sequence[MirrorFailure], state: SyncState,
             report: SyncReport, now: int) -> tuple[SyncReport, SyncState]:  # fmt: skip
    """The newest checkpoint to every mirror, unless every mirror already took it; failures back off."""
    latest = ledger.store.latest_checkpoint()
    if latest is None:
        return report, state
    report = report._replace(checkpoint=latest.size)
    ident = checkpoint_id(latest.size, latest.root)
    if not mirrors and not build_failed:
        return report, state
    if ident == state.published and not build_failed:
        return report, state
    published = publish_all(mirrors, latest.note, latest.size)
    failures = [*build_failed, *published.failed]
    recorded = _record(ledger, published.failed, "publish", latest.size)
    all_failures = (*report.mirror_failures, *({"mirror": f.mirror, "error": f.error, "op": "config"}
                                               for f in build_failed), *recorded)  # fmt: skip
    report = report._replace(published=published.published, mirror_failures=all_failures)
    if failures:
        wait = min(RETRY_MAX, RETRY_FIRST << min(state.failures, 10))
        return report, state._replace(failures=state.failures + 1, retry_at=now + wait)
    return report, state._replace(published=ident, failures=0, retry_at=0)
