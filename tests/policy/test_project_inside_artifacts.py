"""A project that itself lives in a folder named like build output or a cache (~/.cache/…, …/build/…) is
still a project: the artifact and snapshot-skip patterns look only at the part of a path below it."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from agentguard.models import Action, Verdict
from agentguard.pipeline import Gate
from agentguard.policy import globs


@pytest.fixture(params=[".cache", "build", "out"])
def nested(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    root = tmp_path / request.param / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("print('hi')\n")
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "data").mkdir()
    with sqlite3.connect(root / "data" / "app.db") as conn:
        conn.execute("CREATE TABLE t (x)")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def decide(command: str, project: Path):  # type: ignore[no-untyped-def]
    return Gate.from_env().decide(Action.shell(command, str(project)), project_root=str(project), before_run=True)


def test_source_is_not_an_artifact_because_of_a_folder_above_the_project(nested: Path) -> None:
    assert decide("rm -rf src", nested).verdict == Verdict.ASK
    assert decide("rm -rf node_modules", nested).verdict == Verdict.ALLOW  # its own artifacts still are


def test_protected_data_under_the_deleted_tree_is_saved(nested: Path) -> None:
    decision = decide("rm -rf data", nested)
    assert decision.verdict == Verdict.ASK and decision.snapshot is not None, decision.reasons


def test_loose_patterns_look_below_the_root_anchored_ones_at_the_whole_path() -> None:
    patterns = ("**/.cache/**", "/tmp/**")
    assert not globs.matches_in("/home/u/.cache/p/src", patterns, "/home/u/.cache/p")
    assert globs.matches_in("/home/u/.cache/p/.cache/x", patterns, "/home/u/.cache/p")
    assert globs.matches_in("/home/u/.cache/other", patterns, "/home/u/.cache/p")  # outside: as before
    assert globs.matches_in("/tmp/p/src", patterns, "/tmp/p")  # an anchored pattern still sees it all
