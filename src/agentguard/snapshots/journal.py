"""The restore journal: a restore killed partway is finished or cleaned up by the next one, never left half done.

A restore of many files cannot rename them all at once. So before it touches anything it writes a journal in
the store (`restores/<token>.json`) naming every temporary file it will write, and holds a lock on
`<token>.lock` while it runs. Once every temporary file is written and flushed and the safety snapshot is
taken, the journal is rewritten with the swaps to make ("swapping"); it is removed when they are all made.

A journal whose lock nobody holds belongs to a restore that was killed:
- still "staging": nothing live was touched; its temporary files are removed;
- "swapping": every temporary file is complete and durable, so the restore is rolled forward. What is in
  place now is saved first (a pinned safety snapshot, as before any restore), then the remaining swaps are
  made. Nothing is lost either way: the user asked for the snapshot's state, and what was there is saved.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from agentguard.snapshots.packs import fsync_dir
from agentguard.snapshots.store import Store

PREFIX = ".agentguard-restore-"  # temporary files beside their targets


@dataclass(frozen=True, slots=True)
class Swap:
    """One temporary file to rename over its target. `database`: the target is a SQLite database, whose
    -wal/-shm/-journal are folded in and removed first (restore.py explains why)."""

    temp: str
    target: str
    database: bool = False


@dataclass(frozen=True, slots=True)
class Finish:
    """A directory's mode and mtime, set once everything inside it is in place."""

    path: str
    mode: int
    mtime_ns: int


