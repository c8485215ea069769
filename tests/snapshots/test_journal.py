"""A restore stopped partway (Ctrl-C, a failed swap) is finished or cleaned up, never left half done or littered.

Kills at random moments are in test_crash.py; these stop a restore at chosen steps and follow what comes next.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentguard.snapshots import journal
from agentguard.snapshots.capture import take
from agentguard.snapshots.restore import restore
from agentguard.snapshots.store import SnapshotError, Store
from agentguard.state import Places

NAMES = ("a.txt", "b.txt", "c.txt", "d.txt")


@pytest.fixture
def store() -> Iterator[Store]:
    with Store.open(Places.from_env().state) as opened:  # the state of this test's AGENTGUARD_HOME
        yield opened


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    root.mkdir()
    for name in NAMES:
        (root / name).write_text(f"saved {name}")
    return root


def contents(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() if p.is_file() else "<dir>" for p in sorted(folder.iterdir())
            if not p.name.startswith(journal.PREFIX)}  # fmt: skip


def temporary_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(journal.PREFIX)]


@contextlib.contextmanager
def stop_at(name: str, when: Callable[..., bool], error: BaseException) -> Iterator[None]:
    """Inside the block, `os.<name>` raises `error` on the call `when` picks (the others go through)."""
    real = getattr(os, name)

    def stopping(*args: object, **kwargs: object) -> object:
        if when(*args):
            raise error
        return real(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, name, stopping)
        yield


def second_swap(folder: Path) -> Callable[..., bool]:
    seen: list[str] = []

    def when(source: object, target: object, *_: object) -> bool:
        if str(target).startswith(str(folder)) and not os.path.basename(str(target)).startswith(journal.PREFIX):
            seen.append(str(target))
        return len(seen) == 2

    return when


def nth_staged_file(number: int) -> Callable[..., bool]:
    staged: list[str] = []

    def when(path: object, *_: object) -> bool:
        if os.path.basename(str(path)).startswith(journal.PREFIX):
            staged.append(str(path))
        return len(staged) == number

    return when


def test_ctrl_c_among_the_swaps_is_finished_by_the_next_restore(folder: Path, store: Store) -> None:
    snap = take(store, [str(folder)])
    for name in NAMES:
        (folder / name).write_text(f"changed {name}")
    with stop_at("replace", second_swap(folder), KeyboardInterrupt()), pytest.raises(KeyboardInterrupt):
        restore(store, snap.id)
    assert contents(folder)["a.txt"] == "saved a.txt" and contents(folder)["b.txt"] == "changed b.txt"
    assert len(temporary_files(folder)) == 3  # kept: complete and flushed, waiting to be put in place
    (folder / "d.txt").write_text("written after the interruption")

    report = restore(store, snap.id)
    (finished,) = report.recovered
    assert finished.action == "finished" and finished.files == 3
    assert contents(folder) == {name: f"saved {name}" for name in NAMES}
    assert temporary_files(folder) == [] and journal.interrupted(store) == []
    # what the recovery replaced is saved: the file written after the interruption included
    assert finished.safety_snapshot is not None
    restore(store, finished.safety_snapshot, to=str(folder.parent / "before-recovery"))
    assert (folder.parent / "before-recovery" / "d.txt").read_text() == "written after the interruption"


def test_ctrl_c_while_staging_touches_nothing_and_is_cleaned_up(folder: Path, store: Store) -> None:
    snap = take(store, [str(folder)])
    for name in NAMES:
        (folder / name).write_text(f"changed {name}")
    before = contents(folder)
    with stop_at("open", nth_staged_file(3), KeyboardInterrupt()), pytest.raises(KeyboardInterrupt):
        restore(store, snap.id)
    assert contents(folder) == before and len(temporary_files(folder)) == 2

    report = restore(store, snap.id, dry_run=True)  # a dry run changes nothing, its leftovers included
    assert report.recovered == [] and len(temporary_files(folder)) == 2
    assert report.pending == [f"a restore of {snap.id} was interrupted (staging); "
                              f"`agentguard restore {snap.id}` finishes it"]  # fmt: skip
    report = restore(store, snap.id)
    assert [(r.action, r.files) for r in report.recovered] == [("cleaned", 2)]
    assert temporary_files(folder) == [] and contents(folder) == {name: f"saved {name}" for name in NAMES}


def test_a_swap_that_cannot_be_made_says_how_far_the_restore_got(folder: Path, store: Store) -> None:
    snap = take(store, [str(folder)])
    (folder / "a.txt").write_text("changed")
    (folder / "c.txt").unlink()
    (folder / "c.txt").mkdir()  # a directory where the snapshot has a file
    with pytest.raises(SnapshotError, match=r"c.txt is a directory now.*2 of 4 files were put in place; "
                                            r"safety snapshot s-\d+ holds what was there before"):  # fmt: skip
        restore(store, snap.id)
    assert contents(folder)["a.txt"] == "saved a.txt" and contents(folder)["c.txt"] == "<dir>"
    assert temporary_files(folder) == [] and journal.interrupted(store) == []


def test_a_snapshot_does_not_save_a_restores_temporary_files(folder: Path, store: Store) -> None:
    (folder / f"{journal.PREFIX}0123456789ab-1").write_text("staged by a restore")
    snap = take(store, [str(folder)])
    assert sorted(os.path.basename(e.path) for e in snap.entries if e.type == "file") == list(NAMES)


def test_doctor_names_an_interrupted_restore_and_restore_finishes_it(folder: Path, store: Store, project: Path) -> None:
    snap = take(store, [str(folder)])
    (folder / "b.txt").write_text("changed")
    with stop_at("replace", second_swap(folder), KeyboardInterrupt()), pytest.raises(KeyboardInterrupt):
        restore(store, snap.id)

    def agentguard(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "agentguard", *args], cwd=project, capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip

    doctor = json.loads(agentguard("doctor", "--json").stdout)
    (check,) = [c for c in doctor["checks"] if c["name"] == "interrupted restores"]
    assert not check["ok"] and f"agentguard restore {snap.id}" in check["detail"] and "3 of 4 files" in check["detail"]
    done = agentguard("restore", snap.id)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"finished an interrupted restore of {snap.id}: 3 file(s) put in place")
    assert contents(folder) == {name: f"saved {name}" for name in NAMES}
    listed = agentguard("ledger", "list", "--kind", "restore", "--json")
    (event,) = [json.loads(line) for line in listed.stdout.splitlines()]
    (recovered,) = event["payload"]["recovered"]  # the ledger says what the recovery did, signed
    assert (recovered["snapshot"], recovered["action"], recovered["files"]) == (snap.id, "finished", 3)
    doctor = json.loads(agentguard("doctor", "--json").stdout)
    assert [c["detail"] for c in doctor["checks"] if c["name"] == "interrupted restores"] == ["none"]
