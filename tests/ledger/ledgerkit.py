"""Helpers shared by the ledger tests (imported as a plain module: tests/ledger is on sys.path)."""

from __future__ import annotations

from agentguard.ledger import Actor, Ledger


def fill(ledger: Ledger, count: int, kind: str = "decision") -> None:
    for i in range(count):
        ledger.append(kind, Actor.agent("session-1"), {"command": f"echo {i}", "verdict": "allow", "n": i})


def tamper(db_path: str, *statements: tuple[str, tuple[object, ...]]) -> None:
    """Edit the database behind agentguard's back, as an attacker with file access would (triggers dropped)."""
    import sqlite3

    db = sqlite3.connect(db_path)
    for trigger in ("events_append_only_u", "events_append_only_d", "checkpoints_append_only_u",
                    "checkpoints_append_only_d"):  # fmt: skip
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for sql, args in statements:
        db.execute(sql, args)
    db.commit()
    db.close()


def rows(db_path: str) -> dict[int, tuple[str, bytes, bytes]]:
    import sqlite3

    db = sqlite3.connect(db_path)
    found = {s: (k, bytes(b), bytes(g)) for s, k, b, g in db.execute("SELECT seq, kind, body, sig FROM events")}
    db.close()
    return found
