"""A hook whose decision process dies — even in native code, where no `except` reaches — answers deny."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PRE = json.dumps({"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}})
POST = json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": {"command": "ls"}})

WORKS = {
    "segfault": "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
    "hangs": "import time; time.sleep(30)",
    "raises": "raise RuntimeError('boom')",
    "answers": "return 'the answer\\n'",
}


def run_supervised(work: str, payload: str, deadline: float = 5.0) -> str:
    body = "\n    ".join(WORKS[work].split("; "))
    code = (
        "import sys\n"
        "from agentguard.hosts.claude import failure_answer\n"
        "from agentguard.hosts.supervise import supervise\n"
        f"def work(data):\n    {body}\n"
        f"sys.exit(supervise(work, failure_answer, deadline={deadline}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("work", "why"),
    [
        pytest.param("segfault", "killed by signal 11", id="native-crash"),
        pytest.param("hangs", "took longer than 1 s", id="past-the-deadline"),
        pytest.param("raises", "decision process failed", id="uncaught-exception"),
    ],
)
def test_a_dead_decision_process_denies(work: str, why: str) -> None:
    answer = json.loads(run_supervised(work, PRE, deadline=1.0))["hookSpecificOutput"]
    assert answer["permissionDecision"] == "deny"
    assert why in answer["permissionDecisionReason"]


def test_a_dead_post_tool_use_process_answers_an_empty_object() -> None:
    assert run_supervised("segfault", POST) == "{}\n"  # an empty object: nothing to say, but an answer


def test_the_childs_answer_passes_through() -> None:
    assert run_supervised("answers", PRE) == "the answer\n"


def test_a_hook_that_cannot_fork_decides_in_its_own_process(tmp_path: object) -> None:
    """At the process limit (a pids cgroup that holds only this process) fork() fails: the hook still answers,
    deciding in-process, instead of crashing with a traceback."""
    import os
    import uuid
    from pathlib import Path

    base = Path("/sys/fs/cgroup/pids")
    if os.geteuid() != 0 or not (base / "cgroup.procs").exists():
        pytest.skip("needs root and a pids cgroup (v1)")
    group = base / f"agentguard-test-{uuid.uuid4().hex[:8]}"
    group.mkdir()
    try:
        (group / "pids.max").write_text("1")
        body = "\n    ".join(WORKS["answers"].split("; "))
        code = (
            "import sys\nfrom agentguard.hosts.claude import failure_answer\n"
            "from agentguard.hosts.supervise import supervise\n"
            f"def work(data):\n    {body}\nsys.exit(supervise(work, failure_answer))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], input=PRE, capture_output=True, text=True, timeout=60, check=False,
            preexec_fn=lambda: (group / "cgroup.procs").write_text(str(os.getpid())),
        )  # fmt: skip
        assert (done.returncode, done.stdout, done.stderr) == (0, "the answer\n", "")
    finally:
        group.rmdir()
