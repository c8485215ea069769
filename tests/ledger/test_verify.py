"""Verification of untouched ledgers (never flagged) and of the signature pass in its process pool."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledgerkit import fill

from agentguard.ledger import Actor, Ledger, signatures
from agentguard.ledger.keys import KeyPair
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.verify import verify


def test_untouched_ledger_verifies(folder: LedgerPaths) -> None:
    with Ledger.at(folder, checkpoint_every=7) as ledger:
        fill(ledger, 20)
        ledger.rotate_key()
        fill(ledger, 5)
        ledger.rotate_key("admin")
        fill(ledger, 5)
    report = verify(folder)
    assert report.ok, report.problems
    assert report.events == 33 and report.signatures and report.checkpoints == 5
    assert report.anchor_size == 30  # checkpoints at 2, 9, 16, 23, 30
    data = report.to_json()
    assert data["message_type"] == "ledger_verification" and data["ok"] and data["first_bad_seq"] is None


def test_grouped_ledger_verifies(folder: LedgerPaths) -> None:
    with Ledger.at(folder, group=True, checkpoint_every=50) as ledger:
        fill(ledger, 260)
    assert verify(folder).ok


def test_pool_finds_a_bad_signature_in_a_later_range(folder: LedgerPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signatures, "POOL_MIN", 10)
    monkeypatch.setattr(signatures, "CHUNK", 16)
    with Ledger.at(folder) as ledger:
        fill(ledger, 60)
    forged = KeyPair.generate().signer().sign(b"something else")
    db = sqlite3.connect(folder.db)
    db.execute("DROP TRIGGER events_append_only_u")
    db.execute("UPDATE events SET sig = ? WHERE seq = 41", (forged,))
    db.commit()
    db.close()
    report = verify(folder, workers=2)
    assert not report.ok
    assert report.first is not None and report.first.seq == 41 and "bad signature" in report.first.what
    assert verify(folder, signatures=False).ok  # a signature is not part of the structure


def test_progress_is_reported(folder: LedgerPaths) -> None:
    with Ledger.at(folder) as ledger:
        fill(ledger, 3)
    seen: list[tuple[str, int, int]] = []
    verify(folder, progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert seen[-1] == ("signatures", 4, 4)


SCALARS = st.integers(-(2**53) + 1, 2**53 - 1) | st.text(max_size=8)
STEPS = st.tuples(st.sampled_from(["decision", "outcome", "mode_change", "rotate"]),
                  st.dictionaries(st.text(max_size=5), SCALARS, max_size=3))  # fmt: skip


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(STEPS, max_size=25))
def test_any_sequence_of_appends_verifies(tmp_path_factory: pytest.TempPathFactory, steps: list) -> None:
    folder = LedgerPaths(str(tmp_path_factory.mktemp("ledger")))
    with Ledger.at(folder, checkpoint_every=4) as ledger:
        for kind, payload in steps:
            if kind == "rotate":
                ledger.rotate_key()
            else:
                ledger.append(kind, Actor.agent("s"), payload)
    report = verify(folder)
    assert report.ok, report.problems
    assert report.events == len(steps) + 1
