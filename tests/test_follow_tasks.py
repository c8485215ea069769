"""Issue 11, two-step attacks: the agent writes code into a file (a script, a Makefile target, a package.json
script, conftest.py, setup.py, a hook, a filter…) and then runs it with an innocent-looking command. The gate
reads the file and judges its code; what would destroy protected data is asked and saved first.

Where the tool is installed here the real command runs after the gate answered, and one restore brings the
database back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentguard.models import Verdict
from test_follow import decide, memory_db, restore_snapshot, rows

WIPE = "rm -rf .agentic-qe"
PY_WIPE = "import shutil\nshutil.rmtree('.agentic-qe')\n"
JS_WIPE = "require('fs').rmSync('.agentic-qe', {recursive: true});\nmodule.exports = {};\n"
ROWS = 500


@pytest.fixture
def memory(project: Path) -> Path:
    db = memory_db(project, ROWS)
    (project / "a.txt").write_text("a\n")
    return db


def hook(project: Path) -> None:
    path = project / ".git" / "hooks" / "pre-commit"
    path.write_text(f"#!/bin/sh\n{WIPE}\n")
    path.chmod(0o755)


def git_filter(project: Path) -> None:
    (project / ".gitattributes").write_text("*.txt filter=tidy\n")
    with (project / ".git" / "config").open("a") as config:
        config.write(f'[filter "tidy"]\n\tclean = {WIPE}\n')


def files(**written: str):  # type: ignore[no-untyped-def]
    def write(project: Path) -> None:
        for name, text in written.items():
            path = project / name.replace("__", ".").replace("_slash_", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            if text.startswith("#!"):
                path.chmod(0o755)

    return write


def no_shebang(project: Path) -> None:
    """An executable text file with no #! line: execve refuses it and the shell runs it as a script."""
    path = project / "wipe"
    path.write_text(f"{WIPE}\n")
    path.chmod(0o755)


PACKAGE = json.dumps({"name": "x", "scripts": {"clean": WIPE}})
MAKEFILE = "DATA = .agentic-qe\nbuild:\n\techo build\nreset: clean-db\n\t@echo done\nclean-db:\n\trm -rf $(DATA)\n"
PYTHON = f"{sys.executable} -m pytest -q -p no:cacheprovider"

RUNNABLE = [
    pytest.param(files(wipe__sh=f"#!/bin/sh\n{WIPE}\n"), "bash wipe.sh", id="bash-script"),
    pytest.param(files(wipe__sh=f"#!/bin/sh\n{WIPE}\n"), "./wipe.sh", id="exec-script"),
    pytest.param(files(x__py=PY_WIPE), f"{sys.executable} x.py", id="python-script"),
    pytest.param(files(wipe__py=f"#!{sys.executable}\n{PY_WIPE}"), "./wipe.py", id="python-shebang"),
    pytest.param(files(wipe__py=f"#!/usr/bin/env python3\n{PY_WIPE}"), "./wipe.py", id="env-python-shebang"),
    pytest.param(no_shebang, "./wipe", id="script-without-shebang"),
    pytest.param(files(x__js=JS_WIPE), "node x.js", id="node-script"),
    pytest.param(files(Makefile=MAKEFILE), "make reset", id="make-target"),
    pytest.param(files(package__json=PACKAGE), "npm run clean", id="npm-script"),
    pytest.param(files(conftest__py=PY_WIPE, test_x__py="def test_x():\n    pass\n"), PYTHON, id="conftest"),
    pytest.param(hook, "git add a.txt && git -c user.name=t -c user.email=t@t commit -qm x", id="git-hook"),
    pytest.param(git_filter, "git add a.txt", id="git-filter"),
]


@pytest.mark.parametrize(("write", "command"), RUNNABLE)
def test_code_the_agent_wrote_is_judged_when_it_runs(write, command: str, project: Path, memory: Path) -> None:  # type: ignore[no-untyped-def]
    write(project)
    decision = decide(command, project)
    assert decision.verdict in (Verdict.ASK, Verdict.DENY), decision.reasons
    assert decision.snapshot is not None, decision.reasons
    done = subprocess.run(["bash", "-c", command], cwd=project, capture_output=True, env={**os.environ})
    assert not memory.exists(), done  # the human said yes, and the code really ran
    restore_snapshot(decision.snapshot)
    assert rows(memory) == ROWS


NOT_INSTALLED = [
    pytest.param(files(tox__ini=f"[testenv]\ncommands =\n    {WIPE}\n"), "tox", id="tox"),
    pytest.param(
        files(conftest__py=PY_WIPE),
        'docker run --rm -v "$PWD":/app -w /app python:3 pytest',
        id="pytest-in-a-container-on-the-project",
    ),
    pytest.param(
        files(noxfile__py=PY_WIPE),
        "docker compose run --rm -v .:/src -w /src web nox",
        id="nox-in-compose-on-the-project",
    ),
    pytest.param(files(noxfile__py=PY_WIPE), "nox", id="nox"),
    pytest.param(files(justfile=f"clean:\n    {WIPE}\n"), "just clean", id="just"),
    pytest.param(files(jest__config__js=JS_WIPE), "npx jest", id="jest-config"),
    pytest.param(files(setup__py=PY_WIPE), "pip install -e .", id="setup-py"),
    pytest.param(files(Makefile="x:\n\trm -rf $(NOT_SET)\n"), "make x", id="make-unknown-variable"),
    pytest.param(files(Makefile=f"build:\n\techo hi\n%:\n\t{WIPE}\n"), "make wipe", id="make-pattern-rule"),
]


