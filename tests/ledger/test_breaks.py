"""Breaks: detected and stamped as signed events, the chain goes on, a human resolves with the admin key."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from ledgerkit import fill, rows, tamper

from agentguard.analysis import guard
from agentguard.analysis.types import Invocation, Word
from agentguard.cli.app import cli
from agentguard.ledger import Actor, Ledger
from agentguard.ledger import keyring as kr
from agentguard.ledger.breaks import breaks, resolve, status
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.keys import load_key
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.verify import verify
from agentguard.models import Kind
from agentguard.state import Places


def rolled_back(folder: LedgerPaths, tmp_path: Path) -> None:
    """A ledger of 16 events put back over its own later state of 26 (anchored at 22)."""
    with Ledger.at(folder, checkpoint_every=10) as ledger:
        fill(ledger, 15)
    shutil.copy(folder.db, tmp_path / "saved.db")
    with Ledger.at(folder, checkpoint_every=10) as ledger:
        fill(ledger, 10)
    for suffix in ("-wal", "-shm"):
        Path(folder.db + suffix).unlink(missing_ok=True)
    shutil.copy(tmp_path / "saved.db", folder.db)


def test_rollback_is_stamped_and_the_chain_continues(folder: LedgerPaths, tmp_path: Path) -> None:
    rolled_back(folder, tmp_path)
    with pytest.raises(IntegrityError, match="rollback"):
        Ledger.at(folder)  # by default a break stops the ledger
    with Ledger.at(folder, declare_breaks=True) as ledger:
        lost = [ledger.event(seq) for seq in range(16, 22)]
        stamped = ledger.event(22)
        after = ledger.append("decision", Actor.agent("s"), {"verdict": "allow"})
        found = breaks(ledger)
    # The lost numbers are taken by signed placeholders: the break has a number no lost event ever had.
    assert [(e.kind, e.payload) for e in lost] == [("event_lost", {"lost_event": n}) for n in range(16, 22)]
    assert stamped.kind == "chain_break_detected" and stamped.actor == Actor.system()
    assert stamped.payload["kind"] == "rollback" and stamped.payload["range"] == [16, 21]
    assert stamped.payload["lost"] == [16, 21] and stamped.payload["checkpoint"].startswith("22 events, root ")
    assert stamped.payload["expected"].startswith("22 events, root ") and stamped.payload["actual"] == "16 events"
    assert after.seq == 23 and after.prev == stamped.hash.hex()
    assert [b.id for b in found] == ["B22"] and status(found) == "broken_declared"
    report = verify(folder)
    assert report.ok and report.status == "broken_declared" and report.anchor_size == 23


def test_resolution_needs_the_admin_key_and_is_final(folder: LedgerPaths, tmp_path: Path) -> None:
    rolled_back(folder, tmp_path)
    with Ledger.at(folder, declare_breaks=True) as ledger:
        with pytest.raises(LedgerError, match="not the ledger's current admin key"):
            resolve(ledger, "B22", "validate", "restored from backup", load_key(folder.agent_key))
        with pytest.raises(LedgerError, match="--reason"):
            resolve(ledger, "B22", "validate", " ", load_key(folder.admin_key))
        with pytest.raises(LedgerError, match="no break B3"):
            resolve(ledger, "B3", "validate", "x", load_key(folder.admin_key))
        event = resolve(ledger, "B22", "validate", "restored from backup", load_key(folder.admin_key))
        assert event.key_id == load_key(folder.admin_key).key_id and event.actor.type == "human"
        with pytest.raises(LedgerError, match="already resolved"):
            resolve(ledger, "B22", "reject", "changed my mind", load_key(folder.admin_key))
    assert verify(folder).status == "ok"
    with Ledger.at(folder, readonly=True) as reader:  # resolution state is read back from the ledger itself
        assert [b.status for b in breaks(reader)] == ["resolved"]


def test_a_resolution_signed_by_the_agent_key_fails_verification(folder: LedgerPaths, tmp_path: Path) -> None:
    rolled_back(folder, tmp_path)
    with Ledger.at(folder, declare_breaks=True) as ledger:
        forged = ledger._append(kr.RESOLUTION, Actor.human("agent"), {"break_id": "B22", "resolution": "validated",
                                "reason": "trust me"}, ledger._agent_signer())  # fmt: skip
    report = verify(folder)
    assert report.first is not None and report.first.seq == forged.seq and "admin key" in report.first.what


def test_rejected_break_keeps_the_ledger_flagged(folder: LedgerPaths, tmp_path: Path) -> None:
    rolled_back(folder, tmp_path)
    with Ledger.at(folder, declare_breaks=True) as ledger:
        resolve(ledger, "B22", "reject", "nobody restored anything", load_key(folder.admin_key))
    assert verify(folder).status == "rejected"


def test_timeout_without_action(folder: LedgerPaths, tmp_path: Path) -> None:
    rolled_back(folder, tmp_path)
    Ledger.at(folder, declare_breaks=True).close()
    with Ledger.at(folder, declare_breaks=True, break_timeout_hours=0) as ledger:
        timeouts = list(ledger.events(kind="timeout_no_action"))
    Ledger.at(folder, declare_breaks=True, break_timeout_hours=0).close()  # once per break, not per start
    with Ledger.at(folder, readonly=True) as reader:
        assert len(list(reader.events(kind="timeout_no_action"))) == 1
        found = breaks(reader)
    assert timeouts[0].payload == {"break_id": "B22", "after_hours": 0}
    assert found[0].timeout is not None and status(found) == "broken_declared"


def test_tampered_head_is_stamped_and_rebuilt(folder: LedgerPaths) -> None:
    with Ledger.at(folder) as ledger:
        fill(ledger, 5)
    tamper(folder.db, ("UPDATE head SET hash = zeroblob(32)", ()))
    with Ledger.at(folder, declare_breaks=True) as ledger:
        stamped = ledger.head()
    assert stamped.kind == "chain_break_detected" and stamped.payload["kind"] == "hash_mismatch"
    assert stamped.payload["expected"] == "00" * 32
    report = verify(folder)
    assert report.ok and report.status == "broken_declared"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["ledger", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def test_cli_declare_breaks_resolve(tmp_path: Path) -> None:
    with Ledger.open(Places.from_env(), checkpoint_every=100) as ledger:
        fill(ledger, 12)
        paths = ledger.paths
    body = bytearray(rows(paths.db)[6][1])
    body[-3] ^= 0x01
    tamper(paths.db, ("UPDATE events SET body = ? WHERE seq = 6", (bytes(body),)))
    assert run("verify")[0] == 7
    code, out = run("verify", "--declare")
    assert code == 8 and "status: broken_declared" in out and "declared break" in out
    code, out = run("breaks", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and listed[0]["id"] == "B13" and listed[0]["range"] == [6, 6]
    assert "agentguard ledger resolve B13" in listed[0]["resolve_with"]
    code, out = run("resolve", "B13", "--validate", "--reason", "bit rot on a test disk")
    assert code == 0 and "B13: validated" in out
    assert run("verify")[0] == 0
    assert "resolved" in run("breaks")[1]


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        pytest.param("agentguard ledger breaks", Kind.READ, id="breaks"),
        pytest.param("agentguard ledger resolve B3 --validate --reason ok", Kind.GUARD_TAMPER, id="resolve"),
        pytest.param("agentguard ledger verify --declare", Kind.GUARD_TAMPER, id="verify-declare"),
    ],
)
def test_the_agent_cannot_resolve_or_declare(command: str, kind: Kind) -> None:
    words = tuple(Word.literal(w) for w in shlex.split(command))
    assert [e.kind for e in guard.agentguard(Invocation(words, "/", command), None)] == [kind]  # type: ignore[arg-type]


def test_a_mirror_still_holding_the_lost_checkpoint_is_not_a_new_break(folder: LedgerPaths, tmp_path: Path) -> None:
    rolled_back(folder, tmp_path)
    lost = Path(folder.anchor).read_text()  # what an outside mirror still holds
    with Ledger.at(folder, declare_breaks=True) as ledger:
        ledger.check_anchor(lost)  # declared: accepted
        fill(ledger, 3)
    with Ledger.at(folder, declare_breaks=True) as ledger:
        ledger.check_anchor(lost)
        assert len(breaks(ledger)) == 1
