"""Data-state receipts (not built yet): see the report of issue 14."""

from __future__ import annotations

from agentguard.state import Places


def stop_check(places: Places, root: str, session: str) -> str | None:
    return None
