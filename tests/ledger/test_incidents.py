"""One incident, one break: a lost event a checkpoint covered, an anchor deleted, put back or replaced, and
writers in many processes at once (which must declare no break at all)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ledgerkit import fill, tamper

from agentguard.ledger import Ledger
from agentguard.ledger import keyring as kr
from agentguard.ledger.breaks import Break, breaks, resolve
from agentguard.ledger.errors import IntegrityError
from agentguard.ledger.keys import load_key
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.verify import verify


def restart(folder: LedgerPaths, events: int = 2) -> list[Break]:
    """A later process start that writes (checkpoint_seconds=0: as if a minute had passed, a checkpoint is due)."""
    with Ledger.at(folder, declare_breaks=True, checkpoint_seconds=0) as ledger:
        fill(ledger, events)
        return breaks(ledger)


def checkpointed(folder: LedgerPaths, events: int = 9) -> None:
    """A ledger whose newest checkpoint covers its newest event (the usual shape at a restart)."""
    with Ledger.at(folder) as ledger:
        fill(ledger, events)
        ledger.checkpoint()


def resolved_once(folder: LedgerPaths, found: list[Break]) -> None:
    """One break, one resolution, verify clean after it, and nothing declared again by two more restarts."""
    assert len(found) == 1
    before = verify(folder)
    assert before.ok and before.status == "broken_declared", before.problems
    with Ledger.at(folder, declare_breaks=True) as ledger:
        resolve(ledger, found[0].id, "validate", "looked into it", load_key(folder.admin_key))
    assert verify(folder).ok and verify(folder).status == "ok"
    for _ in range(2):
        again = restart(folder)
        assert [b.id for b in again] == [found[0].id] and again[0].status == "resolved"
    after = verify(folder)
    assert after.ok and after.status == "ok", after.problems


def test_a_lost_event_a_checkpoint_covered_is_one_break_with_its_evidence(folder: LedgerPaths) -> None:
    checkpointed(folder)  # events 0..9, checkpoint of 10
    with Ledger.at(folder, readonly=True) as reader:
        lost_hash = reader.event(9).hash.hex()
    tamper(folder.db, ("DELETE FROM events WHERE seq = 9", ()))  # lost at a restart; the head still names it
    with pytest.raises(IntegrityError, match=r"events 9\.\.9 are gone"):
        Ledger.at(folder, readonly=True)
    found = restart(folder)
    with Ledger.at(folder, readonly=True) as reader:
        placeholder, stamped = reader.event(9), reader.event(10)
    assert placeholder.kind == kr.LOST and placeholder.payload == {"lost_event": 9}
    assert stamped.kind == kr.DETECTED and found[0].id == "B10"  # a number no lost event ever had
    payload = stamped.payload
    assert payload["kind"] == "missing_events" and payload["range"] == [9, 9] and payload["lost"] == [9, 9]
    assert payload["expected"] == f"event 9 with hash {lost_hash}" and payload["actual"] == "last stored event 8"
    assert payload["checkpoint"].startswith("10 events, root ")
    sizes = [c.size for c in Ledger.at(folder, readonly=True).store.checkpoints()]
    assert 10 in sizes and 11 in sizes  # the old checkpoint kept, the new segment's one actually stored
    resolved_once(folder, found)


def test_a_deleted_anchor_is_a_break_never_a_silent_new_anchor(folder: LedgerPaths) -> None:
    checkpointed(folder)
    os.unlink(folder.anchor)
    with pytest.raises(IntegrityError, match="anchor file is gone"):
        Ledger.at(folder, readonly=True)
    report = verify(folder)
    assert not report.ok and "anchor file is gone" in report.problems[0].what
    found = restart(folder)
    payload = found[0].event.payload
    assert payload["kind"] == "anchor_missing" and payload["expected"].startswith("10 events, root ")
    assert payload["actual"] == "no anchor file" and payload["lost"] is None
    resolved_once(folder, found)


def test_a_truncated_ledger_with_its_anchor_deleted_is_caught(folder: LedgerPaths, tmp_path: Path) -> None:
    checkpointed(folder, 4)
    shutil.copy(folder.db, tmp_path / "older.db")
    checkpointed(folder, 10)
    for suffix in ("-wal", "-shm"):
        Path(folder.db + suffix).unlink(missing_ok=True)
    shutil.copy(tmp_path / "older.db", folder.db)
    os.unlink(folder.anchor)  # no key needed: what the attacker did
    found = restart(folder)
    assert [b.event.payload["kind"] for b in found] == ["anchor_missing"]
    resolved_once(folder, found)


def test_an_older_anchor_put_back_is_a_break(folder: LedgerPaths) -> None:
    checkpointed(folder, 4)
    older = Path(folder.anchor).read_text()
    checkpointed(folder, 10)
    Path(folder.anchor).write_text(older)
    report = verify(folder)
    assert not report.ok and "older than the newest stored checkpoint" in report.problems[0].what
    found = restart(folder)
    payload = found[0].event.payload
    assert payload["kind"] == "anchor_stale" and payload["actual"].startswith("5 events, root ")
    resolved_once(folder, found)


def test_an_anchor_no_key_of_the_ledger_signed_is_a_break(folder: LedgerPaths, tmp_path: Path) -> None:
    checkpointed(folder)
    other = LedgerPaths(str(tmp_path / "other"))
    checkpointed(other)
    shutil.copy(other.anchor, folder.anchor)
    found = restart(folder)
    assert [b.event.payload["kind"] for b in found] == ["anchor_invalid"]
    resolved_once(folder, found)


def test_a_writer_that_died_between_anchor_and_commit_is_no_break(folder: LedgerPaths) -> None:
    """The anchor is written before its checkpoint row commits: a crash in between leaves an anchor of exactly
    the committed tree and no row. The next start stores the row again; nothing is declared."""
    checkpointed(folder)
    tamper(folder.db, ("DELETE FROM checkpoints WHERE size = 10", ()))
    found = restart(folder)
    assert found == []
    with Ledger.at(folder, readonly=True) as reader:
        assert 10 in [c.size for c in reader.store.checkpoints()]
    assert verify(folder).ok


WRITER = """
import sys
sys.path.insert(0, {tests!r})
from ledgerkit import fill
from agentguard.ledger import Ledger
from agentguard.ledger.paths import LedgerPaths
for _ in range({opens}):
    with Ledger.at(LedgerPaths({folder!r}), declare_breaks=True, checkpoint_every=3) as ledger:
        fill(ledger, {events})
"""


def test_writers_in_many_processes_declare_no_break(folder: LedgerPaths) -> None:
    """Each process opens (the start-up check), appends and checkpoints every 3 events, many times over: the
    checks race the other processes' appends, checkpoints and anchor writes, and must never call that a break."""
    Ledger.at(folder).close()
    script = WRITER.format(tests=os.path.dirname(__file__), folder=folder.folder, opens=6, events=4)
    procs = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(12)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 12
    with Ledger.at(folder, readonly=True) as reader:
        assert list(reader.events(kind=kr.DETECTED)) == []
        assert len(list(reader.events(kind="decision"))) == 12 * 6 * 4
    report = verify(folder)
    assert report.ok and report.status == "ok" and report.checkpoints > 20
