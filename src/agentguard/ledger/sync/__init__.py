"""`agentguard ledger sync`: checkpoints to the mirrors, the local tree against the newest mirrored anchor, and
break alerts on their schedule, all off the hook's path.

    after_append(ledger, places)   # the hook, after every append: a few µs, spawns a detached sync when due
    sync(places)                   # the detached process, a timer or a person: does the slow work

The hook must never pay for apprise, git, urllib or the TOML config: `after_append` reads a tiny state file
(`sync.json` next to the ledger) that the last sync left behind, compares it with what the open ledger already
knows, and spawns `python -m agentguard ledger sync` only when something is due. Everything `sync` decides
is recorded in the ledger itself (`mirror_failed`, `alert_sent`, `alert_failed`, …), so a resolved break never
alerts again and a ledger restored elsewhere carries its alert history; the state file is only a cache of
"nothing to do", and losing it costs one extra sync.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Any, NamedTuple

from agentguard.ledger import keyring as kr

if TYPE_CHECKING:
    from datetime import datetime

    from agentguard.ledger.ledger import Ledger
    from agentguard.ledger.sync.run import SyncReport
    from agentguard.state import Places

STATE_NAME = "sync.json"
CONFIG_NAME = "agentguard.toml"
LOCK_NAME = "sync.lock"
SPAWN_COOLDOWN = 60  # seconds between spawns while a sync may still be running (no storm of processes)
RETRY_FIRST, RETRY_MAX = 60, 3600  # back-off for failing mirrors, doubling per failed sync
CHECK_EVERY = 300  # with mirrors, a sync at least this often while the hook runs: a rollback of the ledger
# together with its local anchor is caught against the mirrors within minutes, not only at the next checkpoint
# -P: the hook's cwd is the agent's project; without it `-m agentguard` would run an `agentguard/` found there.
SYNC_COMMAND = ("-P", "-m", "agentguard", "ledger", "sync")


class SyncState(NamedTuple):
    """What the last sync left for the hook (plain ints and strings). A NamedTuple, like the ledger's records:
    frozen and typed, and cheaper than a dataclass to import and create in a hook process."""

    published: str = ""  # "<size>:<root hex>" of the checkpoint every mirror took ("" before the first)
    mirrors: int = 0  # configured mirrors at the last sync
    config: str = ""  # "<mtime_ns>:<size>" of the user config then: a changed config makes a sync due
    breaks_seen: int = -1  # the newest chain_break_detected seq the last sync looked at
    alert_due: int = 0  # epoch seconds of the next alert due (0: none)
    retry_at: int = 0  # epoch seconds before which a failed mirror is not retried
    failures: int = 0  # consecutive syncs with a failed mirror (for the back-off)
    check_at: int = 0  # epoch seconds when the mirrored anchor is due to be checked again (with mirrors)
    started: int = 0  # epoch seconds of the last spawn (storm guard)
    spawn_error: str = ""  # why the last spawn failed, recorded by the next sync

    def to_json(self) -> dict[str, Any]:
        return self._asdict()


def state_path(ledger_folder: str) -> str:
    return os.path.join(ledger_folder, STATE_NAME)


def read_state(path: str) -> SyncState | None:
    """The state, or None when missing or unreadable (then a sync is due: it rewrites the file).

    A value of the wrong type makes the whole file unreadable: a damaged file must cause a sync, never stop
    every future one (the comparisons in due_reason would raise, and after_append swallows that)."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    found = {k: data[k] for k in SyncState._fields if k in data}
    defaults = SyncState._field_defaults
    if any(type(value) is not type(defaults[key]) for key, value in found.items()):
        return None
    return SyncState(**found)


def write_state(path: str, state: SyncState) -> None:
    from agentguard.ledger.paths import write_text_atomic

    write_text_atomic(path, json.dumps(state.to_json(), sort_keys=True) + "\n")


def config_stamp(config_dir: str) -> str:
    try:  # config.CONFIG_NAME, spelled out: importing ledger.config costs the hook more than this whole check
        info = os.stat(os.path.join(config_dir, CONFIG_NAME))
    except OSError:
        return ""
    return f"{info.st_mtime_ns}:{info.st_size}"


def checkpoint_id(size: int, root: bytes) -> str:
    return f"{size}:{root.hex()}"


# -- the hook's side --
def due_reason(ledger: Ledger, places: Places, state: SyncState | None, now: int) -> str:
    """Why a sync is due now ("" when it is not). Cheap: one stat, and one indexed row when a break exists."""
    if state is None:
        return "no sync has run yet"
    if now - state.started < SPAWN_COOLDOWN:
        return ""  # one was spawned a moment ago: it is still working, or it will be retried after the cooldown
    if config_stamp(places.config) != state.config:
        return "the user config changed"
    latest = ledger._last_checkpoint
    if (
        state.mirrors
        and latest
        and checkpoint_id(latest.size, latest.root) != state.published
        and (now >= state.retry_at)
    ):
        return f"checkpoint {latest.size} is not mirrored yet"
    if state.alert_due and now >= state.alert_due:
        return "a break alert is due"
    if state.mirrors and now >= state.check_at:
        return "the mirrored anchor is due to be checked again"
    newest = ledger.store.last_rows(1, kr.DETECTED)
    if newest and newest[0].seq > state.breaks_seen:
        return f"break B{newest[0].seq} is new"
    return ""


def after_append(ledger: Ledger, places: Places) -> None:
    """Spawn a detached `agentguard ledger sync` when one is due; never raises, never waits."""
    try:
        path = state_path(ledger.paths.folder)
        state = read_state(path)
        now = int(time.time())
        if due_reason(ledger, places, state, now):
            spawn(path, state or SyncState(), now)
    except Exception:  # the hook's answer must not depend on the sync machinery
        return


def spawn(path: str, state: SyncState, now: int) -> None:
    """Start the sync in its own session, detached from the hook's pipes, after stamping the start time.

    It runs in the ledger's folder, not the project the hook was called from (which it must not keep busy or
    take modules from)."""
    import subprocess
    import sys

    write_state(path, state._replace(started=now))
    try:
        subprocess.Popen(  # our own interpreter and module, fixed arguments
            [sys.executable, *SYNC_COMMAND],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
            cwd=os.path.dirname(path),
        )
    except OSError as exc:
        write_state(path, state._replace(started=now, spawn_error=f"{type(exc).__name__}: {exc}"))


# -- the sync itself (its report, SyncReport, is in run.py: the hook never needs it) --
def sync(places: Places, *, now: datetime | None = None) -> SyncReport:
    """Publish, check the anchor, time out and alert, under a lock (a second concurrent sync returns busy)."""
    import fcntl

    from agentguard.ledger.paths import LedgerPaths
    from agentguard.ledger.sync.run import SyncReport, run

    folder = LedgerPaths.from_places(places).folder
    os.makedirs(folder, mode=0o700, exist_ok=True)
    fd = os.open(os.path.join(folder, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return SyncReport(busy=True)
        return run(places, folder, now)
    finally:
        os.close(fd)
