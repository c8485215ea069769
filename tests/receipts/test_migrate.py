"""`agentguard migrate` with real SQLite and a real test runner: a failing migration, or one whose checks fail,
leaves the database byte-identical to before; a good one stays, with its receipt."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from agentguard.ledger import Ledger
from agentguard.models import Action, Verdict
from agentguard.pipeline import Gate
from agentguard.state import Places

from .projects import PYTEST

SCRIPT = str(Path(sys.executable).with_name("agentguard"))
ADD_COLUMN = "import sqlite3\ndb = sqlite3.connect('app.db')\ndb.execute('ALTER TABLE users ADD COLUMN plan TEXT')\n"
DROP_EMAIL = ("import sqlite3\ndb = sqlite3.connect('app.db')\ndb.execute('ALTER TABLE users DROP COLUMN email')\n"
              "db.commit()\n")  # fmt: skip
HALF_THEN_FAIL = (
    "import sqlite3, sys\ndb = sqlite3.connect('app.db')\ndb.execute('DELETE FROM users WHERE id > 1')\n"
    "db.commit()\nsys.exit('migration 0042 failed halfway')\n"
)
TEST_SCHEMA = (
    "import sqlite3\n\n\ndef test_users_keep_their_email():\n    db = sqlite3.connect('app.db')\n"
    "    columns = [r[1] for r in db.execute('PRAGMA table_info(users)')]\n    assert 'email' in columns\n"
)


def make_project(root: Path) -> Path:
    root.mkdir()
    (root / "agentguard.toml").write_text(f'[receipts]\nchecks = ["{PYTEST}"]\n')
    (root / "test_schema.py").write_text(TEST_SCHEMA)
    db = sqlite3.connect(root / "app.db")
    with db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT)")
        db.executemany("INSERT INTO users VALUES (?, ?, ?)", [(i, f"user{i}", f"u{i}@x.io") for i in range(1, 500)])
    db.close()
    return root


def migrate(root: Path, script: str, *extra: str) -> subprocess.CompletedProcess[str]:
    (root / "migration.py").write_text(script)
    return subprocess.run([SCRIPT, "migrate", *extra, "--json", "--", sys.executable, "migration.py"], cwd=root,
                          capture_output=True, text=True, check=False)  # fmt: skip


def migrations() -> list[dict[str, object]]:
    with Ledger.open(Places.from_env(), readonly=True) as ledger:
        return [dict(e.payload) for e in ledger.events(kind="migration")]


def test_a_failing_migration_is_rolled_back_byte_identical(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    before = (root / "app.db").read_bytes()

    done = migrate(root, HALF_THEN_FAIL)

    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["rolled_back"] is True and "exited 1" in report["failed"]
    assert (root / "app.db").read_bytes() == before
    [event] = migrations()
    assert event["rolled_back"] is True and event["restore_ok"] is True and event["receipt"] is None


def test_a_migration_whose_checks_fail_is_rolled_back_byte_identical(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    before = (root / "app.db").read_bytes()

    done = migrate(root, DROP_EMAIL)

    assert done.returncode == 1, done.stderr
    assert "checks failed after it" in json.loads(done.stdout)["failed"]
    assert (root / "app.db").read_bytes() == before
    [event] = migrations()
    assert event["exit_code"] == 0 and event["rolled_back"] is True and isinstance(event["receipt"], int)


def test_a_good_migration_stays_with_a_passing_receipt(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")

    done = migrate(root, ADD_COLUMN + "db.commit()\n")

    assert done.returncode == 0, done.stderr
    db = sqlite3.connect(root / "app.db")
    assert "plan" in [r[1] for r in db.execute("PRAGMA table_info(users)")]
    db.close()
    [event] = migrations()
    assert event["rolled_back"] is False and event["failed"] is None


def test_without_a_database_it_refuses_to_run(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "agentguard.toml").write_text("")

    done = migrate(root, "open('ran', 'w').write('x')\n")

    assert done.returncode != 0 and "no database to protect" in done.stderr
    assert not (root / "ran").exists()


def test_the_gate_judges_the_migration_command_itself(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    gate = Gate.from_env()

    def verdict(command: str) -> Verdict:
        return gate.decide(Action.shell(command, str(root)), project_root=str(root)).verdict

    assert verdict("agentguard migrate -- alembic upgrade head") == Verdict.ALLOW
    assert verdict("agentguard migrate --db app.db -- rm -rf /") == Verdict.DENY


def test_the_database_alembic_ini_names_is_the_one_protected(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    (root / "app.db").rename(root / "state.sqlite.bin")  # outside @data: only alembic.ini says it is the database
    (root / "alembic.ini").write_text(
        "[alembic]\nscript_location = migrations\nsqlalchemy.url = sqlite:///state.sqlite.bin\n"
    )
    before = (root / "state.sqlite.bin").read_bytes()

    done = migrate(root, HALF_THEN_FAIL.replace("app.db", "state.sqlite.bin"))

    assert done.returncode == 1 and json.loads(done.stdout)["databases"] == [str(root / "state.sqlite.bin")]
    assert (root / "state.sqlite.bin").read_bytes() == before
