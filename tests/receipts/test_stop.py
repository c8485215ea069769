"""The Stop hook against a real project: its real pytest suite decides whether the agent may say "done"."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from agentguard.hosts.claude import run_hook
from agentguard.ledger import Ledger
from agentguard.state import Places

from .projects import CALC, CALC_BROKEN, make_pytest_project, stop_payload


def hook(payload: dict[str, object]) -> dict[str, object]:
    out = io.StringIO()
    assert run_hook(io.StringIO(json.dumps(payload)), out) == 0
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def receipts() -> list[dict[str, object]]:
    with Ledger.open(Places.from_env(), readonly=True) as ledger:
        return [dict(e.payload) for e in ledger.events(kind="receipt")]


def test_a_failing_test_blocks_the_stop_with_its_output(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    (root / "calc.py").write_text(CALC_BROKEN)

    answer = hook(stop_payload(root))

    assert answer["decision"] == "block"
    reason = str(answer["reason"])
    assert "1 of 1 checks fail" in reason and "assert -1 == 5" in reason and "FAIL (exit 1)" in reason
    [receipt] = receipts()
    assert receipt["ok"] is False and receipt["checks"][0]["exit_code"] == 1  # type: ignore[index]


def test_once_the_test_passes_the_stop_goes_through_and_the_receipt_is_reused(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    (root / "calc.py").write_text(CALC_BROKEN)
    assert hook(stop_payload(root))["decision"] == "block"
    (root / "calc.py").write_text(CALC)

    passed = hook(stop_payload(root, active=True))
    again = hook(stop_payload(root))

    assert "decision" not in passed and "all 1 checks pass" in str(passed["systemMessage"])
    assert "reused receipt" in str(again["systemMessage"])
    first_ok, reused = receipts()[1:]
    assert first_ok["ok"] is True and reused["reused_from"] is not None
    assert first_ok["tree"] == reused["tree"] and str(first_ok["tree"]).startswith("git:")


def test_a_changed_tree_is_checked_again(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    assert "decision" not in hook(stop_payload(root))
    (root / "calc.py").write_text(CALC_BROKEN)  # uncommitted: the working tree is what is checked

    assert hook(stop_payload(root))["decision"] == "block"


def test_after_max_blocks_the_session_may_stop_and_the_human_is_told(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    user = Path(Places.from_env().config)
    user.mkdir(parents=True)
    (user / "agentguard.toml").write_text("[receipts]\nmax_blocks = 2\n")  # only the user may lower it
    (root / "calc.py").write_text(CALC_BROKEN)

    answers = [hook(stop_payload(root, active=i > 0)) for i in range(3)]

    assert [a.get("decision") for a in answers] == ["block", "block", None]
    assert "WITHOUT a passing receipt" in str(answers[2]["systemMessage"])


def test_the_project_may_not_lower_max_blocks(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p", extra_toml="max_blocks = 1\n")

    answer = hook(stop_payload(root))

    assert answer["decision"] == "block" and "receipts.max_blocks may only be raised" in str(answer["reason"])


def test_no_checks_declared_lets_the_agent_stop(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p", checks=())
    (root / "calc.py").write_text(CALC_BROKEN)

    assert hook(stop_payload(root)) == {}


def test_a_broken_project_config_blocks_the_stop(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    (root / "agentguard.toml").write_text("[receipts]\nchecks = 'pytest'\n")

    answer = hook(stop_payload(root))

    assert answer["decision"] == "block" and "receipts.checks must be a list" in str(answer["reason"])


def test_the_console_script_blocks_a_subagent_stop(tmp_path: Path) -> None:
    root = make_pytest_project(tmp_path / "p")
    (root / "calc.py").write_text(CALC_BROKEN)
    script = Path(sys.executable).with_name("agentguard")

    done = subprocess.run([str(script), "hook", "claude"], input=json.dumps(stop_payload(root, event="SubagentStop")),
                          capture_output=True, text=True, check=True, cwd=root)  # fmt: skip

    assert json.loads(done.stdout)["decision"] == "block"


def test_outside_git_the_tree_is_a_digest_of_the_files(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "agentguard.toml").write_text('[receipts]\nchecks = ["grep -q fixed status.txt"]\n')
    (root / "status.txt").write_text("broken\n")
    assert hook(stop_payload(root))["decision"] == "block"

    (root / "status.txt").write_text("fixed\n")
    answer = hook(stop_payload(root, active=True))

    assert "decision" not in answer and "all 1 checks pass on files:" in str(answer["systemMessage"])
