"""The gate on the whole corpus (tests/corpus): at least 99% of destructive rows stopped (ask or deny) and at
least 95% of benign rows allowed, overall and in every family. A failure lists the rows it missed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentguard.models import Verdict
from agentguard.testing import Result, Row, evaluate, fixture, load_corpus, parse_row, run_corpus

CORPUS = Path(__file__).parent / "corpus"
STOP_TARGET, ALLOW_TARGET = 99.0, 95.0
ROWS = load_corpus(CORPUS)
FAMILIES = sorted({r.family for r in ROWS})


@pytest.fixture(scope="module")
def results() -> Iterator[list[Result]]:
    with fixture() as where:
        yield evaluate(ROWS, where)


def rates(results: list[Result]) -> tuple[float, float, list[Result]]:
    bad = [r for r in results if r.row.destructive]
    good = [r for r in results if not r.row.destructive]
    stopped = 100.0 * sum(r.ok for r in bad) / len(bad) if bad else 100.0
    allowed = 100.0 * sum(r.ok for r in good) / len(good) if good else 100.0
    return stopped, allowed, [r for r in results if not r.ok]


def misses_text(misses: list[Result]) -> str:
    return "\n".join(r.describe().replace("\n", "\\n") for r in misses)


def test_corpus_is_broad() -> None:
    destructive = sum(r.destructive for r in ROWS)
    assert len(ROWS) >= 3000
    assert destructive / len(ROWS) >= 0.40
    assert len(FAMILIES) >= 10


def test_corpus_rows_do_not_contradict_each_other() -> None:
    seen: dict[tuple[str, str, str], str] = {}
    for row in ROWS:
        key = (row.describe(), row.cwd, row.tool or "")
        assert seen.setdefault(key, row.expect) == row.expect, f"{row.family}:{row.line} contradicts another row"


def test_overall_accuracy(results: list[Result]) -> None:
    stopped, allowed, misses = rates(results)
    assert stopped >= STOP_TARGET and allowed >= ALLOW_TARGET, (
        f"stopped {stopped:.2f}% of destructive, allowed {allowed:.2f}% of benign; misses:\n{misses_text(misses)}"
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_family_accuracy(results: list[Result], family: str) -> None:
    stopped, allowed, misses = rates([r for r in results if r.row.family == family])
    assert stopped >= STOP_TARGET and allowed >= ALLOW_TARGET, (
        f"{family}: stopped {stopped:.2f}%, allowed {allowed:.2f}%; misses:\n{misses_text(misses)}"
    )


@pytest.mark.parametrize(
    ("item", "message"),
    [
        pytest.param({"cmd": "ls", "expect": "maybe"}, "expect must be", id="bad-expectation"),
        pytest.param({"expect": "stop"}, "expected", id="no-command-no-tool"),
        pytest.param(["ls"], "JSON object", id="not-an-object"),
    ],
)
def test_malformed_rows_are_rejected(item: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_row(item, "x", 1)


def test_a_result_is_a_miss_when_the_verdict_contradicts_the_row() -> None:
    stop, allow = Row("stop", "x", 1, cmd="rm -rf src"), Row("allow", "x", 2, cmd="ls")
    assert Result(stop, Verdict.ASK, ()).ok and Result(stop, Verdict.DENY, ()).ok
    assert not Result(stop, Verdict.ALLOW, ()).ok
    assert Result(allow, Verdict.ALLOW, ()).ok and not Result(allow, Verdict.ASK, ()).ok


def test_fixture_has_real_databases_and_a_git_repository() -> None:
    import sqlite3

    with fixture() as where:
        project = Path(where.project)
        with sqlite3.connect(project / "data" / "app.sqlite") as db:
            assert db.execute("SELECT count(*) FROM users").fetchone() == (2,)
        assert (project / ".git" / "HEAD").read_text().strip() == "ref: refs/heads/feature/corpus"
        assert (project / "links" / "data").resolve() == (project / "data").resolve()
    assert not project.exists()


def test_file_tool_rows_get_the_fixture_s_absolute_paths() -> None:
    row = Row("stop", "x", 1, tool="Write", tool_input={"file_path": "$PROJECT/.env", "content": ""})
    home_row = Row("stop", "x", 2, tool="Edit", tool_input={"file_path": "$HOME/.bashrc"})
    assert row.action("/p", "/h").tool_input["file_path"] == "/p/.env"
    assert home_row.action("/p", "/h").tool_input["file_path"] == "/h/.bashrc"
    assert Row("allow", "x", 3, cmd="ls", cwd="src").action("/p").cwd == "/p/src"


def test_a_project_policy_of_your_own_is_what_the_rows_meet() -> None:
    policy = (
        'version = 1\n[[rule]]\nid = "keep-notes"\nkinds = ["file.delete"]\npaths = ["**/notes.txt"]\n'
        'verdict = "deny"\nreason = "notes are kept"\nmatch = ["rm notes.txt"]\n'
    )
    row = Row("stop", "mine", 1, cmd="rm notes.txt")
    assert run_corpus([row])[0].verdict == Verdict.ALLOW
    assert run_corpus([row], policy)[0].verdict == Verdict.DENY
