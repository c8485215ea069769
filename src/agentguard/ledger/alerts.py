"""Admin alerts about ledger breaks, sent through apprise, and the schedule that decides when to (re-)send.

apprise is imported inside `Alerter.send` only: it pulls in requests and a plugin registry, far too much for
the hook, which must start in milliseconds and never needs to alert by itself.

An alert carries the exact command that resolves the break, because the person reading it on a phone must not
have to look up how. A resolved break never alerts again; an open one is re-notified every `every`.
"""

from __future__ import annotations

import logging
import os
import shlex
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from agentguard.ledger import config

if TYPE_CHECKING:
    from apprise import NotifyBase

RESOLUTIONS = ("--validate", "--ignore", "--reject")


@dataclass(frozen=True, slots=True)
class AlertFailure:
    index: int  # position in the configured list
    url: str  # with its secrets masked, fit for a ledger record
    error: str


@dataclass(frozen=True, slots=True)
class AlertResult:
    sent: tuple[str, ...]  # masked URLs that took the alert
    failed: tuple[AlertFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failed


class Alerter:
    """Sends one title + body to every URL separately, so each failure is known by URL."""

    def __init__(self, urls: Sequence[str]) -> None:
        self._targets = tuple(enumerate(urls))  # (index in the configured list, URL)
        self._unresolved: tuple[AlertFailure, ...] = ()

    def __repr__(self) -> str:  # apprise URLs embed tokens
        return f"Alerter({len(self._targets)} urls)"

    @classmethod
    def from_settings(cls, settings: config.AlertSettings, environ: Mapping[str, str] | None = None) -> Alerter:
        """An alerter for the configured URLs. An `{ env = … }` URL whose variable is not set does not stop the
        others: it is reported as failed, with what to do, in every AlertResult."""
        alerter = cls([])
        targets: list[tuple[int, str]] = []
        unresolved: list[AlertFailure] = []
        for index, value in enumerate(settings.urls):
            try:
                targets.append((index, config.resolve(value, f"alerts.urls[{index}]", environ)))
            except config.ConfigError as exc:
                shown = f"env:{value.name}" if isinstance(value, config.EnvRef) else "…"
                unresolved.append(AlertFailure(index=index, url=shown, error=exc.message))
        alerter._targets, alerter._unresolved = tuple(targets), tuple(unresolved)
        return alerter

    def invalid(self) -> tuple[AlertFailure, ...]:
        """The URLs apprise cannot use, found without sending anything (for `doctor` and start-up checks)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import apprise

            asset = apprise.AppriseAsset(storage_mode="memory")
            return tuple(
                AlertFailure(index=i, url=_masked(None, url), error="apprise cannot use this URL")
                for i, url in self._targets
                if apprise.Apprise.instantiate(url, asset=asset) is None
            )

    def send(self, title: str, body: str) -> AlertResult:
        with warnings.catch_warnings():  # apprise loads plugins that import the deprecated imghdr module
            warnings.simplefilter("ignore", DeprecationWarning)
            return self._send(title, body)

    def _send(self, title: str, body: str) -> AlertResult:
        import apprise

        asset = apprise.AppriseAsset(storage_mode="memory")  # write nothing to disk on the admin's behalf
        sent: list[str] = []
        failed: list[AlertFailure] = list(self._unresolved)
        for index, url in self._targets:
            with apprise.LogCapture(level=logging.WARNING) as log:  # type: ignore[no-untyped-call]
                plugin = apprise.Apprise.instantiate(url, asset=asset)
                ok = plugin is not None and _notify(plugin, title, body)
            shown = _masked(plugin, url)
            if ok:
                sent.append(shown)
            else:
                why = "apprise cannot use this URL" if plugin is None else _last_line(log.getvalue())
                failed.append(AlertFailure(index=index, url=shown, error=why))
        return AlertResult(sent=tuple(sent), failed=tuple(sorted(failed, key=lambda f: f.index)))


def audit(settings: config.AlertSettings, environ: Mapping[str, str] | None = None) -> tuple[AlertFailure, ...]:
    """What is wrong with the configured URLs, sending nothing (for `doctor`): URLs apprise cannot use, and
    URLs written inline in the file that carry a secret (apprise masks part of them), which belong in
    `{ env = "NAME" }`. An env reference is checked for the first problem only when its variable is set."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise

        asset = apprise.AppriseAsset(storage_mode="memory")
        found: list[AlertFailure] = []
        for index, value in enumerate(settings.urls):
            url = value if isinstance(value, str) else (os.environ if environ is None else environ).get(value.name, "")
            plugin = apprise.Apprise.instantiate(url, asset=asset) if url else None
            if url and plugin is None:
                found.append(AlertFailure(index, _masked(None, url), "apprise cannot use this URL"))
            elif plugin is not None and isinstance(value, str) and _masked(plugin, url) != _full(plugin):
                error = 'carries a secret written in the file: move the URL to { env = "NAME" }'
                found.append(AlertFailure(index, _masked(plugin, url), error))
        return tuple(found)


def _full(plugin: NotifyBase) -> str:
    return str(plugin.url(privacy=False)).partition("?")[0]  # type: ignore[no-untyped-call]


def _notify(plugin: NotifyBase, title: str, body: str) -> bool:
    try:
        return bool(plugin.notify(title=title, body=body))
    except Exception:  # a plugin bug is a failed URL, never a crash of the ledger
        logging.getLogger("apprise").exception("the apprise plugin raised")
        return False


def _masked(plugin: NotifyBase | None, url: str) -> str:
    if plugin is not None:
        # privacy=True masks the tokens; the query holds only apprise's own options, noise in a record.
        return str(plugin.url(privacy=True)).partition("?")[0]  # type: ignore[no-untyped-call]
    scheme = url.partition("://")[0]
    return f"{scheme}://…" if scheme != url else "…"


def _last_line(text: str) -> str:
    lines = [line.split(" - ", 2)[-1] for line in text.strip().splitlines()]
    return lines[-1] if lines else "the notification was not delivered"


@dataclass(frozen=True, slots=True)
class BreakNotice:
    """What an alert says about a break: which, what kind, which events, and a human sentence."""

    break_id: str
    kind: str  # hash_mismatch, bad_signature, missing_events, rollback, …
    first_seq: int
    last_seq: int
    text: str
    detected_at: datetime | None = None


def resolve_command(break_id: str, resolution: str) -> str:
    if resolution not in RESOLUTIONS:
        raise ValueError(f"resolution must be one of {', '.join(RESOLUTIONS)}")
    return f'agentguard ledger resolve {shlex.quote(break_id)} {resolution} --reason "…"'


def break_alert(notice: BreakNotice, *, reminder: int = 0, dashboard: str = "") -> tuple[str, str]:
    """(title, body) of the alert; `reminder` counts the alerts already sent for this break."""
    span = f"event {notice.first_seq}" if notice.first_seq == notice.last_seq else (
        f"events {notice.first_seq}–{notice.last_seq}")  # fmt: skip
    title = f"agentguard: ledger break {notice.break_id} ({notice.kind})"
    if reminder:
        title += f", still open (reminder {reminder})"
    lines = [f"agentguard detected a break in its ledger: {notice.kind} in {span}."]
    if notice.text.strip():
        lines.append(notice.text.strip())
    if notice.detected_at is not None:
        lines.append(f"Detected at {notice.detected_at.isoformat(timespec='seconds')}.")
    lines += [
        "",
        "Resolve it from your own terminal (it needs the admin key; the agent cannot do it), with one of:",
        f'  agentguard ledger resolve {shlex.quote(notice.break_id)} --validate|--ignore|--reject --reason "…"',
        *(f"  {resolve_command(notice.break_id, r)}" for r in RESOLUTIONS),
    ]
    if dashboard:
        lines.append(f"Or open {dashboard}")
    return title, "\n".join(lines)  # no final newline: apprise strips it, and the sent text must equal this


@dataclass(frozen=True, slots=True)
class BreakState:
    """What the ledger knows of one break when deciding whether to alert."""

    break_id: str
    detected_at: datetime
    last_sent: datetime | None = None  # None: never alerted
    resolved: bool = False
    alerts_sent: int = 0


@dataclass(frozen=True, slots=True)
class AlertSchedule:
    first: timedelta = timedelta(0)  # from detection to the first alert
    every: timedelta = timedelta(hours=12)  # between alerts while the break stays open

    def __post_init__(self) -> None:
        if self.first < timedelta(0) or self.every <= timedelta(0):
            raise ValueError("AlertSchedule needs first ≥ 0 and every > 0")

    @classmethod
    def from_settings(cls, settings: config.AlertSettings) -> AlertSchedule:
        return cls(first=settings.first, every=settings.every)

    def next_due(self, state: BreakState) -> datetime | None:
        """When the next alert is due; None once the break is resolved."""
        if state.resolved:
            return None
        if state.last_sent is None:
            return state.detected_at + self.first
        return state.last_sent + self.every

    def should_send(self, state: BreakState, now: datetime) -> bool:
        due = self.next_due(state)
        return due is not None and now >= due

    def due(self, states: Iterable[BreakState], now: datetime) -> list[str]:
        """Ids of the breaks to alert about now, each once."""
        return list(dict.fromkeys(s.break_id for s in states if self.should_send(s, now)))