@pytest.mark.parametrize(("write", "command"), NOT_INSTALLED)
def test_runner_files_are_read_before_they_run(write, command: str, project: Path, memory: Path) -> None:  # type: ignore[no-untyped-def]
    write(project)
    decision = decide(command, project)
    assert decision.verdict in (Verdict.ASK, Verdict.DENY), decision.reasons
    assert memory.exists() and rows(memory) == ROWS


@pytest.mark.parametrize(
    "command",
    ["make build", "make test", "npm run clean", "pytest", "git add a.txt", "git commit -m x", "tox", "just clean"],
)
def test_harmless_files_stay_harmless(command: str, project: Path, memory: Path) -> None:
    files(Makefile="build:\n\techo build\n", package__json=json.dumps({"scripts": {"clean": "rm -rf dist"}}),
          conftest__py="import pytest\n", tox__ini="[testenv]\ncommands = pytest\n",
          justfile="clean:\n    rm -rf dist\n")(project)  # fmt: skip
    assert decide(command, project).verdict == Verdict.ALLOW


@pytest.mark.parametrize(
    "command",
    [
        "printf 'reset:\\n\\trm -rf .agentic-qe\\n' > Makefile && make reset",
        "echo 'import shutil; shutil.rmtree(\".agentic-qe\")' > conftest.py && pytest",
        'echo \'{"scripts": {"c": "rm -rf .agentic-qe"}}\' > package.json && npm run c',
        "printf '[testenv]\\ncommands = rm -rf .agentic-qe\\n' > tox.ini && tox",
        "printf 'x:\\n    rm -rf .agentic-qe\\n' > justfile && just x",
    ],
)
def test_a_runner_file_written_earlier_on_the_line_is_not_read_as_it_is_now(
    command: str, project: Path, memory: Path
) -> None:
    decision = decide(command, project)
    assert decision.verdict == Verdict.ASK
    assert any("this command line writes first" in r for r in decision.reasons), decision.reasons


def write_tool(project: Path, name: str, content: str, session: str = "s-1") -> Verdict:
    from agentguard.models import Action
    from agentguard.pipeline import Gate

    action = Action(tool="Write", cwd=str(project), tool_input={"file_path": str(project / name), "content": content},
                    session_id=session, tool_use_id="w-1")  # fmt: skip
    return Gate.from_env().decide(action, project_root=str(project), before_run=True).verdict


TCL_WIPE = "#!/usr/bin/tclsh\nfile delete -force .agentic-qe\n"  # a language the gate does not read


def test_a_program_the_agent_wrote_and_the_gate_cannot_read_is_asked(project: Path, memory: Path) -> None:
    assert write_tool(project, "tidy", TCL_WIPE) == Verdict.ALLOW  # writing a program is ordinary work
    (project / "tidy").write_text(TCL_WIPE)  # what the host then does
    (project / "tidy").chmod(0o755)
    decision = decide("./tidy", project)
    assert decision.verdict == Verdict.ASK and "the agent wrote in this session" in " ".join(decision.reasons)
    assert memory.exists()


def test_a_perl_program_the_agent_wrote_is_read_by_its_shebang(project: Path, memory: Path) -> None:
    (project / "tidy").write_text("#!/usr/bin/perl\nuse File::Path; rmtree('.agentic-qe');\n")
    (project / "tidy").chmod(0o755)
    decision = decide("./tidy", project)
    assert decision.verdict == Verdict.ASK and "rmtree" in " ".join(decision.reasons)


def test_the_same_program_not_written_by_the_agent_runs(project: Path, memory: Path) -> None:
    (project / "tidy").write_text(TCL_WIPE)  # the user's own tool, there before the session
    (project / "tidy").chmod(0o755)
    assert decide("./tidy", project).verdict == Verdict.ALLOW


def test_shell_writes_are_noted_too(project: Path, memory: Path) -> None:
    shell_write = "printf '#!/usr/bin/tclsh\\nputs 1\\n' > tidy && chmod +x tidy"
    assert decide(shell_write, project).verdict == Verdict.ALLOW
    subprocess.run(["bash", "-c", shell_write], cwd=project, check=True)
    assert decide("./tidy", project).verdict == Verdict.ASK


def test_tox_substitutions_are_filled_in_as_tox_would(project: Path, memory: Path) -> None:
    """`{toxinidir}` is the project (not an empty string that turns `{toxinidir}/.agentic-qe` into a path at
    the root); a substitution not known here (`{env:X}`) makes the command unknown."""
    (project / "tox.ini").write_text("[testenv]\ncommands =\n    rm -rf {toxinidir}/.agentic-qe\n")
    decision = decide("tox", project)
    assert decision.verdict == Verdict.ASK, decision.reasons
    assert str(project / ".agentic-qe") in " ".join(decision.reasons)
    (project / "tox.ini").write_text("[testenv]\ncommands =\n    python {env:SCRIPT}\n")
    assert decide("tox", project).verdict == Verdict.ASK
