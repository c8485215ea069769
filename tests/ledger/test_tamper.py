"""Tampering with a REAL ledger file is detected, with the right first bad sequence number.

Each test builds a ledger through the public API (SQLite file, key files, anchor note), edits the database the
way an attacker with file access would, and runs the full verification (and the start-up check where it
applies). Untouched ledgers never flag.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledgerkit import fill, rows, tamper

from agentguard.ledger import Actor, Ledger
from agentguard.ledger.errors import IntegrityError
from agentguard.ledger.event import Event, signed_bytes
from agentguard.ledger.keys import KeyPair, Signer, load_key
from agentguard.ledger.merkle import Frontier
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.verify import Report, verify


def build(folder: LedgerPaths, count: int = 30, *, rotate_at: int | None = None) -> None:
    with Ledger.at(folder, checkpoint_every=10) as ledger:
        for i in range(count):
            if rotate_at is not None and ledger.size == rotate_at:
                ledger.rotate_key()
            ledger.append("decision", Actor.agent("s"), {"command": f"echo {i}", "verdict": "allow"})


def first_bad(report: Report) -> int | None:
    assert not report.ok, "tampering was not detected"
    assert report.first is not None
    return report.first.seq


def test_untouched_ledger_never_flags(folder: LedgerPaths) -> None:
    build(folder, rotate_at=12)
    assert verify(folder).ok
    assert verify(folder, signatures=False).ok
    Ledger.at(folder).close()


@pytest.mark.parametrize("position", [0, 40, -30, -1], ids=["first-byte", "middle", "near-prev", "last-byte"])
def test_flipped_byte_in_an_event(folder: LedgerPaths, position: int) -> None:
    build(folder)
    body = bytearray(rows(folder.db)[12][1])
    body[position] ^= 0x01
    tamper(folder.db, ("UPDATE events SET body = ? WHERE seq = 12", (bytes(body),)))
    assert first_bad(verify(folder)) == 12


def test_flipped_byte_in_the_head_event_fails_the_start_up_check(folder: LedgerPaths) -> None:
    build(folder)
    body = bytearray(rows(folder.db)[30][1])
    body[20] ^= 0x04
    tamper(folder.db, ("UPDATE events SET body = ? WHERE seq = 30", (bytes(body),)))
    assert first_bad(verify(folder)) == 30
    with pytest.raises(IntegrityError, match="does not hash to the recorded head"):
        Ledger.at(folder)


def test_flipped_byte_in_a_signature(folder: LedgerPaths) -> None:
    build(folder)
    sig = bytearray(rows(folder.db)[7][2])
    sig[10] ^= 0x80
    tamper(folder.db, ("UPDATE events SET sig = ? WHERE seq = 7", (bytes(sig),)))
    report = verify(folder)
    assert first_bad(report) == 7 and "bad signature" in report.first.what  # type: ignore[union-attr]


def test_deleted_event(folder: LedgerPaths) -> None:
    build(folder)
    tamper(folder.db, ("DELETE FROM events WHERE seq = 12", ()))
    report = verify(folder)
    assert first_bad(report) == 12 and "missing" in report.first.what  # type: ignore[union-attr]


def test_reordered_events(folder: LedgerPaths) -> None:
    build(folder)
    stored = rows(folder.db)
    tamper(
        folder.db,
        ("UPDATE events SET kind = ?, body = ?, sig = ? WHERE seq = 12", stored[15]),
        ("UPDATE events SET kind = ?, body = ?, sig = ? WHERE seq = 15", stored[12]),
    )
    assert first_bad(verify(folder)) == 12


def test_forged_event_appended_with_a_foreign_key(folder: LedgerPaths) -> None:
    build(folder)
    last = Event.from_row(30, *rows(folder.db)[30][1:])
    attacker = KeyPair.generate().signer()
    body = signed_bytes(31, last.time, "decision", Actor.agent("s"), {"verdict": "allow"}, last.hash.hex(),
                        attacker.pair.key_id)  # fmt: skip
    tamper(folder.db, ("INSERT INTO events VALUES (31, 'decision', ?, ?)", (body, attacker.sign(body))))
    report = verify(folder)
    assert first_bad(report) == 31
    assert any("never declared" in p.what for p in report.problems)
    with pytest.raises(IntegrityError, match="after the head"):
        Ledger.at(folder)


def test_forged_event_inserted_in_the_middle(folder: LedgerPaths) -> None:
    build(folder)
    stored = rows(folder.db)
    shifts = [("INSERT INTO events VALUES (?, ?, ?, ?)", (31, *stored[30]))]
    shifts += [("UPDATE events SET kind = ?, body = ?, sig = ? WHERE seq = ?", (*stored[s - 1], s))
               for s in range(30, 12, -1)]  # fmt: skip
    attacker = KeyPair.generate().signer()
    prev = Event.from_row(11, *stored[11][1:]).hash.hex()
    body = signed_bytes(12, "2026-01-01T00:00:00Z", "decision", Actor.agent("s"), {}, prev, attacker.pair.key_id)
    shifts.append(("UPDATE events SET kind = 'decision', body = ?, sig = ? WHERE seq = 12",
                   (body, attacker.sign(body))))  # fmt: skip
    tamper(folder.db, *shifts)
    assert first_bad(verify(folder)) == 12


def _rewind_head(folder: LedgerPaths, keep: int) -> None:
    """Truncate like a careful attacker: drop the tail AND make the head row match what is left."""
    stored = rows(folder.db)
    frontier = Frontier()
    for seq in range(keep):
        frontier = frontier.append(Event.from_row(seq, *stored[seq][1:]).hash)
    head_hash = frontier.hashes and Event.from_row(keep - 1, *stored[keep - 1][1:]).hash
    tamper(folder.db, ("DELETE FROM events WHERE seq >= ?", (keep,)),
           ("UPDATE head SET seq = ?, hash = ?, frontier = ?", (keep - 1, head_hash, frontier.to_bytes())))  # fmt: skip


def test_truncated_tail(folder: LedgerPaths) -> None:
    build(folder)
    _rewind_head(folder, 20)
    report = verify(folder)
    assert first_bad(report) == 20 and "rollback" in " ".join(p.what for p in report.problems)
    with pytest.raises(IntegrityError, match="rollback") as caught:
        Ledger.at(folder)
    assert caught.value.seq == 20


def test_truncated_tail_with_head_left_alone(folder: LedgerPaths) -> None:
    build(folder)
    tamper(folder.db, ("DELETE FROM events WHERE seq >= 25", ()))
    assert first_bad(verify(folder)) == 25


def test_older_copy_of_the_database_put_back(folder: LedgerPaths, tmp_path: Path) -> None:
    build(folder, 15)  # checkpoints at 2 and 12; 16 events
    saved = tmp_path / "saved.db"
    shutil.copy(folder.db, saved)  # the ledger is closed: the WAL is folded into the file
    with Ledger.at(folder, checkpoint_every=10) as ledger:
        fill(ledger, 10)  # checkpoint at 22: the anchor moves on
    for suffix in ("-wal", "-shm"):
        Path(folder.db + suffix).unlink(missing_ok=True)
    shutil.copy(saved, folder.db)
    report = verify(folder)
    assert first_bad(report) == 16 and report.anchor_size == 22
    with pytest.raises(IntegrityError, match="rollback"):
        Ledger.at(folder)


def _rewrite(folder: LedgerPaths, start: int, signer: Signer, end: int | None = None) -> None:
    """Rewrite events start..end-1 with `signer`, relinking them: a key holder's history rewrite."""
    stored = rows(folder.db)
    events = [Event.from_row(s, *stored[s][1:]) for s in sorted(stored)]
    frontier, statements = Frontier(), []
    for e in events[:start]:
        frontier = frontier.append(e.hash)
    prev = events[start - 1].hash.hex()
    for e in events[start:end]:
        payload = dict(e.payload)
        if e.seq == start:
            payload["verdict"] = "deny"
        body = signed_bytes(e.seq, e.time, e.kind, e.actor, payload, prev, signer.pair.key_id)
        statements.append(("UPDATE events SET body = ?, sig = ? WHERE seq = ?", (body, signer.sign(body), e.seq)))
        digest = Event.from_row(e.seq, body, b"").hash
        frontier, prev = frontier.append(digest), digest.hex()
    statements.append(("UPDATE head SET hash = ?, frontier = ?", (bytes.fromhex(prev), frontier.to_bytes())))
    tamper(folder.db, *statements)


