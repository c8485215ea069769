"""`agentguard ledger sync` on a real ledger in AGENTGUARD_HOME: a directory and a git mirror, apprise alerts to
a loopback webhook, a rollback found against the mirrored anchor, and the hook-side trigger."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from ledgerkit import fill
from webhook import Receiver

from agentguard.analysis import guard
from agentguard.analysis.types import Invocation, Word
from agentguard.cli.app import cli
from agentguard.ledger import Actor, Ledger
from agentguard.ledger import breaks as br
from agentguard.ledger.mirror import DirectoryMirror, GitMirror
from agentguard.ledger.sync import (
    SyncState,
    after_append,
    checkpoint_id,
    config_stamp,
    due_reason,
    read_state,
    state_path,
    sync,
    write_state,
)
from agentguard.models import Kind
from agentguard.state import Places


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def hook() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@dataclasses.dataclass
class Setup:
    places: Places
    backup: Path  # dir mirror
    repo: Path  # git mirror
    hook: Receiver

    @property
    def mirrors(self) -> tuple[DirectoryMirror, GitMirror]:
        return DirectoryMirror(str(self.backup)), GitMirror(str(self.repo))

    def alerts(self) -> list[dict[str, str]]:
        return [r.json() for r in self.hook.posts()]


def write_config(places: Places, mirrors: list[Path | tuple[str, Path]], alert_url: str = "") -> None:
    lines = []
    for mirror in mirrors:
        kind, path = mirror if isinstance(mirror, tuple) else ("dir", mirror)
        lines += ["[[ledger.mirror]]", f'type = "{kind}"', f'path = "{path}"', ""]
    if alert_url:
        lines += ["[alerts]", f'urls = ["{alert_url}"]', "renotify_hours = 12"]
    os.makedirs(places.config, exist_ok=True)
    Path(places.config, "agentguard.toml").write_text("\n".join(lines) + "\n")


@pytest.fixture
def setup(tmp_path: Path, hook: Receiver) -> Setup:
    places = Places.from_env()
    backup, repo = tmp_path / "backup", tmp_path / "mirror.git"
    alert = f"json://{hook.url.removeprefix('http://')}/alerts"
    write_config(places, [backup, ("git", repo)], alert)
    return Setup(places, backup, repo, hook)


def record(places: Places, count: int) -> str:
    """Append `count` decisions and sign a checkpoint; returns its note."""
    with Ledger.open(places, declare_breaks=True) as ledger:
        fill(ledger, count)
        return ledger.checkpoint()


def events(places: Places, kind: str) -> list[dict[str, object]]:
    with Ledger.open(places, readonly=True) as ledger:
        return [e.payload for e in ledger.events(kind=kind)]


def test_sync_publishes_the_newest_checkpoint_to_every_mirror_once(setup: Setup) -> None:
    note = record(setup.places, 5)
    report = sync(setup.places)
    assert report.ok and report.checkpoint == 6 and report.declared == () and report.alerts == ()
    assert set(report.published) == {m.name for m in setup.mirrors}
    assert [m.latest() for m in setup.mirrors] == [note, note]
    again = sync(setup.places)
    assert again.ok and again.published == () and again.anchor == 6
    commits = subprocess.run(["git", "-C", str(setup.repo), "rev-list", "--count", "HEAD"], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
    assert commits.strip() == "1"


def test_a_failing_mirror_is_recorded_and_retried_while_the_others_get_the_checkpoint(
    setup: Setup, tmp_path: Path
) -> None:
    broken = tmp_path / "not-a-folder"
    broken.write_text("a file where the mirror folder should be\n")
    write_config(setup.places, [setup.backup, broken])
    note = record(setup.places, 3)
    report = sync(setup.places)
    assert not report.ok and report.published == (f"dir:{setup.backup}",)
    assert [f["mirror"] for f in report.mirror_failures] == [f"dir:{broken}"]
    [failed] = events(setup.places, "mirror_failed")
    assert failed["mirror"] == f"dir:{broken}" and failed["op"] == "publish" and failed["size"] == 4
    state = read_state(state_path(os.path.join(setup.places.state, "ledger")))
    assert state is not None and state.published == "" and state.retry_at > time.time()
    broken.unlink()
    retried = sync(setup.places)
    assert retried.ok and set(retried.published) == {f"dir:{setup.backup}", f"dir:{broken}"}
    assert DirectoryMirror(str(broken)).latest() == note


def restore(folder: Path, saved: Path) -> None:
    """Put an older copy of the ledger database and its anchor back, as an attacker (or a careless restore)."""
    for name in ("ledger.db-wal", "ledger.db-shm"):
        (folder / name).unlink(missing_ok=True)
    for item in saved.iterdir():
        shutil.copy2(item, folder / item.name)


def test_a_rollback_is_found_against_the_mirrored_anchor_alerted_on_schedule_and_stops_once_resolved(
    setup: Setup, tmp_path: Path
) -> None:
    folder, saved = Path(setup.places.state, "ledger"), tmp_path / "saved"
    record(setup.places, 5)
    saved.mkdir()
    for name in ("ledger.db", "ledger.db-wal", "anchor.note"):
        if (folder / name).exists():
            shutil.copy2(folder / name, saved / name)
    record(setup.places, 5)
    assert sync(setup.places).ok and setup.mirrors[0].latest() is not None
    restore(folder, saved)

    found = sync(setup.places)
    assert found.anchor == 11 and len(found.declared) == 1 and found.open_breaks == found.declared
    [break_id] = found.declared
    [detected] = events(setup.places, "chain_break_detected")
    assert detected["kind"] == "rollback" and detected["range"] == [6, 10]
    [alert] = setup.hook.wait_for(1)
    body = alert.json()["message"]
    assert f"agentguard ledger resolve {break_id} --validate --reason" in body
    assert [e["break_id"] for e in events(setup.places, "alert_sent")] == [break_id]

    start = datetime.now(UTC)
    quiet = sync(setup.places, now=start + timedelta(hours=1))
    assert quiet.declared == () and quiet.alerts == () and len(setup.hook.posts()) == 1
    reminder = sync(setup.places, now=start + timedelta(hours=13))
    assert [a["reminder"] for a in reminder.alerts] == [1] and len(setup.hook.posts()) == 2
    assert "still open (reminder 1)" in setup.alerts()[1]["title"]
    late = sync(setup.places, now=start + timedelta(hours=73))
    assert late.timeouts == (break_id,) and len(late.alerts) == 1

    result = CliRunner().invoke(cli, ["ledger", "resolve", break_id, "--validate", "--reason", "restored backup"])
    assert result.exit_code == 0, result.output
    after = sync(setup.places, now=start + timedelta(hours=200))
    assert after.ok and after.alerts == () and after.open_breaks == () and after.declared == ()
    os.unlink(state_path(str(folder)))  # a cold start: only the ledger's own events say what was sent
    cold = sync(setup.places, now=start + timedelta(hours=400))
    assert cold.alerts == () and cold.declared == () and len(setup.hook.posts()) == 3


def test_a_failed_alert_is_recorded_and_retried_soon(tmp_path: Path) -> None:
    places = Places.from_env()
    write_config(places, [], "json://127.0.0.1:9/nobody-listens")
    with Ledger.open(places) as ledger:
        fill(ledger, 2)
        event = br.declare(ledger, "hash_mismatch", 1, 1, "a", "b", "test")
    report = sync(places)
    assert [a["ok"] for a in report.alerts] == [False] and not report.ok
    assert [e["break_id"] for e in events(places, "alert_failed")] == [f"B{event.seq}"]
    now = datetime.now(UTC)
    assert sync(places, now=now + timedelta(minutes=5)).alerts == ()
    assert len(sync(places, now=now + timedelta(minutes=20)).alerts) == 1


def test_a_spawn_failure_is_recorded_by_the_next_sync() -> None:
    places = Places.from_env()
    record(places, 1)
    path = state_path(os.path.join(places.state, "ledger"))
    write_state(path, SyncState(spawn_error="OSError: [Errno 12] Cannot allocate memory"))
    sync(places)
    assert events(places, "sync_spawn_failed") == [{"error": "OSError: [Errno 12] Cannot allocate memory"}]
    sync(places)
    assert len(events(places, "sync_spawn_failed")) == 1


def test_a_broken_user_config_is_reported_and_recorded_once_per_version() -> None:
    places = Places.from_env()
    record(places, 1)
    os.makedirs(places.config, exist_ok=True)
    config_file = Path(places.config, "agentguard.toml")
    config_file.write_text("[alerts]\nurls = 'not a list'\n")
    first, second = sync(places), sync(places)
    assert not first.ok and "alerts.urls must be a list" in first.errors[0] and second.errors == first.errors
    assert len(events(places, "sync_config_failed")) == 1
    config_file.write_text("[alerts]\nurls = 'still not a list'\n")
    sync(places)
    assert len(events(places, "sync_config_failed")) == 2


# -- the hook's side --
NOW = 2_000_000_000


def current(ledger: Ledger, places: Places, **changes: object) -> SyncState:
    """The state a sync leaves when everything is done, with `changes`."""
    latest = ledger._last_checkpoint
    assert latest is not None
    newest = ledger.store.last_rows(1, "chain_break_detected")
    done = SyncState(published=checkpoint_id(latest.size, latest.root), mirrors=2, config=config_stamp(places.config),
                     breaks_seen=newest[0].seq if newest else -1, check_at=NOW + 60)  # fmt: skip
    return done._replace(**changes)


@pytest.mark.parametrize(
    ("changes", "due"),
    [
        pytest.param(None, "no sync has run yet", id="no-state"),
        pytest.param({}, "", id="all-done"),
        pytest.param({"published": "3:00"}, "is not mirrored yet", id="new-checkpoint"),
        pytest.param({"published": "3:00", "mirrors": 0}, "", id="new-checkpoint-no-mirrors"),
        pytest.param({"published": "3:00", "retry_at": NOW + 10}, "", id="mirror-backing-off"),
        pytest.param({"published": "3:00", "retry_at": NOW - 10}, "is not mirrored yet", id="mirror-retry"),
        pytest.param({"published": "3:00", "started": NOW - 5}, "", id="sync-just-spawned"),
        pytest.param({"published": "3:00", "started": NOW - 600}, "is not mirrored yet", id="spawned-long-ago"),
        pytest.param({"config": "1:2"}, "the user config changed", id="config-changed"),
        pytest.param({"alert_due": NOW + 60}, "", id="alert-later"),
        pytest.param({"alert_due": NOW - 1}, "a break alert is due", id="alert-due"),
        pytest.param({"check_at": NOW - 1}, "anchor is due to be checked", id="periodic-anchor-check"),
        pytest.param({"check_at": NOW - 1, "mirrors": 0}, "", id="no-mirrors-no-periodic-check"),
    ],
)
def test_due_reason(setup: Setup, changes: dict[str, object] | None, due: str) -> None:
    with Ledger.open(setup.places) as ledger:
        fill(ledger, 2)
        ledger.checkpoint()
        state = None if changes is None else current(ledger, setup.places, **changes)
        reason = due_reason(ledger, setup.places, state, NOW)
    assert (due in reason) if due else reason == ""


def test_a_new_break_makes_a_sync_due_once_seen(setup: Setup) -> None:
    with Ledger.open(setup.places) as ledger:
        fill(ledger, 2)
        seen = current(ledger, setup.places)
        event = br.declare(ledger, "hash_mismatch", 1, 1, "a", "b", "test")
        assert due_reason(ledger, setup.places, seen._replace(published=""), NOW) != ""
        later = current(ledger, setup.places)
        assert due_reason(ledger, setup.places, later._replace(breaks_seen=event.seq - 1), NOW) == (
            f"break B{event.seq} is new"
        )
        assert due_reason(ledger, setup.places, later, NOW) == ""


PROBE = """
import json, sys, time
from agentguard.ledger import Actor, Ledger
from agentguard.state import Places
places = Places.from_env()
with Ledger.open(places, declare_breaks=True) as ledger:
    ledger.append("decision", Actor.agent("s"), {"n": 1})
    before = set(sys.modules)
    from agentguard.ledger.sync import after_append
    start = time.perf_counter()
    after_append(ledger, places)
    first = time.perf_counter() - start
    loaded = sorted(set(sys.modules) - before)
    start = time.perf_counter()
    for _ in range(200):
        after_append(ledger, places)
    mean = (time.perf_counter() - start) / 200
