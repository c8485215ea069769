"""Admin alerts: real apprise deliveries to a loopback webhook receiver, and the re-notify schedule."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from webhook import Receiver

from agentguard.ledger import config
from agentguard.ledger.alerts import (
    Alerter,
    AlertSchedule,
    BreakNotice,
    BreakState,
    audit,
    break_alert,
    resolve_command,
)

T0 = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
NOTICE = BreakNotice(
    break_id="BRK-0007",
    kind="hash_mismatch",
    first_seq=41,
    last_seq=43,
    text="event 42 does not link to event 41 (expected 9f3a…, found 11c0…)",
    detected_at=T0,
)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def apprise_url(scheme: str, hook: Receiver, path: str) -> str:
    return f"{scheme}://{hook.url.removeprefix('http://')}{path}"


def test_json_and_form_urls_deliver_the_alert_with_the_resolve_command(hook: Receiver) -> None:
    title, body = break_alert(NOTICE)
    alerter = Alerter([apprise_url("json", hook, "/json"), apprise_url("form", hook, "/form")])
    result = alerter.send(title, body)
    assert result.ok and len(result.sent) == 2
    by_path = {r.path: r for r in hook.wait_for(2)}
    sent_json = by_path["/json"].json()
    assert (sent_json["title"], sent_json["message"]) == (title, body)
    sent_form = by_path["/form"].form()
    assert (sent_form["title"], sent_form["message"]) == (title, body)
    assert 'agentguard ledger resolve BRK-0007 --validate --reason "…"' in sent_json["message"]


def test_a_failing_url_is_reported_and_the_others_still_get_the_alert(hook: Receiver) -> None:
    with Receiver() as gone:
        closed = apprise_url("json", gone, "/x")  # nothing listens there once `gone` stops
    refusing = Receiver(status=500)
    with refusing:
        urls = [closed, "nonsense://what", apprise_url("json", refusing, "/x"), apprise_url("json", hook, "/ok")]
        result = Alerter(urls).send("title", "body")
    assert [f.index for f in result.failed] == [0, 1, 2]
    assert result.failed[1].error == "apprise cannot use this URL"
    assert "Connection error" in result.failed[0].error
    assert result.failed[2].error.endswith("error=500.")
    assert result.sent == (f"json://{hook.url.removeprefix('http://')}/ok",)
    assert not result.ok
    assert [r.json()["message"] for r in hook.wait_for(1)] == ["body"]


def test_failures_do_not_leak_the_secret_in_the_url() -> None:
    with Receiver() as gone:
        port = gone.url.rsplit(":", 1)[1]
    result = Alerter([f"json://admin:hunter2@127.0.0.1:{port}/x"]).send("t", "b")
    [failure] = result.failed
    assert "hunter2" not in failure.url and "hunter2" not in repr(result)
    assert "hunter2" not in repr(Alerter([f"json://admin:hunter2@127.0.0.1:{port}/x"]))


def test_invalid_urls_are_found_without_sending(hook: Receiver) -> None:
    alerter = Alerter([apprise_url("json", hook, "/x"), "nonsense://what", "no scheme at all"])
    assert [(f.index, f.url) for f in alerter.invalid()] == [(1, "nonsense://…"), (2, "…")]
    assert hook.requests == []


def test_audit_finds_unusable_urls_and_secrets_written_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERT_URL", "json://admin:hunter2@127.0.0.1:9/x")
    settings = config.parse_alerts(
        {
            "urls": [
                "json://127.0.0.1:9/plain",
                "json://admin:hunter2@127.0.0.1:9/x",
                "nonsense://what",
                {"env": "ALERT_URL"},  # a secret from the environment is the right way
                {"env": "UNSET_ALERT_URL"},
            ]
        }
    )
    found = audit(settings)
    assert [(f.index, f.error.split(":")[0]) for f in found] == [
        (1, "carries a secret written in the file"),
        (2, "apprise cannot use this URL"),
    ]
    assert "hunter2" not in repr(found)


def test_no_urls_sends_nothing() -> None:
    result = Alerter([]).send("t", "b")
    assert result.sent == () and result.failed == () and result.ok


def test_urls_from_the_environment(hook: Receiver) -> None:
    settings = config.parse_alerts({"urls": [{"env": "SLACK_URL"}]})
    alerter = Alerter.from_settings(settings, environ={"SLACK_URL": apprise_url("json", hook, "/env")})
    assert alerter.send("t", "b").ok
    assert hook.wait_for(1)[0].path == "/env"


def test_a_missing_env_var_fails_its_url_only_and_says_what_to_do(hook: Receiver) -> None:
    settings = config.parse_alerts({"urls": [{"env": "SLACK_URL"}, apprise_url("json", hook, "/still-sent")]})
    result = Alerter.from_settings(settings, environ={}).send("t", "b")
    assert result.sent == (apprise_url("json", hook, "/still-sent"),)
    [failure] = result.failed
    assert (failure.index, failure.url) == (0, "env:SLACK_URL")
    assert failure.error.startswith("alerts.urls[0]: the environment variable SLACK_URL is not set")
    assert "Export it" in failure.error


def test_the_body_says_what_broke_and_every_way_to_resolve_it() -> None:
    title, body = break_alert(NOTICE, dashboard="https://admin.example/breaks/BRK-0007")
    assert title == "agentguard: ledger break BRK-0007 (hash_mismatch)"
    assert body.splitlines() == [
        "agentguard detected a break in its ledger: hash_mismatch in events 41–43.",
        "event 42 does not link to event 41 (expected 9f3a…, found 11c0…)",
        "Detected at 2026-11-23T05:00:00+00:00.",
        "",
        "Resolve it from your own terminal (it needs the admin key; the agent cannot do it), with one of:",
        '  agentguard ledger resolve BRK-0007 --validate|--ignore|--reject --reason "…"',
        '  agentguard ledger resolve BRK-0007 --validate --reason "…"',
        '  agentguard ledger resolve BRK-0007 --ignore --reason "…"',
        '  agentguard ledger resolve BRK-0007 --reject --reason "…"',
        "Or open https://admin.example/breaks/BRK-0007",
    ]


def test_reminders_say_so_and_single_events_read_naturally() -> None:
    notice = BreakNotice("BRK-1", "rollback", 7, 7, "")
    title, body = break_alert(notice, reminder=2)
    assert title == "agentguard: ledger break BRK-1 (rollback), still open (reminder 2)"
    assert body.splitlines()[:2] == ["agentguard detected a break in its ledger: rollback in event 7.", ""]


def test_a_break_id_that_needs_quoting_is_quoted_so_the_command_stays_exact() -> None:
    command = resolve_command("BRK 9; rm -rf ~", "--reject")
    assert shlex.split(command) == ["agentguard", "ledger", "resolve", "BRK 9; rm -rf ~", "--reject", "--reason", "…"]
    with pytest.raises(ValueError, match="resolution must be one of"):
        resolve_command("BRK-1", "--approve")


SIX_HOURLY = AlertSchedule(first=timedelta(0), every=timedelta(hours=6))
DELAYED = AlertSchedule(first=timedelta(minutes=10), every=timedelta(hours=6))


@pytest.mark.parametrize(
    ("schedule", "state", "now", "send"),
    [
        pytest.param(SIX_HOURLY, BreakState("B", T0), T0, True, id="first-alert-at-detection"),
        pytest.param(DELAYED, BreakState("B", T0), T0 + timedelta(minutes=9), False, id="first-delay-not-over"),
        pytest.param(DELAYED, BreakState("B", T0), T0 + timedelta(minutes=10), True, id="first-delay-over"),
        pytest.param(
            SIX_HOURLY,
            BreakState("B", T0, last_sent=T0),
            T0 + timedelta(hours=5, minutes=59),
            False,
            id="before-renotify",
        ),
        pytest.param(SIX_HOURLY, BreakState("B", T0, last_sent=T0), T0 + timedelta(hours=6), True, id="renotify-due"),
        pytest.param(
            SIX_HOURLY,
            BreakState("B", T0, last_sent=T0 + timedelta(hours=6)),
            T0 + timedelta(hours=7),
            False,
            id="renotify-counts-from-the-last-alert",
        ),
        pytest.param(SIX_HOURLY, BreakState("B", T0, resolved=True), T0, False, id="resolved-before-any-alert"),
        pytest.param(
            SIX_HOURLY,
            BreakState("B", T0, last_sent=T0, resolved=True),
            T0 + timedelta(days=365),
            False,
            id="resolved-never-again",
        ),
    ],
)
def test_schedule(schedule: AlertSchedule, state: BreakState, now: datetime, send: bool) -> None:
    assert schedule.should_send(state, now) is send


def test_next_due_and_due_list() -> None:
    states = [
        BreakState("A", T0),
        BreakState("B", T0, last_sent=T0 + timedelta(hours=1)),
        BreakState("C", T0, resolved=True),
        BreakState("A", T0),  # the same break listed twice is alerted once
    ]
    assert SIX_HOURLY.next_due(states[1]) == T0 + timedelta(hours=7)
    assert SIX_HOURLY.next_due(states[2]) is None
    assert SIX_HOURLY.due(states, T0 + timedelta(hours=2)) == ["A"]
    assert SIX_HOURLY.due(states, T0 + timedelta(hours=7)) == ["A", "B"]


@pytest.mark.parametrize(
    ("first", "every"),
    [pytest.param(timedelta(0), timedelta(0), id="every-zero"), pytest.param(timedelta(-1), timedelta(1), id="neg")],
)
def test_schedule_rejects_nonsense(first: timedelta, every: timedelta) -> None:
    with pytest.raises(ValueError, match="first ≥ 0 and every > 0"):
        AlertSchedule(first=first, every=every)


def test_a_break_over_time_alerts_then_reminds_then_stops(hook: Receiver) -> None:
    """The loop the ledger runs: ask the schedule, send, record when; resolution ends it."""
    schedule = AlertSchedule.from_settings(config.parse_alerts({"renotify_hours": 12}))
    alerter = Alerter([apprise_url("json", hook, "/admin")])
    state = BreakState(NOTICE.break_id, T0)
    for hours in (0, 1, 11, 12, 13, 24, 30):
        now = T0 + timedelta(hours=hours)
        if hours == 30:
            state = BreakState(state.break_id, T0, state.last_sent, resolved=True, alerts_sent=state.alerts_sent)
        if schedule.should_send(state, now):
            assert alerter.send(*break_alert(NOTICE, reminder=state.alerts_sent)).ok
            state = BreakState(state.break_id, T0, last_sent=now, alerts_sent=state.alerts_sent + 1)
    titles = [r.json()["title"] for r in hook.wait_for(3)]
    assert titles == [
        "agentguard: ledger break BRK-0007 (hash_mismatch)",
        "agentguard: ledger break BRK-0007 (hash_mismatch), still open (reminder 1)",
        "agentguard: ledger break BRK-0007 (hash_mismatch), still open (reminder 2)",
    ]
    assert len(hook.posts()) == 3


def test_alert_settings_defaults_and_errors() -> None:
    defaults = config.parse_alerts({})
    assert (defaults.urls, defaults.first, defaults.every) == ((), timedelta(0), timedelta(hours=12))
    with pytest.raises(config.ConfigError, match=r"alerts\.urls must be a list"):
        config.parse_alerts({"urls": "json://x"})
    with pytest.raises(config.ConfigError, match=r"alerts\.urls\[1\]: expected a non-empty string"):
        config.parse_alerts({"urls": ["json://x", ""]})
    with pytest.raises(config.ConfigError, match=r"alerts\.renotify_hours: must be a number > 0"):
        config.parse_alerts({"renotify_hours": 0})
    with pytest.raises(config.ConfigError, match=r"alerts\.email: unknown key"):
        config.parse_alerts({"email": "me@example.org"})


def imported_after(modules: str, watch: tuple[str, ...]) -> list[str]:
    """Which of `watch` a fresh interpreter has loaded after importing `modules`."""
    code = f"import json, sys, {modules}; print(json.dumps(sorted(m for m in {watch!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout))


@pytest.mark.parametrize(
    ("modules", "watch"),
    [
        pytest.param("agentguard.hosts.claude, agentguard.ledger.alerts", ("apprise", "requests"), id="hook"),
        pytest.param(
            "agentguard.ledger.alerts, agentguard.ledger.mirror, agentguard.ledger.config",
            ("apprise", "requests", "tomllib", "urllib.request"),
            id="ledger-modules",
        ),
    ],
)
def test_heavy_imports_wait_until_they_are_needed(modules: str, watch: tuple[str, ...]) -> None:
    assert imported_after(modules, watch) == []
