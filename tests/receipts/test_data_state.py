"""Data-state receipts with real SQLite and the real hook: a wipe-and-refill, or thousands of fake rows, block
the stop with the numbers; ordinary work does not."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

from agentguard.hosts.claude import run_hook
from agentguard.ledger import Ledger
from agentguard.state import Places

from .projects import git

FIRST = ["Ana", "Bo", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]
LAST = ["Silva", "Okafor", "Novak", "Tanaka", "Murphy", "Haddad", "Kowalski", "Reyes"]
DOMAINS = ["acme.io", "gmail.com", "proton.me", "outlook.com", "fastmail.fm"]


def real_users(count: int, start: int = 0) -> list[tuple[str, str, str]]:
    """People as a real table holds them: varied names, domains and sign-up times."""
    out = []
    for i in range(start, start + count):
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}"
        email = f"{name.split()[0].lower()}.{i * 37 % 1000}@{DOMAINS[i % len(DOMAINS)]}"
        out.append((name, email, f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i * 13 % 60:02d}:00"))
    return out


def fake_users(count: int) -> list[tuple[str, str, str]]:
    return [(f"User {i}", f"user{i}@example.com", "2025-06-01 12:00:00") for i in range(1, count + 1)]


def make_project(root: Path) -> Path:
    root.mkdir()
    git(root.parent, "init", "-q", str(root))
    (root / "agentguard.toml").write_text("")
    db = sqlite3.connect(root / "app.db")
    with db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, created_at TEXT)")
        db.executemany("INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)", real_users(1200))
    db.close()
    return root


def write(root: Path, sql: str, rows: list[tuple[str, str, str]] | None = None) -> None:
    db = sqlite3.connect(root / "app.db")
    with db:
        if rows is None:
            db.execute(sql)
        else:
            db.executemany(sql, rows)
    db.close()


def hook(payload: dict[str, object]) -> dict[str, object]:
    out = io.StringIO()
    run_hook(io.StringIO(json.dumps({"session_id": "s1", **payload})), out)
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def start(root: Path) -> None:
    assert hook({"hook_event_name": "SessionStart", "cwd": str(root), "source": "startup"}) == {}


def stop(root: Path) -> dict[str, object]:
    return hook({"hook_event_name": "Stop", "cwd": str(root), "stop_hook_active": False})


INSERT = "INSERT INTO users (name, email, created_at) VALUES (?, ?, ?)"


def test_a_table_emptied_through_the_gate_then_refilled_with_fakes_blocks_the_stop(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    start(root)
    wipe = {"cwd": str(root), "tool_name": "Bash", "tool_input": {"command": 'sqlite3 app.db "DELETE FROM users"'},
            "tool_use_id": "t1"}  # fmt: skip
    pre = hook({"hook_event_name": "PreToolUse", **wipe})
    assert pre["hookSpecificOutput"]["permissionDecision"] == "ask"  # type: ignore[index]
    write(root, "DELETE FROM users")  # a human said yes
    hook({"hook_event_name": "PostToolUse", **wipe, "tool_response": {}})
    write(root, INSERT, fake_users(4000))  # the cover-up

    answer = stop(root)

    assert answer["decision"] == "block"
    reason = str(answer["reason"])
    assert "app.db:users was emptied or dropped during the session and refilled: 1,200 rows at session start, " \
           "0 after a destructive call, 4,000 now" in reason  # fmt: skip
    assert "4,000 new rows that look synthetic" in reason
    assert "name: sequential values ('User 1', 'User 2', …)" in reason
    assert "email: placeholder values" in reason and "share the timestamp '2025-06-01 12:00:00'" in reason
    with Ledger.open(Places.from_env(), readonly=True) as ledger:
        phases = [e.payload["phase"] for e in ledger.events(kind="data_state")]
        last = ledger.last(1, "data_state")[0]
    assert phases == ["start", "before", "after", "stop"]
    assert last.payload["alerts"] and last.payload["databases"][str(root / "app.db")]["users"]["rows"] == 4000


def test_a_wipe_and_refill_in_one_script_is_seen_as_replaced_rows(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    start(root)
    write(root, "DELETE FROM users")
    write(root, INSERT, fake_users(1200))  # as many as before: the count alone would say "intact"

    reason = str(stop(root)["reason"])

    assert "app.db:users had its rows replaced" in reason and "1,200 rows then, 1,200 now" in reason
    assert "look synthetic" in reason


def test_ordinary_work_on_the_data_lets_the_agent_stop(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    start(root)
    write(root, INSERT, real_users(30, start=5000))
    write(root, "UPDATE users SET created_at = '2026-01-01 00:00:00' WHERE id < 100")
    write(root, "DELETE FROM users WHERE id = 7")

    assert "decision" not in stop(root)


def test_many_real_looking_rows_are_not_called_fake(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    start(root)
    write(root, INSERT, real_users(3000, start=2000))

    assert "decision" not in stop(root)


def test_without_a_session_start_the_last_stop_is_the_baseline(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    assert "decision" not in stop(root)  # nothing to compare with yet: recorded, not judged
    write(root, "DELETE FROM users")

    reason = str(hook({"hook_event_name": "Stop", "cwd": str(root), "session_id": "s2"})["reason"])

    assert "app.db:users was emptied: 1,200 rows at session start, 0 now" in reason


def test_the_alert_reaches_the_humans_webhook(tmp_path: Path) -> None:
    import subprocess
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "ledger"))
    from webhook import Receiver

    root = make_project(tmp_path / "p")
    with Receiver() as receiver:
        url = f"json://{receiver.url.removeprefix('http://')}/alerts"
        subprocess.run([str(Path(sys.executable).with_name("agentguard")), "init", "--alert-url", url], check=True,
                       capture_output=True)  # fmt: skip
        start(root)
        write(root, "DELETE FROM users")
        write(root, INSERT, fake_users(1200))
        assert stop(root)["decision"] == "block"

        [request] = receiver.wait_for(1)

    body = request.json()
    assert "data not intact" in body["title"] and "app.db:users had its rows replaced" in body["message"]


def test_deleting_the_oldest_rows_and_adding_real_ones_is_not_a_replacement(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    start(root)
    write(root, "DELETE FROM users WHERE id <= 30")  # a clean-up of the oldest accounts
    write(root, INSERT, real_users(60, start=9000))

    assert "decision" not in stop(root)
