"""What `init --claude` wires for receipts, and how the hook fails closed on a stop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agentguard.hosts import claude_settings
from agentguard.hosts.claude import deadline_for, failure_answer
from agentguard.hosts.supervise import DEADLINE
from agentguard.receipts import stop

SCRIPT = str(Path(sys.executable).with_name("agentguard"))


def test_init_wires_the_stop_hooks_with_a_long_timeout_once(tmp_path: Path) -> None:
    first = claude_settings.install(str(tmp_path))
    second = claude_settings.install(str(tmp_path))

    settings = json.loads(Path(first.path).read_text())
    assert first.changed and not second.changed
    for event in ("SessionStart", "Stop", "SubagentStop"):
        [group] = settings["hooks"][event]
        assert "matcher" not in group
        assert group["hooks"] == [{"type": "command", "command": claude_settings.hook_command(
            claude_settings.fail_closed_stop), "timeout": stop.HOOK_TIMEOUT}]  # fmt: skip
    assert settings["hooks"]["PreToolUse"][0]["matcher"] == claude_settings.MATCHER


def test_the_supervisor_gives_a_stop_the_checks_time_and_a_tool_call_the_usual_deadline() -> None:
    assert deadline_for(json.dumps({"hook_event_name": "Stop"})) == stop.DEADLINE
    assert deadline_for(json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash"})) == DEADLINE
    assert stop.CHECKS_LIMIT < stop.DEADLINE < stop.HOOK_TIMEOUT == claude_settings.STOP_TIMEOUT


def test_a_stop_whose_decision_process_died_is_blocked() -> None:
    answer = json.loads(failure_answer(json.dumps({"hook_event_name": "SubagentStop"}), "killed by signal 9"))

    assert answer["decision"] == "block" and "killed by signal 9" in answer["reason"]


def test_doctor_warns_when_the_stop_hooks_are_missing(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    settings = tmp_path / ".claude" / "settings.json"
    claude_settings.install(str(tmp_path))
    data = json.loads(settings.read_text())
    del data["hooks"]["Stop"]
    settings.write_text(json.dumps(data))

    done = subprocess.run([SCRIPT, "doctor", "--json"], cwd=tmp_path, capture_output=True, text=True, check=False)

    checks = {c["name"]: c for c in json.loads(done.stdout)["checks"]}
    assert checks["claude Stop hook"]["warn"] is True and "not wired" in checks["claude Stop hook"]["detail"]
    assert checks["claude SubagentStop hook"].get("warn") is False


def run_wrapped(command: str, payload: dict[str, object]) -> subprocess.CompletedProcess[str]:
    """The hook command as Claude Code runs it: under /bin/sh -c, the input on stdin."""
    return subprocess.run(["/bin/sh", "-c", command], input=json.dumps(payload), capture_output=True, text=True,
                          check=False)  # fmt: skip


def test_a_missing_agentguard_blocks_the_first_stop_and_lets_the_next_one_through(tmp_path: Path) -> None:
    command = claude_settings.fail_closed_stop(f"{tmp_path}/no-such-agentguard hook claude")

    first = run_wrapped(command, {"hook_event_name": "Stop", "stop_hook_active": False})
    again = run_wrapped(command, {"hook_event_name": "Stop", "stop_hook_active": True})

    assert first.returncode == 2 and "may not stop yet" in first.stderr
    assert again.returncode == 1 and "stopped WITHOUT its checks" in again.stderr  # 1: shown, not a block


def test_the_stop_wrapper_passes_a_working_hooks_answer_through(tmp_path: Path) -> None:
    command = claude_settings.fail_closed_stop(f"{SCRIPT} hook claude")

    done = run_wrapped(command, {"hook_event_name": "Stop", "cwd": str(tmp_path), "session_id": "s"})

    assert done.returncode == 0 and json.loads(done.stdout) == {}


def test_when_agentguard_fails_a_second_time_the_stop_goes_through_with_a_warning() -> None:
    first = json.loads(failure_answer(json.dumps({"hook_event_name": "Stop"}), "it crashed"))
    again = json.loads(failure_answer(json.dumps({"hook_event_name": "Stop", "stop_hook_active": True}), "it crashed"))

    assert first["decision"] == "block"
    assert "decision" not in again and "WITHOUT a receipt" in again["systemMessage"]


def test_doctor_says_whether_the_git_review_hooks_are_in_place(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)

    def hooks_check() -> dict[str, object]:
        done = subprocess.run([SCRIPT, "doctor", "--json"], cwd=tmp_path, capture_output=True, text=True)
        return {c["name"]: c for c in json.loads(done.stdout)["checks"]}["git review hooks"]  # type: ignore[no-any-return]

    before = hooks_check()
    subprocess.run([SCRIPT, "init", "--git-hooks"], cwd=tmp_path, capture_output=True, check=True)
    after = hooks_check()

    assert before["warn"] is True and "pre-commit, pre-push not agentguard's" in str(before["detail"])
    assert after.get("warn") is None and "in place" in str(after["detail"])
