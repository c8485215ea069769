"""Layering: built-in < user < project, and the project layer may only tighten."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentguard.errors import PolicyError
from agentguard.models import Action, Verdict
from agentguard.pipeline import Gate
from agentguard.policy.loader import load_policy
from agentguard.state import Places


def load(project: Path):  # type: ignore[no-untyped-def]
    places = Places.from_env()
    return load_policy(str(project), places=places.glob_places(str(project)), config_dir=places.config)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param(
            '[[rule]]\nid = "x"\nkinds = ["db.*"]\nverdict = "allow"\n', "may only tighten", id="project-allow-rule"
        ),
        pytest.param('[defaults]\n"db.*" = "allow"\n', "only tighten defaults", id="project-looser-default"),
        pytest.param('[paths]\nartifacts = ["**/data/**"]\n', "exempts paths", id="project-extends-artifacts"),
        pytest.param(
            '[[rule]]\nid = "protected-data"\nkinds = ["file.delete"]\nverdict = "ask"\n',
            "may not replace rule",
            id="project-overrides-builtin-rule",
        ),
        pytest.param('[settings]\nunknown = "allow"\n', "tighten settings.unknown", id="project-unknown-allow"),
        pytest.param('[[rule]]\nid = "y"\nverdict = "deny"\n', "matches every effect", id="rule-without-conditions"),
        pytest.param('[[rule]]\nid = "z"\nkinds = ["read"]\nverdict = "nope"\n', "unknown verdict", id="bad-verdict"),
        pytest.param("[[rule]\n", "not valid TOML", id="bad-toml"),
    ],
)
def test_project_layer_errors_name_the_file(project: Path, text: str, message: str) -> None:
    (project / "agentguard.toml").write_text(text)
    with pytest.raises(PolicyError) as info:
        load(project)
    assert message in info.value.message
    assert "agentguard.toml" in info.value.message


def test_project_can_tighten(project: Path) -> None:
    (project / "agentguard.toml").write_text(
        '[[rule]]\nid = "docs-are-precious"\nkinds = ["file.delete"]\npaths = ["$PROJECT/notes.txt"]\n'
        'verdict = "deny"\nreason = "team notes"\nmatch = ["rm notes.txt"]\nnot_match = ["rm other.txt"]\n'
    )
    decision = Gate.from_env().decide(Action.shell("rm notes.txt", str(project)))
    assert decision.verdict == Verdict.DENY and "team notes" in decision.reasons[0]


def test_pyproject_tool_table_is_a_project_layer(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.agentguard.defaults]\n"exec.build" = "ask"\n')
    assert Gate.from_env().decide(Action.shell("make", str(project))).verdict == Verdict.ASK


def test_user_layer_may_loosen_by_replacing_a_rule(project: Path, agentguard_home: Path) -> None:
    gate = Gate.from_env()
    assert gate.decide(Action.shell("rm .agentic-qe/patterns.db", str(project))).verdict == Verdict.ASK
    (agentguard_home / "config").mkdir()
    (agentguard_home / "config" / "agentguard.toml").write_text(
        '[[rule]]\nid = "protected-data"\nkinds = ["file.delete"]\npaths = ["**/.agentic-qe/*.db"]\n'
        'verdict = "allow"\nreason = "scratch memory"\nmatch = ["rm .agentic-qe/patterns.db"]\n'
    )
    assert gate.decide(Action.shell("rm .agentic-qe/patterns.db", str(project))).verdict == Verdict.ALLOW


def test_production_context_turns_ask_into_deny(project: Path, agentguard_home: Path) -> None:
    from agentguard.models import Effect, Kind
    from agentguard.policy.engine import evaluate

    policy = load(project)
    drop = Effect.make(Kind.DB_DROP, "table users", "drops", context={"host": "db.prod.internal"})
    dev = Effect.make(Kind.DB_DROP, "table users", "drops", context={"host": "localhost"})
    assert evaluate(policy, (drop,)).verdict == Verdict.DENY
    assert evaluate(policy, (dev,)).verdict == Verdict.ASK
