"""Test a policy against a corpus of commands, the way agentguard tests its own.

A corpus row is a JSON object: `{"cmd": "rm -rf src", "expect": "stop"}` for a shell command, or
`{"tool": "Write", "tool_input": {"file_path": ".env", "content": "…"}, "expect": "stop"}` for a file tool.
"stop" means the gate must ask or deny; "allow" means it must allow. Optional keys: "note" (why the row is
there) and "cwd" (a directory inside the fixture project to run in). File-tool paths may start with
`$PROJECT` or `$HOME` (hosts send absolute paths; these stand for the fixture's).

Rows are evaluated through the real `pipeline.Gate` inside a fixture project built from real files (real
SQLite databases, a git repository with a commit), with a fake home directory and `AGENTGUARD_HOME` in a
temporary directory, so nothing of the user's machine is read or written.

    from agentguard.testing import load_corpus, run_corpus
    results = run_corpus(load_corpus("tests/corpus"))
    misses = [r for r in results if not r.ok]
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentguard.models import Action, Decision, Verdict
from agentguard.pipeline import Gate
from agentguard.state import Places

EXPECTATIONS = ("stop", "allow")


@dataclass(frozen=True, slots=True)
class Row:
    """One corpus row: a command or a file-tool call, and what the gate must do with it."""

    expect: str
    family: str
    line: int
    cmd: str | None = None
    tool: str | None = None
    tool_input: Mapping[str, Any] = field(default_factory=dict)
    note: str = ""
    cwd: str = ""

    @property
    def destructive(self) -> bool:
        return self.expect == "stop"

    def describe(self) -> str:
        if self.cmd is not None:
            return self.cmd
        return f"{self.tool} {json.dumps(dict(self.tool_input), sort_keys=True)[:160]}"

    def action(self, project: str, home: str = "") -> Action:
        where = os.path.join(project, self.cwd) if self.cwd else project
        if self.cmd is not None:
            return Action.shell(self.cmd, where)
        if self.tool == "Bash":  # a host's Bash tool call: the same as a command row
            return Action.shell(str(self.tool_input.get("command", "")), where)
        return Action(tool=self.tool or "?", cwd=where, tool_input=_placed(self.tool_input, project, home))


def _placed(tool_input: Mapping[str, Any], project: str, home: str) -> dict[str, Any]:
    """File tools get absolute paths from a host: rows write them as `$PROJECT/…` or `$HOME/…`."""
    out = dict(tool_input)
    for key in ("file_path", "notebook_path", "path"):
        value = out.get(key)
        if isinstance(value, str) and value.startswith("$PROJECT"):
            out[key] = project + value[len("$PROJECT") :]
        elif isinstance(value, str) and value.startswith("$HOME") and home:
            out[key] = home + value[len("$HOME") :]
    return out


@dataclass(frozen=True, slots=True)
class Result:
    """What the gate decided for a row, and whether that is what the row expects."""

    row: Row
    verdict: Verdict
    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        stopped = self.verdict != Verdict.ALLOW
        return stopped if self.row.destructive else not stopped

    def describe(self) -> str:
        why = "; ".join(self.reasons)[:240]
        return f"[{self.row.family}:{self.row.line}] expect {self.row.expect}, got {self.verdict}: " \
               f"{self.row.describe()!r} — {why}"  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fixture:
    """Where a corpus runs: the project, a fake home and agentguard's own state, all under one temp dir."""

    root: str
    project: str
    home: str
    agentguard_home: str

    @property
    def places(self) -> Places:
        return Places(
            state=os.path.join(self.agentguard_home, "state"),
            config=os.path.join(self.agentguard_home, "config"),
            home=self.home,
        )


def parse_row(item: Any, family: str, line: int) -> Row:
    """A row from its JSON object; ValueError names what is wrong, so a corpus typo is not a silent pass."""
    if not isinstance(item, dict):
        raise ValueError(f"{family}:{line}: a row must be a JSON object")
    expect = item.get("expect")
    if expect not in EXPECTATIONS:
        raise ValueError(f"{family}:{line}: expect must be 'stop' or 'allow', not {expect!r}")
    note, cwd = str(item.get("note", "")), str(item.get("cwd", ""))
    if isinstance(item.get("cmd"), str):
        return Row(expect, family, line, cmd=item["cmd"], note=note, cwd=cwd)
    tool, tool_input = item.get("tool"), item.get("tool_input")
    if isinstance(tool, str) and isinstance(tool_input, dict):
        return Row(expect, family, line, tool=tool, tool_input=tool_input, note=note, cwd=cwd)
    raise ValueError(f'{family}:{line}: expected {{"cmd": …}} or {{"tool": …, "tool_input": {{…}}}}')


def load_corpus(where: str | os.PathLike[str]) -> list[Row]:
    """Rows from one .jsonl file or every .jsonl file in a directory; the family is the file's stem."""
    path = Path(where)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    rows: list[Row] = []
    for file in files:
        with file.open(encoding="utf-8") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    rows.append(parse_row(json.loads(raw), file.stem, number))
    return rows