def test_old_event_resigned_with_a_newer_key(folder: LedgerPaths) -> None:
    build(folder, rotate_at=20)  # the rotation is event 20; the new key signs from 21 on
    _rewrite(folder, 5, load_key(folder.agent_key).signer(), end=20)
    report = verify(folder)
    assert first_bad(report) == 5
    assert "valid from event 21" in report.first.what  # type: ignore[union-attr]


def test_whole_history_resigned_with_a_newer_key(folder: LedgerPaths) -> None:
    build(folder, rotate_at=20)
    _rewrite(folder, 5, load_key(folder.agent_key).signer())  # links, head and tree all made consistent
    assert first_bad(verify(folder)) == 5
    assert verify(folder, signatures=False).problems  # the signed checkpoints no longer match either


def test_rewrite_with_the_current_key_is_caught_by_the_checkpoints(folder: LedgerPaths) -> None:
    build(folder)  # no rotation: the attacker holds the one agent key and re-signs events 15..
    _rewrite(folder, 15, load_key(folder.agent_key).signer())
    report = verify(folder)
    assert not report.ok and "not the ones checkpoint" in " ".join(p.what for p in report.problems)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> LedgerPaths:
    folder = LedgerPaths(str(tmp_path_factory.mktemp("pristine") / "ledger"))
    build(folder, 20)
    return folder


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seq=st.integers(0, 20), field=st.sampled_from([1, 2]), position=st.integers(0, 10_000),
       xor=st.integers(1, 255))  # fmt: skip
def test_any_single_byte_change_is_detected(pristine: LedgerPaths, tmp_path_factory: pytest.TempPathFactory,
                                            seq: int, field: int, position: int, xor: int) -> None:  # fmt: skip
    copy = LedgerPaths(str(tmp_path_factory.mktemp("copy") / "ledger"))
    shutil.copytree(pristine.folder, copy.folder)
    value = bytearray(rows(copy.db)[seq][field])
    value[position % len(value)] ^= xor
    column = "body" if field == 1 else "sig"
    tamper(copy.db, (f"UPDATE events SET {column} = ? WHERE seq = ?", (bytes(value), seq)))
    report = verify(copy, workers=1)
    assert first_bad(report) == seq, json.dumps(report.to_json())
