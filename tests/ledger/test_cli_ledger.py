"""`agentguard ledger …` end to end through click, on the ledger in AGENTGUARD_HOME."""

from __future__ import annotations

import json
import shlex
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from ledgerkit import fill

from agentguard.analysis import guard
from agentguard.analysis.types import Invocation, Word
from agentguard.cli.app import cli
from agentguard.ledger import Ledger
from agentguard.ledger.paths import LedgerPaths
from agentguard.models import Kind
from agentguard.state import Places


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["ledger", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def made() -> LedgerPaths:
    with Ledger.open(Places.from_env(), checkpoint_every=10) as ledger:
        fill(ledger, 24)
        return ledger.paths


def test_no_ledger_yet_says_so() -> None:
    code, _, err = run("list")
    assert code == 6 and "no ledger" in err and "created by the first recorded event" in err


def test_verify_ok_text_and_json(made: LedgerPaths) -> None:
    code, out, _ = run("verify")
    assert code == 0 and out.startswith("OK: 25 events, 3 checkpoints (structure and signatures)")
    code, out, _ = run("verify", "--json", "--structure-only")
    data = json.loads(out)
    assert code == 0 and data["message_type"] == "ledger_verification" and data["signatures_checked"] is False


def test_verify_reports_the_first_bad_event(made: LedgerPaths) -> None:
    db = sqlite3.connect(made.db)
    db.execute("DROP TRIGGER events_append_only_u")
    db.execute("UPDATE events SET body = replace(body, 'echo 7', 'echo 8') WHERE seq = 8")
    db.commit()
    db.close()
    code, out, _ = run("verify")
    assert code == 7 and "BROKEN (first bad event: 8)" in out
    code, out, _ = run("verify", "--json")
    assert code == 7 and json.loads(out)["first_bad_seq"] == 8


def test_list_and_show(made: LedgerPaths) -> None:
    code, out, _ = run("list", "--json", "--kind", "decision", "--last", "2")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["seq"] for r in rows] == [23, 24] and rows[0]["message_type"] == "ledger_event"
    code, out, _ = run("list", "--last", "3")
    assert code == 0 and len(out.splitlines()) == 3 and "decision" in out and "agent:session-1" in out
    code, out, _ = run("show", "1", "--json")
    assert code == 0 and json.loads(out)["payload"]["command"] == "echo 0"
    code, out, _ = run("show", "0")
    assert code == 0 and "ledger_created" in out and "payload:" in out
    code, _, err = run("show", "999")
    assert code == 6 and "events 0..24" in err


def test_prove_and_verify_proof_offline(made: LedgerPaths, tmp_path: Path) -> None:
    bundle = tmp_path / "proof.json"
    code, _, err = run("prove", "5", "-o", str(bundle))
    assert code == 0 and "checkpoint 22" in err
    shutil.rmtree(made.folder)  # the proof stands without the database
    code, out, _ = run("verify-proof", str(bundle))
    assert code == 0 and out.startswith("OK: event 5 (decision")
    data = json.loads(bundle.read_text())
    assert len(json.dumps(data["inclusion"])) < 1024
    code, out, _ = run("verify-proof", str(bundle), "--expect-key", "0000000000000000", "--json")
    assert code == 7 and json.loads(out)["ok"] is False
    data["event"] = data["event"][:-4] + "AAA="
    bundle.write_text(json.dumps(data))
    code, _, err = run("verify-proof", str(bundle))
    assert code == 7 and "does NOT hold" in err


def test_prove_beyond_the_latest_checkpoint_says_what_to_do(made: LedgerPaths) -> None:
    code, _, err = run("prove", "23")
    assert code == 6 and "agentguard ledger checkpoint" in err
    code, out, _ = run("checkpoint", "--json")
    assert code == 0 and json.loads(out)["size"] == 25
    code, out, _ = run("prove", "23")
    assert code == 0 and json.loads(out)["tree_size"] == 25


def test_consistency_between_checkpoints(made: LedgerPaths) -> None:
    code, out, _ = run("consistency", "2", "22", "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] and data["old"]["size"] == 2 and data["proof"]
    code, _, err = run("consistency", "3", "22")
    assert code == 6 and "must be checkpoints" in err


def test_rotate_key_then_verify(made: LedgerPaths) -> None:
    code, out, _ = run("rotate-key")
    assert code == 0 and "rotated the agent key at event 25" in out
    with Ledger.open(Places.from_env()) as ledger:
        fill(ledger, 2)
    assert run("verify")[0] == 0


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        pytest.param("agentguard ledger verify --json", Kind.READ, id="verify"),
        pytest.param("agentguard ledger consistency 2 22", Kind.READ, id="consistency"),
        pytest.param("agentguard ledger prove 5", Kind.READ, id="prove-stdout"),
        pytest.param("agentguard ledger prove 5 -o /home/u/.bashrc", Kind.GUARD_TAMPER, id="prove-to-file"),
        pytest.param("agentguard ledger checkpoint", Kind.GUARD_TAMPER, id="checkpoint"),
        pytest.param("agentguard ledger rotate-key", Kind.GUARD_TAMPER, id="rotate-key"),
    ],
)
def test_gate_view_of_ledger_commands(command: str, kind: Kind) -> None:
    words = tuple(Word.literal(w) for w in shlex.split(command))
    effects = guard.agentguard(Invocation(words, "/", command), None)  # type: ignore[arg-type]
    assert [e.kind for e in effects] == [kind]


def test_list_and_show_still_open_a_broken_ledger_with_a_warning(made: LedgerPaths) -> None:
    db = sqlite3.connect(made.db)
    db.execute("UPDATE head SET hash = zeroblob(32)")
    db.commit()
    db.close()
    result = CliRunner().invoke(cli, ["ledger", "show", "3", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["seq"] == 3
    assert "WARNING, the ledger does not check out" in result.stderr
    assert run("prove", "3")[0] == 7  # proofs are only made from a ledger that checks out