def build_fixture(root: str | os.PathLike[str], policy: str | None = None) -> Fixture:
    """A realistic project under `root`: sources, artifacts, secrets, real SQLite databases, a git repo.
    `policy` is the project layer's TOML (the fixture's agentguard.toml), to test a policy of your own."""
    base = Path(root)
    project, home, guard_home = base / "project", base / "home", base / "guard-home"
    for directory in (project, home, guard_home):
        directory.mkdir(parents=True, exist_ok=True)
    for rel, text in PROJECT_FILES.items():
        _write(project / rel, text)
    if policy is not None:
        _write(project / "agentguard.toml", policy)
    for rel, text in HOME_FILES.items():
        _write(home / rel, text)
    for rel in PROJECT_DIRS:
        (project / rel).mkdir(parents=True, exist_ok=True)
    for rel in DATABASES:
        _sqlite(project / rel)
    _links(project, home)
    _git(project)
    return Fixture(str(base), str(project), str(home), str(guard_home))


@contextmanager
def fixture(policy: str | None = None) -> Iterator[Fixture]:
    """A fixture project in a fresh temporary directory (with `policy` as its agentguard.toml), removed after."""
    # Not "agentguard-*": the fixture's guard state lives in it, and rows that clean up agentguard's temp
    # folders in /tmp would then (rightly) be denied for deleting the guard's own state.
    root = tempfile.mkdtemp(prefix="ag-corpus-")
    try:
        yield build_fixture(root, policy)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def evaluate(rows: Iterable[Row], where: Fixture) -> list[Result]:
    """Decide every row through the real gate, with AGENTGUARD_HOME pointing at the fixture's state dir."""
    # A login session has USER and LOGNAME; a bare container running the tests may not.
    session = {name: os.environ.get(name) or "agent" for name in ("USER", "LOGNAME")}
    with _environment({"AGENTGUARD_HOME": where.agentguard_home, "CLAUDE_PROJECT_DIR": None, **session}):
        gate = Gate(where.places)
        results = []
        for row in rows:
            decision: Decision = gate.decide(row.action(where.project, where.home), project_root=where.project)
            results.append(Result(row, decision.verdict, decision.reasons))
        return results


def run_corpus(rows: Iterable[Row], policy: str | None = None) -> list[Result]:
    """Build a fixture (with `policy` as the project's agentguard.toml), decide every row in it, clean up."""
    with fixture(policy) as where:
        return evaluate(rows, where)


