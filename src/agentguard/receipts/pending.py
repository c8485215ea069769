"""Notes between a call's PreToolUse and its PostToolUse: "this call saved these databases first", so its
outcome records what they hold after it. Kept apart from data_state so every PostToolUse pays one stat."""

from __future__ import annotations

import hashlib
import os

from agentguard.state import Places

FOLDER = "data-state-pending"


def marker(places: Places, session: str | None, tool_use: str | None) -> str:
    name = hashlib.sha256(f"{session}\0{tool_use or ''}".encode()).hexdigest()[:32]
    return os.path.join(places.state, FOLDER, name)


def note(places: Places, session: str | None, tool_use: str | None, databases: list[str]) -> None:
    path = marker(places, session, tool_use)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(databases))


def take(places: Places, session: str | None, tool_use: str | None) -> list[str]:
    """The databases noted for this call (the note is removed), or [] when there is none (the usual case)."""
    path = marker(places, session, tool_use)
    try:
        with open(path, encoding="utf-8") as handle:
            databases = [line for line in handle.read().splitlines() if line]
    except FileNotFoundError:
        return []
    os.unlink(path)
    return databases
