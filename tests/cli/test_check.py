"""`agentguard check`, `explain`, `mode` and `policy test` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

AGENTGUARD = os.path.join(os.path.dirname(sys.executable), "agentguard")


def run(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AGENTGUARD, *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def test_check_text_and_exit_code(project: Path) -> None:
    done = run("check", "--", "rm -f .agentic-qe/*.db", cwd=project)
    assert done.returncode == 10
    assert done.stdout.startswith("ASK") and "memory.db" in done.stdout


def test_check_words_after_double_dash_are_requoted(project: Path) -> None:
    done = run("check", "--json", "--", "rm", "-f", ".agentic-qe/memory.db", cwd=project)
    assert json.loads(done.stdout)["verdict"] == "ask"


def test_batch_json_lines_in_order(project: Path) -> None:
    lines = [
        {"cmd": "ls"},
        {"cmd": "rm -rf /"},
        {"tool": "Write", "tool_input": {"file_path": ".env", "content": "A=1"}},
        {"cmd": "rm -f *.db", "cwd": ".agentic-qe"},
        "not an object",
    ]
    stdin = "\n".join(json.dumps(x) for x in lines) + "\n"
    done = run("check", "--json", "--batch", "-", cwd=project, stdin=stdin)
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["verdict"] for o in out] == ["allow", "deny", "ask", "ask", "deny"]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5]
    assert all({"verdict", "effects", "reasons"} <= set(o) for o in out)
    assert done.returncode == 11


def test_explain_lists_effects_and_rules(project: Path) -> None:
    done = run("explain", "--", "find . -name '*.db' -delete", cwd=project)
    assert "file.delete" in done.stdout and "protected-data" in done.stdout


def test_mode_freeze_blocks_writes_allows_reads_and_tests(project: Path) -> None:
    assert run("mode", "freeze", "--reason", "release", cwd=project).returncode == 0
    assert json.loads(run("mode", "--json", cwd=project).stdout)["mode"] == "freeze"
    verdicts = {
        cmd: json.loads(run("check", "--json", "--", cmd, cwd=project).stdout)["verdict"]
        for cmd in ("ls", "python -m pytest", "echo x > notes.txt", "rm notes.txt", "./deploy.sh")
    }
    assert verdicts == {"ls": "allow", "python -m pytest": "allow", "echo x > notes.txt": "deny",
                        "rm notes.txt": "deny", "./deploy.sh": "ask"}  # fmt: skip


def test_mode_plan_only_reads_and_the_plan_file(project: Path) -> None:
    run("mode", "plan", cwd=project)
    verdicts = [
        json.loads(run("check", "--json", "--", cmd, cwd=project).stdout)["verdict"]
        for cmd in ("cat notes.txt", "echo '# plan' > PLAN.md", "echo x > notes.txt", "npm test")
    ]
    assert verdicts == ["allow", "allow", "deny", "deny"]


def test_mode_shadow_lets_through_but_keeps_the_verdict(project: Path) -> None:
    run("mode", "shadow", cwd=project)
    out = json.loads(run("check", "--json", "--", "rm -rf /", cwd=project).stdout)
    assert out["verdict"] == "allow" and out["would_be"] == "deny"


def test_policy_test_passes_on_defaults(project: Path) -> None:
    done = run("policy", "test", cwd=project)
    assert done.returncode == 0, done.stdout
    assert " passed, 0 failed" in done.stdout


def test_policy_test_reports_failing_example_with_file_and_line(project: Path) -> None:
    (project / "agentguard.toml").write_text(
        '[[rule]]\nid = "protect-docs"\nkinds = ["file.delete"]\npaths = ["$PROJECT/docs/**"]\n'
        'verdict = "ask"\nmatch = ["rm -rf src/"]\n'
    )
    done = run("policy", "test", cwd=project)
    assert done.returncode == 1
    assert "agentguard.toml:2" in done.stdout and "protect-docs" in done.stdout
