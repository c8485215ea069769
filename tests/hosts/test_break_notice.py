"""A declared ledger break the human cannot miss: every hook answer says so (to the human, in systemMessage),
doctor fails naming it and the command that resolves it, and init offers an alert URL and a mirror."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from agentguard.ledger import Actor, Ledger
from agentguard.ledger.breaks import resolve
from agentguard.ledger.config import EnvRef, config_file, user_settings
from agentguard.ledger.keys import load_key
from agentguard.state import Places
from breakkit import broken_ledger

AGENTGUARD = os.path.join(os.path.dirname(sys.executable), "agentguard")


def agentguard(*args: str, stdin: str | None = None, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([AGENTGUARD, *args], input=stdin, cwd=cwd, capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip


def hook(command: str, cwd: Path) -> dict[str, object]:
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
               "cwd": str(cwd), "session_id": "s1", "tool_use_id": "t1"}  # fmt: skip
    done = agentguard("hook", "claude", stdin=json.dumps(payload), cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else {}


def doctor(cwd: Path) -> tuple[int, dict[str, dict[str, object]]]:
    done = agentguard("doctor", "--json", cwd=cwd)
    return done.returncode, {c["name"]: c for c in json.loads(done.stdout)["checks"]}


def test_every_hook_answer_tells_the_human_while_a_break_is_unresolved(project: Path) -> None:
    assert hook("ls", project) == {}  # no break: an allow says nothing
    bid = broken_ledger()
    allowed, denied = hook("ls", project), hook("rm -rf /", project)
    for answer in (allowed, denied):
        assert bid in str(answer["systemMessage"]) and f"agentguard ledger resolve {bid}" in str(
            answer["systemMessage"]
        )
    assert "hookSpecificOutput" not in allowed  # still an allow: Claude Code's own permissions apply
    inner = denied["hookSpecificOutput"]
    assert isinstance(inner, dict) and inner["permissionDecision"] == "deny"
    assert bid not in str(inner["permissionDecisionReason"])  # the agent's text is about its own call
    with Ledger.open(Places.from_env()) as ledger:
        resolve(ledger, bid, "validate", "I deleted the anchor myself", load_key(ledger.paths.admin_key))
    assert hook("ls", project) == {}


def test_doctor_fails_with_the_break_and_the_command_that_resolves_it(project: Path) -> None:
    agentguard("init", "--claude", cwd=project)
    code, checks = doctor(project)
    assert checks["ledger"]["ok"] is True
    bid = broken_ledger()
    code, checks = doctor(project)
    assert code == 1 and checks["ledger"]["ok"] is False and checks["ledger"]["breaks"] == [bid]
    assert f"agentguard ledger resolve {bid} --validate|--ignore|--reject" in str(checks["ledger"]["detail"])
    with Ledger.open(Places.from_env()) as ledger:
        resolve(ledger, bid, "ignore", "test", load_key(ledger.paths.admin_key))
    code, checks = doctor(project)
    assert code == 0 and checks["ledger"]["ok"] is True


def test_doctor_fails_on_a_break_not_yet_declared(project: Path) -> None:
    with Ledger.open(Places.from_env()) as ledger:
        ledger.append("decision", Actor.agent("s0"), {"verdict": "allow"})
        ledger.checkpoint()
        os.unlink(ledger.paths.anchor)
    code, checks = doctor(project)
    assert code == 1 and "anchor file is gone" in str(checks["ledger"]["detail"])


def test_doctor_warns_until_init_adds_an_alert_url_and_a_mirror(project: Path, tmp_path: Path) -> None:
    agentguard("init", "--claude", cwd=project)
    code, checks = doctor(project)
    reporting = checks["break reporting"]
    assert code == 0 and reporting["warn"] is True and "start a fresh one" in str(reporting["detail"])
    mirror = tmp_path / "mirror"
    done = agentguard("init", "--alert-url", "json://127.0.0.1:9/hook", "--alert-url", "env:AG_ALERT",
                      "--mirror", str(mirror), "--json", cwd=project)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["break_reporting"]["warn"] is False and mirror.is_dir()
    settings = user_settings()
    assert settings.alerts.urls == ("json://127.0.0.1:9/hook", EnvRef("AG_ALERT"))
    assert [m.path for m in settings.ledger.mirrors] == [str(mirror)]
    code, checks = doctor(project)
    assert code == 0 and checks["break reporting"]["warn"] is False
    again = agentguard("init", "--alert-url", "json://127.0.0.1:9/hook", "--mirror", str(mirror), "--json",
                       cwd=project)  # fmt: skip
    assert json.loads(again.stdout)["added"] == []  # nothing twice


@pytest.mark.parametrize(
    ("existing", "args", "message"),
    [
        pytest.param(
            '[alerts]\nurls = ["json://127.0.0.1:9/a"]\n',
            ("--alert-url", "json://127.0.0.1:9/b"),
            "already has an [alerts] table",
            id="alerts-table",
        ),
        pytest.param("", ("--alert-url", "not a url"), "expected an apprise URL", id="not-a-url"),
        pytest.param("[ledger\n", ("--mirror", "/tmp/m"), "not valid TOML", id="broken-file"),
    ],
)
def test_init_refuses_what_it_cannot_add_and_leaves_the_file(project: Path, existing: str, args: tuple[str, ...],
                                                            message: str) -> None:  # fmt: skip
    path = Path(config_file(Places.from_env().config))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(existing)
    done = agentguard("init", *args, cwd=project)
    assert done.returncode != 0 and message in done.stderr
    assert path.read_text() == existing


def test_init_appends_to_a_config_that_has_other_settings(project: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv("HOME", str(tmp_path))
    path = Path(config_file(Places.from_env().config))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[ledger]\nbreak_timeout_hours = 24\n")
    assert agentguard("init", "--mirror", "~/ag-mirror", cwd=project).returncode == 0
    data = tomllib.loads(path.read_text())
    assert data["ledger"]["break_timeout_hours"] == 24
    assert data["ledger"]["mirror"] == [{"type": "dir", "path": str(tmp_path / "ag-mirror")}]
