"""Docs kept honest by tests: every command's --help is in docs/cli.md as it is, every exit code is documented
once, and the README opens with exactly the two commands .ci/run relies on.

After changing a command: `UPDATE_DOCS=1 .venv/bin/pytest tests/test_docs.py` rewrites docs/cli.md's reference.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

from agentguard import errors

ROOT = Path(__file__).resolve().parents[1]
CLI_DOC = ROOT / "docs" / "cli.md"
BEGIN, END = "<!-- reference:begin -->", "<!-- reference:end -->"


RENDER = """
import click
from agentguard.cli.app import cli

def commands(group, prefix="agentguard"):
    for name in sorted(group.commands):
        command = group.commands[name]
        yield f"{prefix} {name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix} {name}")

for path, command in commands(cli):
    with click.Context(command, info_name=path, terminal_width=100) as ctx:
        print(f"### `{path}`\\n\\n```text\\n{command.get_help(ctx)}\\n```\\n")
"""


def reference() -> str:
    """Every command's --help, rendered in a fresh process: click caches parts of a command's help once it has
    run, so in-process rendering would depend on which tests ran before."""
    done = subprocess.run([sys.executable, "-c", RENDER], capture_output=True, text=True, timeout=120, check=True)
    return done.stdout


def test_every_command_is_in_the_cli_reference_as_its_help_says() -> None:
    text = CLI_DOC.read_text()
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    wanted = f"{head}{BEGIN}\n{reference()}{END}{tail}"
    if os.environ.get("UPDATE_DOCS"):
        CLI_DOC.write_text(wanted)
    assert text == wanted, "docs/cli.md is out of date: run UPDATE_DOCS=1 .venv/bin/pytest tests/test_docs.py"


def test_every_exit_code_is_documented_once() -> None:
    # A subclass may share its family's code (MirrorError is a LedgerError); a class that sets its own may not
    # take one another family already has.
    codes = {c.__name__: c.exit_code for c in _error_classes() if "exit_code" in vars(c)}
    assert len(set(codes.values())) == len(codes), f"an exit code is reused: {codes}"
    table = CLI_DOC.read_text().split("## Exit codes", 1)[1]
    for name, code in codes.items():
        assert re.search(rf"^\| {code} \|.*`{name}`", table, re.M), f"exit code {code} ({name}) is not documented"


def _error_classes() -> list[type[errors.AgentGuardError]]:
    """Every AgentGuardError subclass in the package (each module imported, so none hides)."""
    import agentguard

    for module in pkgutil.walk_packages(agentguard.__path__, "agentguard."):
        if not module.name.endswith("__main__"):  # that one runs the CLI
            importlib.import_module(module.name)
    found, todo = [], [errors.AgentGuardError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_the_readme_opens_with_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in first_block.strip().splitlines()]
    assert lines == ["bash scripts/demo.sh", "bash scripts/test.sh"]
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text()
