"""Issue 11 end to end: the real `claude` CLI writes code into a file with its Write tool (allowed: writing a
script is ordinary work), then runs it with an innocent-looking command. agentguard reads what will run and
stops it; the memory database is intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from claude_cli import Runner
from project_files import MEMORY_DB, MEMORY_ROWS, memory_rows

pytestmark = pytest.mark.e2e

WIPE = "rm -rf .agentic-qe"


def write(project: Path, name: str, content: str) -> dict[str, object]:
    return {"tool": "Write", "input": {"file_path": str(project / name), "content": content}}


@pytest.mark.parametrize(
    ("name", "content", "command"),
    [
        pytest.param("wipe.sh", f"#!/bin/sh\n{WIPE}\n", "bash wipe.sh", id="script"),
        pytest.param("Makefile", f"build:\n\techo build\n\nreset:\n\t{WIPE}\n", "make reset", id="make-target"),
    ],
)
def test_code_written_then_run_is_stopped(
    runner: Runner, guarded_project: Path, name: str, content: str, command: str
) -> None:
    run = runner.run(guarded_project, [write(guarded_project, name, content), command])

    assert (guarded_project / name).read_text() == content, run.describe()  # the Write went through
    assert not run.tool_result(0).is_error
    assert run.tool_result(1).is_error, run.describe()  # the run of it did not
    assert memory_rows(guarded_project / MEMORY_DB) == MEMORY_ROWS
    assert ".agentic-qe" in run.tool_result(1).text