@contextmanager
def _environment(values: Mapping[str, str | None]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _setenv(name, value)
        yield
    finally:
        for name, value in saved.items():
            _setenv(name, value)


def _setenv(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT, active INTEGER)")
        db.execute("CREATE TABLE IF NOT EXISTS memories (id INTEGER PRIMARY KEY, key TEXT, value TEXT)")
        db.execute("INSERT INTO users (email, active) VALUES ('a@example.com', 1), ('b@example.com', 0)")
    db.close()


def _links(project: Path, home: Path) -> None:
    """Symlinks that hide what they point at: a path through them must be judged by its target."""
    links = project / "links"
    links.mkdir(exist_ok=True)
    for name, target in (("data", project / "data"), ("home", home), ("memory.db", project / ".agentic-qe/memory.db")):
        if not (links / name).is_symlink():
            (links / name).symlink_to(target)


def _git(project: Path) -> None:
    """A repository on a feature branch with one commit, so git commands see a real HEAD."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}  # fmt: skip
    run = {"cwd": project, "env": env, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q", "-b", "feature/corpus"], **run)  # type: ignore[call-overload]
    subprocess.run(["git", "add", "src", "README.md", "package.json"], **run)  # type: ignore[call-overload]
    subprocess.run(["git", "commit", "-q", "-m", "initial"], **run)  # type: ignore[call-overload]


PROJECT_DIRS = (
    "node_modules/left-pad", "build/lib", "dist", ".pytest_cache", "src/__pycache__", "coverage", ".next/cache",
    "target/debug", ".venv/lib", ".mypy_cache", ".ruff_cache", "logs", "tmp", "docs", "tests/fixtures",
    "migrations/versions", "db/migrate", "scripts", "public/assets", "vendor", "backups", ".github/workflows",
    "infra", "k8s", "config", "uploads", "assets", "lib", "pgdata/base",
)  # fmt: skip

PROJECT_FILES = {
    "README.md": "# demo\n",
    "package.json": json.dumps(
        {
            "name": "demo",
            "scripts": {
                "test": "jest",
                "build": "tsc -p .",
                "clean": "rimraf dist build coverage",
                "lint": "eslint src",
                "dev": "vite",
                "prebuild": "npm run clean",
                "db:reset": "prisma migrate reset --force",
                "memory:wipe": "rm -f .agentic-qe/*.db",
                "format": "prettier --write src",
            },
        }
    )
    + "\n",
    "package-lock.json": '{"lockfileVersion": 3}\n',
    "requirements.txt": "requests\n",
    "pyproject.toml": '[project]\nname = "demo"\nversion = "0.1.0"\n',
    "Makefile": "build:\n\ttrue\n",
    "notes.txt": "notes\n",
    "todo.md": "- a\n",
    "src/app.py": "print('hi')\n",
    "src/main.py": "import app\n",
    "src/utils.py": "def f():\n    return 1\n",
    "src/index.ts": "export {};\n",
    "src/components/Button.tsx": "export const B = 1;\n",
    "src/config.json": "{}\n",
    "lib/helpers.js": "module.exports = {};\n",
    "tests/test_app.py": "def test_x():\n    assert True\n",
    "docs/index.md": "# docs\n",
    "scripts/deploy.sh": "#!/bin/sh\necho deploy\n",
    ".venv/bin/activate": 'VIRTUAL_ENV="$PWD/.venv"\nexport VIRTUAL_ENV\nPATH="$VIRTUAL_ENV/bin:$PATH"\nexport PATH\n',
    ".venv/bin/python": "",
    "scripts/cleanup.sh": "#!/bin/sh\nrm -rf build\n",
    "config/settings.yaml": "debug: true\n",
    "config/database.yml": "development:\n  adapter: sqlite3\n",
    "logs/app.log": "INFO start\nERROR DROP TABLE users attempted\n",
    "logs/error.log": "ERROR x\n",
    ".env": "API_KEY=secret\nDATABASE_URL=postgres://localhost/app\n",
    ".env.local": "API_KEY=local\n",
    ".env.production": "API_KEY=prod\n",
    ".env.example": "API_KEY=\n",
    ".gitignore": "node_modules\n.env\n",
    "build/lib/out.js": "1\n",
    "dist/bundle.js": "1\n",
    "coverage/lcov.info": "TN:\n",
    "node_modules/left-pad/index.js": "module.exports = 1;\n",
    "src/__pycache__/app.cpython-311.pyc": "x",
    "prisma/schema.prisma": 'datasource db {\n  provider = "sqlite"\n  url = "file:./dev.db"\n}\n',
    "migrations/versions/001_init.py": "revision = '001'\n",
    "db/schema.rb": "ActiveRecord::Schema.define {}\n",
    "seed.sql": "INSERT INTO users (email) VALUES ('x@example.com');\n",
    "schema.sql": "CREATE TABLE t (id int);\n",
    "drop.sql": "DROP TABLE users;\n",
    "backups/app.bak": "backup\n",
    "backups/dump.sql.gz": "x",
    "terraform.tfstate": "{}\n",
    "infra/main.tf": 'resource "null_resource" "x" {}\n',
    "k8s/deployment.yaml": "kind: Deployment\n",
    "docker-compose.yml": "services: {}\n",
    "Dockerfile": "FROM python:3.11\n",
    "certs/server.key": "KEY\n",
    "certs/server.pem": "PEM\n",
    ".github/workflows/ci.yml": "on: push\n",
    "uploads/photo.jpg": "jpg",
    "data/users.csv": "id,email\n1,a@example.com\n",
    "manage.py": "import django\n",
    "agentguard.toml": "version = 1\n",
    ".claude/settings.json": '{"hooks": {}}\n',
    ".husky/pre-commit": "#!/bin/sh\nnpm test\n",
    "pgdata/base/1": "x",
    "data/dump.rdb": "REDIS",
    "image.iso": "iso",
    "archive.tar.gz": "x",
    "release.zip": "x",
}

HOME_FILES = {
    ".bashrc": "export PATH=$PATH\n",
    ".zshrc": "export PATH=$PATH\n",
    ".profile": "\n",
    ".bash_history": "ls\n",
    ".zsh_history": ": 1700000000:0;ls\n",
    ".gitconfig": "[user]\n  name = t\n",
    ".ssh/id_ed25519": "KEY\n",
    ".ssh/id_ed25519.pub": "ssh-ed25519 AAAA\n",
    ".ssh/config": "Host *\n",
    ".ssh/authorized_keys": "ssh-ed25519 AAAA\n",
    ".aws/credentials": "[default]\n",
    ".aws/config": "[default]\n",
    ".kube/config": "apiVersion: v1\n",
    ".npmrc": "//registry/:_authToken=x\n",
    ".netrc": "machine x\n",
    ".claude/settings.json": '{"hooks": {}}\n',
    "Documents/report.docx": "x",
    "projects/other/README.md": "# other\n",
    ".cache/pip/x": "x",
}

DATABASES = (
    ".agentic-qe/memory.db", ".agentic-qe/patterns.db", "data/app.sqlite", "data/app.db", "db/development.sqlite3",
    "prisma/dev.db", "app.db", "analytics.duckdb",
)  # fmt: skip
