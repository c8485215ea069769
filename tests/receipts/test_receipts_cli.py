"""`agentguard receipts` with the real console script: run, list, show, verify (and what makes verify fail)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from agentguard.ledger.paths import LedgerPaths
from agentguard.state import Places

from .projects import CALC_BROKEN, make_pytest_project

SCRIPT = str(Path(sys.executable).with_name("agentguard"))


def agentguard(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SCRIPT, *args], cwd=root, capture_output=True, text=True, check=False)


def test_run_then_verify_accepts_the_receipt(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")

    ran = agentguard(root, "receipts", "run", "--json")
    seq = json.loads(ran.stdout)["seq"]
    verified = agentguard(root, "receipts", "verify", str(seq))

    assert ran.returncode == 0 and verified.returncode == 0, verified.stdout
    assert f"receipt {seq}: verified" in verified.stdout
    assert "ok   signature: Ed25519" in verified.stdout and "ok   chain" in verified.stdout


def test_a_failing_run_is_listed_and_shown_with_its_output(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    (root / "calc.py").write_text(CALC_BROKEN)

    ran = agentguard(root, "receipts", "run")
    listed = agentguard(root, "receipts", "list")
    seq = listed.stdout.split()[0]
    shown = agentguard(root, "receipts", "show", seq, "--output")

    assert ran.returncode == 1 and "assert -1 == 5" in ran.stdout
    assert " FAIL " in listed.stdout and "failing:" in listed.stdout
    assert "exit   1" in shown.stdout and "assert -1 == 5" in shown.stdout


def test_verify_fails_once_the_tree_has_changed(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    agentguard(root, "receipts", "run")
    (root / "calc.py").write_text(CALC_BROKEN)

    verified = agentguard(root, "receipts", "verify", "--json")

    assert verified.returncode == 1
    findings = {f["name"]: f for f in json.loads(verified.stdout)["findings"]}
    assert findings["tree"]["ok"] is False and "has changed since" in findings["tree"]["detail"]
    assert findings["signature"]["ok"] is True


def test_verify_fails_when_the_receipt_was_edited_in_the_ledger(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    seq = json.loads(agentguard(root, "receipts", "run", "--json").stdout)["seq"]
    agentguard(root, "receipts", "run")  # a later event: the forged one is not the head the start-up check hashes
    db = sqlite3.connect(LedgerPaths.from_places(Places.from_env()).db)
    with db:  # as an attacker with file access would: the append-only trigger dropped, the exit code "fixed"
        db.execute("DROP TRIGGER IF EXISTS events_append_only_u")
        (body,) = db.execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()
        forged = bytes(body).replace(b'"ok":true', b'"ok":false')
        assert forged != bytes(body)
        db.execute("UPDATE events SET body = ? WHERE seq = ?", (forged, seq))
    db.close()

    verified = subprocess.run([SCRIPT, "receipts", "verify", str(seq), "--json"], cwd=root, capture_output=True,
                              text=True, check=False)  # fmt: skip

    assert verified.returncode == 1
    findings = {f["name"]: f for f in json.loads(verified.stdout)["findings"]}
    assert findings["signature"]["ok"] is False and "bad signature" in findings["signature"]["detail"]
    assert findings["chain"]["ok"] is False