print(json.dumps({"loaded": loaded, "first": first, "mean": mean}))
"""


def test_after_append_when_nothing_is_due_loads_only_itself_and_spawns_nothing(setup: Setup) -> None:
    record(setup.places, 3)
    assert sync(setup.places).ok
    folder = os.path.join(setup.places.state, "ledger")
    before = read_state(state_path(folder))
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    probe = json.loads(out.stdout)
    # The hook imports the module and calls it: only the module itself is loaded (its cost is a benchmark's
    # business, not a unit test's: benchmarks/bench_gate.py times whole hook calls).
    assert probe["loaded"] == ["agentguard.ledger.sync"], probe
    assert read_state(state_path(folder)) == before  # nothing spawned (a spawn stamps `started`)


def test_after_append_spawns_a_detached_sync_that_runs_to_completion(
    setup: Setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the agent's project, where a decoy `agentguard` package must not be what runs."""
    decoy = tmp_path / "project" / "agentguard"
    decoy.mkdir(parents=True)
    marker = tmp_path / "decoy-ran"
    (decoy / "__init__.py").write_text("")
    (decoy / "__main__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(decoy.parent)
    folder = os.path.join(setup.places.state, "ledger")
    with Ledger.open(setup.places, declare_breaks=True) as ledger:
        fill(ledger, 2)
        note = ledger.checkpoint()
        latest = ledger._last_checkpoint
        assert latest is not None
        after_append(ledger, setup.places)
        stamped = read_state(state_path(folder))
        assert stamped is not None and stamped.started > 0
        after_append(ledger, setup.places)  # within the cooldown: no second process
        assert read_state(state_path(folder)) == stamped
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = read_state(state_path(folder))
        if state is not None and state.published == checkpoint_id(latest.size, latest.root):
            break
        time.sleep(0.1)
    else:
        raise AssertionError(f"the detached sync did not finish: {read_state(state_path(folder))}")
    assert [m.latest() for m in setup.mirrors] == [note, note] and not marker.exists()


def test_the_config_name_matches_the_config_module() -> None:
    from agentguard.ledger import config
    from agentguard.ledger import sync as module

    assert module.CONFIG_NAME == config.CONFIG_NAME


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"started": "yesterday"}', id="wrong-type"),
        pytest.param('{"started": true}', id="bool-for-int"),
        pytest.param("[1, 2]", id="not-an-object"),
        pytest.param("{", id="not-json"),
    ],
)
def test_a_damaged_state_file_makes_a_sync_due(setup: Setup, text: str) -> None:
    with Ledger.open(setup.places) as ledger:
        fill(ledger, 1)
        path = state_path(ledger.paths.folder)
        Path(path).write_text(text)
        assert read_state(path) is None
        assert due_reason(ledger, setup.places, read_state(path), NOW) == "no sync has run yet"