@dataclass
class Journal:
    store: Store
    snapshot: str
    token: str
    temps: list[str]
    _lock: IO[str] | None = field(default=None, repr=False)

    @property
    def path(self) -> str:
        return os.path.join(folder(self.store), self.token + ".json")

    def temp_for(self, target: str, index: int) -> str:
        return os.path.join(os.path.dirname(target), f"{PREFIX}{self.token}-{index}")

    def swapping(self, swaps: list[Swap], finish: list[Finish], safety: str | None) -> None:
        """Every temporary file is durable: from here on a killed restore is rolled forward, not undone."""
        for place in sorted({os.path.dirname(t) for t in self.temps if os.path.lexists(t)}):
            fsync_dir(place)  # their names too, so that a power cut cannot make a staged file look swapped
        self._write({
            "snapshot": self.snapshot, "state": "swapping", "temps": self.temps, "safety": safety,
            "swaps": [[s.temp, s.target, s.database] for s in swaps],
            "finish": [[f.path, f.mode, f.mtime_ns] for f in finish],
        })  # fmt: skip

    def close(self) -> None:
        """The restore is over (done or failed with every temporary file removed): forget it."""
        remove([self.path] + ([self._lock.name] if self._lock is not None else []))
        self.release()

    def release(self) -> None:
        """Let go of the journal but keep it, as a kill would: the next restore recovers from it."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _write(self, data: dict[str, Any]) -> None:
        temp = self.path + ".new"
        with open(temp, "w") as handle:
            json.dump(data, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, self.path)
        fsync_dir(folder(self.store))


@contextlib.contextmanager
def begin(store: Store, snapshot: str, temps: Iterator[tuple[str, int]]) -> Iterator[Journal]:
    """Start the journal of a restore of `snapshot`; `temps` gives (target, index) of each file to stage.
    The journal is written, and its lock held, before any temporary file exists."""
    token = secrets.token_hex(6)
    os.makedirs(folder(store), mode=0o700, exist_ok=True)
    with _scanning(store):  # no recovery looks at the folder between the lock's creation and its flock
        lock = open(os.path.join(folder(store), token + ".lock"), "w")  # noqa: SIM115 (closed by Journal.close)
        fcntl.flock(lock, fcntl.LOCK_EX)
    journal = Journal(store, snapshot, token, [], lock)
    journal.temps = [journal.temp_for(target, index) for target, index in temps]
    try:
        journal._write({"snapshot": snapshot, "state": "staging", "temps": journal.temps})
        yield journal
    except Exception:
        journal.close()  # the restore cleaned up after itself and says what happened
        raise
    except BaseException:
        journal.release()  # Ctrl-C or exit midway: left to `recover`, exactly as after a kill
        raise
    journal.close()


@contextlib.contextmanager
def _scanning(store: Store) -> Iterator[None]:
    with open(os.path.join(folder(store), ".scan"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def folder(store: Store) -> str:
    return os.path.join(store.root, "restores")


@dataclass(frozen=True, slots=True)
class Interrupted:
    """A restore that was killed: what it was, what state it reached, and what is left to do. The caller holds
    its lock (`claim`) until `forget`, so that two recoveries never work on the same journal."""

    snapshot: str
    state: str  # "staging" | "swapping"
    temps: tuple[str, ...]
    swaps: tuple[Swap, ...] = ()
    finish: tuple[Finish, ...] = ()
    safety: str | None = None
    path: str = ""
    claim: IO[str] | None = field(default=None, compare=False, repr=False)

    @property
    def pending(self) -> list[Swap]:
        return [s for s in self.swaps if os.path.lexists(s.temp)]


def interrupted(store: Store) -> list[Interrupted]:
    """Journals of restores that nobody runs any more (their lock is free), each claimed by the caller.
    A restore killed while writing its first journal left no temporary file yet: its remains are removed."""
    where = folder(store)
    if not os.path.isdir(where):
        return []
    found = []
    with _scanning(store):
        names = set(os.listdir(where))
        for name in sorted(n for n in names if n.endswith(".lock")):
            token = name[: -len(".lock")]
            claim = _claim(os.path.join(where, name))
            if claim is None:
                continue  # running
            if token + ".json" in names:
                found.append(_load(os.path.join(where, token + ".json"), claim))
            else:
                remove([os.path.join(where, token + ".json.new"), os.path.join(where, name)])
                claim.close()
    return found


def describe_pending(store: Store) -> list[str]:
    """What `agentguard doctor` and a dry run say of each interrupted restore; no restore's files are touched."""
    said = []
    for item in interrupted(store):
        if item.claim is not None:
            item.claim.close()
        left = f"{len(item.pending)} of {len(item.swaps)} files still to put in place" if item.swaps else ""
        said.append(f"a restore of {item.snapshot} was interrupted ({item.state}{', ' + left if left else ''}); "
                    f"`agentguard restore {item.snapshot}` finishes it")  # fmt: skip
    return said


def forget(item: Interrupted) -> None:
    """Remove the journal of an interrupted restore (after it is rolled forward or cleaned up)."""
    remove([item.path, item.path[: -len(".json")] + ".lock", item.path + ".new"])
    if item.claim is not None:
        item.claim.close()


def remove(paths: Iterable[str]) -> None:
    """Remove these files; those already gone are fine (a restore's temporaries, a journal's files)."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _claim(lock_path: str) -> IO[str] | None:
    """The lock of a journal, held, when its restore is not running; None when it is."""
    try:
        handle = open(lock_path)  # noqa: SIM115 (the caller closes it)
    except FileNotFoundError:
        return None  # gone meanwhile: its restore ended
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _load(path: str, claim: IO[str]) -> Interrupted:
    try:
        with open(path) as handle:
            data = json.load(handle)
    except (OSError, ValueError):  # written through a rename, so only a damaged disk gets here
        return Interrupted("?", "staging", (), path=path, claim=claim)
    return Interrupted(
        snapshot=str(data.get("snapshot", "?")),
        state=str(data.get("state", "staging")),
        temps=tuple(data.get("temps", ())),
        swaps=tuple(Swap(t, target, bool(db)) for t, target, db in data.get("swaps", ())),
        finish=tuple(Finish(p, int(mode), int(mtime)) for p, mode, mtime in data.get("finish", ())),
        safety=data.get("safety"),
        path=path,
        claim=claim,
    )
