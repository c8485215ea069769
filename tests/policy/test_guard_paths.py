"""The guard's own install, state and Claude settings are out of bounds for every kind of write, whatever
command does it: a file tool, chmod, or SQL on the snapshot catalog."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from agentguard.models import Decision, Verdict
from agentguard.state import Places, install_dir

Decide = Callable[..., Decision]


def test_install_dir_is_this_virtualenv() -> None:
    assert install_dir() == sys.prefix and os.path.exists(os.path.join(install_dir(), "bin", "agentguard"))


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("chmod -x {install}/bin/agentguard", id="chmod-the-console-script"),
        pytest.param("echo 'import os' > {install}/lib/python3.11/site-packages/zz.pth", id="pth-file"),
        pytest.param("cp evil.py {install}/lib/python3.11/site-packages/sitecustomize.py", id="sitecustomize"),
        pytest.param("sqlite3 {state}/snapshots/catalog.db 'DELETE FROM snapshots WHERE rowid > 0'", id="catalog"),
        pytest.param("echo '---' > .claude/agents/helper.md", id="project-claude-dir"),
        pytest.param("echo '{{}}' > ~/.claude/settings.json", id="user-claude-settings"),
        pytest.param("rm -rf ~/.claude/hooks", id="user-claude-hooks"),
    ],
)
def test_writes_into_the_guard_are_denied(decide: Decide, command: str) -> None:
    state = Places.from_env().state
    decision = decide(command.format(install=install_dir(), state=state))
    assert decision.verdict == Verdict.DENY, decision.reasons
    assert any(m.rule == "guard-self-protection" for m in decision.matches)


def test_plans_and_reads_stay_allowed(decide: Decide, project: Path) -> None:
    plan = decide("echo plan > ~/.claude/plans/p.md")  # asks: outside the project, but no guard rule
    assert plan.verdict == Verdict.ASK and not any(m.rule == "guard-self-protection" for m in plan.matches)
    assert decide("cat .claude/settings.json").verdict == Verdict.ALLOW
    assert decide(f"ls {install_dir()}/bin").verdict == Verdict.ALLOW


@pytest.mark.parametrize("command", ["cat {keys}/admin.key", "head -c 64 {keys}/agent.key", "base64 {keys}/admin.key"])
def test_reading_the_guards_keys_is_denied(decide: Decide, command: str) -> None:
    keys = os.path.join(Places.from_env().state, "ledger", "keys")
    decision = decide(command.format(keys=keys))
    assert decision.verdict == Verdict.DENY and any(m.rule == "guard-keys" for m in decision.matches)


def test_reading_a_key_with_the_read_tool_is_denied(project: Path) -> None:
    from agentguard.models import Action
    from agentguard.pipeline import Gate

    key = os.path.join(Places.from_env().state, "ledger", "keys", "admin.key")
    action = Action(tool="Read", cwd=str(project), tool_input={"file_path": key})
    decision = Gate.from_env().decide(action, project_root=str(project))
    assert decision.verdict == Verdict.DENY, decision.reasons


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("rm -rf {state_parent}", id="delete-the-folder-above-the-state"),
        pytest.param("mv {state_parent} /tmp/elsewhere", id="move-the-folder-above-the-state"),
        pytest.param("find {state_parent} -delete", id="find-delete-above-the-state"),
        pytest.param("chmod -R 000 {state_parent}", id="chmod-everything-above-the-state"),
        pytest.param("rm -rf ~/.claude/..", id="the-home-through-claude"),
    ],
)
def test_folders_that_hold_the_guard_are_denied(decide: Decide, command: str) -> None:
    """Deleting, moving or locking a folder above the state dir takes the ledger, keys and snapshots with it:
    the next hook would start a fresh, empty guard."""
    state_parent = os.path.dirname(Places.from_env().state)
    decision = decide(command.format(state_parent=state_parent))
    assert decision.verdict == Verdict.DENY, decision.reasons
    assert any(m.rule.startswith("guard-parents") for m in decision.matches), decision.reasons


@pytest.mark.parametrize("command", ["rm -rf ~/.cache/pip", "chmod 700 {state_parent}", "rm -rf src"])
def test_folders_beside_the_guard_are_not_guard_parents(decide: Decide, command: str) -> None:
    state_parent = os.path.dirname(Places.from_env().state)
    decision = decide(command.format(state_parent=state_parent))
    assert not any(m.rule.startswith("guard-parents") for m in decision.matches), decision.reasons


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("{install}/bin/pip install evilpkg", id="the-guards-own-pip"),
        pytest.param("{install}/bin/python -m pip install evilpkg", id="the-guards-own-python-m-pip"),
        pytest.param("pip install --target {install}/lib/python3.11/site-packages x", id="target-into-the-guard"),
        pytest.param("python3 -c 'from agentguard.state import write_mode; write_mode(\"shadow\")'", id="import"),
        pytest.param("{install}/bin/python -c 'import agentguard.ledger'", id="the-guards-python-importing-it"),
        pytest.param("python3 - <<'EOF'\nimport importlib\nimportlib.import_module('agentguard.state')\nEOF",
                     id="import-module-in-a-heredoc"),
    ],
)  # fmt: skip
def test_code_and_packages_reaching_into_the_guard_are_denied(decide: Decide, command: str) -> None:
    """A package installed into agentguard's environment can ship a .pth that runs in every hook; inline code
    importing agentguard can call write_mode() with no path the gate would see."""
    decision = decide(command.format(install=install_dir()))
    assert decision.verdict == Verdict.DENY, decision.reasons


@pytest.mark.parametrize("command", [".venv/bin/pip install -r requirements.txt", "pip install --prefix /tmp/p x",
                                     "python3 -c 'import json; print(json.dumps({}))'"])  # fmt: skip
def test_installs_elsewhere_and_other_code_are_not_guard_tampering(decide: Decide, command: str) -> None:
    decision = decide(command)
    assert decision.verdict == Verdict.ALLOW, decision.reasons


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("tar xf wiring.tar", id="tar-extract"),
        pytest.param("unzip -o wiring.zip", id="unzip-overwrite"),
        pytest.param("rsync -a {crafted}/ .", id="rsync-contents"),
        pytest.param("cp -r {crafted}/. .", id="cp-contents"),
    ],
)
def test_archives_and_merged_trees_that_carry_claude_settings_are_denied(
    decide: Decide, project: Path, tmp_path: Path, command: str
) -> None:
    """The agent writes an archive or a folder holding `.claude/settings.json` (allowed: it is not the
    project's), then unpacks or merges it over the project: the gate looks at the names it carries."""
    import tarfile
    import zipfile

    crafted = tmp_path / "crafted"
    (crafted / ".claude").mkdir(parents=True)
    (crafted / ".claude" / "settings.json").write_text("{}")
    (crafted / "notes.txt").write_text("x")
    with tarfile.open(project / "wiring.tar", "w") as tarred:
        tarred.add(crafted / ".claude", arcname=".claude")
    with zipfile.ZipFile(project / "wiring.zip", "w") as zipped:
        zipped.write(crafted / ".claude" / "settings.json", ".claude/settings.json")
    decision = decide(command.format(crafted=crafted))
    assert decision.verdict == Verdict.DENY, decision.reasons
    assert any(m.rule == "guard-self-protection" for m in decision.matches)


def test_archives_without_guard_files_are_judged_by_their_members(decide: Decide, project: Path) -> None:
    import tarfile

    (project / "data.txt").write_text("x")
    with tarfile.open(project / "plain.tgz", "w:gz") as tarred:
        tarred.add(project / "data.txt", arcname="out/data.txt")
    decision = decide("tar xzf plain.tgz")
    assert decision.verdict == Verdict.ALLOW, decision.reasons
    assert [e.path for e in decision.effects if e.kind.value.startswith("file.")] == [str(project / "out/data.txt")]