def test_after_append_never_raises() -> None:
    places = Places.from_env()
    with Ledger.open(places) as ledger:
        fill(ledger, 1)
        os.makedirs(state_path(ledger.paths.folder))  # a folder where the state file should be: unreadable
        after_append(ledger, places)


# -- the CLI and the gate --
def test_cli_sync_json_and_exit_codes(setup: Setup, tmp_path: Path) -> None:
    record(setup.places, 2)
    result = CliRunner().invoke(cli, ["ledger", "sync", "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 0 and report["ok"] and report["checkpoint"] == 3 and len(report["published"]) == 2
    broken = tmp_path / "file"
    broken.write_text("x")
    write_config(setup.places, [broken])
    result = CliRunner().invoke(cli, ["ledger", "sync"])
    assert result.exit_code == 6 and f"mirror failed (publish): dir:{broken}" in result.stdout


def test_the_gate_keeps_an_agent_from_running_sync() -> None:
    command = "agentguard ledger sync --json"
    words = tuple(Word.literal(w) for w in shlex.split(command))
    effects = guard.agentguard(Invocation(words, "/", command), None)  # type: ignore[arg-type]
    assert [e.kind for e in effects] == [Kind.GUARD_TAMPER]


def test_actor_of_sync_events_is_the_system(setup: Setup, tmp_path: Path) -> None:
    broken = tmp_path / "file"
    broken.write_text("x")
    write_config(setup.places, [broken])
    record(setup.places, 1)
    sync(setup.places)
    with Ledger.open(setup.places, readonly=True) as ledger:
        [event] = list(ledger.events(kind="mirror_failed"))
    assert event.actor == Actor.system("ledger sync")
