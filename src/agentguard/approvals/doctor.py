"""What `agentguard doctor` says about approvals: how asks are routed, how many wait, and who can answer."""

from __future__ import annotations

import os
from typing import Any

from agentguard.errors import AgentGuardError
from agentguard.state import Places


def check(places: Places, *, protected: bool) -> dict[str, Any]:
    from agentguard.approvals.settings import load
    from agentguard.approvals.store import Approvals, db_path

    try:
        settings = load(places)
        waiting = 0
        if os.path.exists(db_path(places.state)):
            with Approvals.open(places.state) as store:
                waiting = len(store.list(open_only=True))
    except (AgentGuardError, OSError) as exc:
        return {"name": "approvals", "ok": False, "detail": getattr(exc, "message", None) or str(exc)}
    routed = {"headless": "asks no prompt can answer (claude -p, CI)", "always": "every ask", "off": "no ask"}
    detail = (f"{routed[settings.route]} wait for a human ({settings.wait_seconds:g} s in the hook, then "
              f"denied as pending; a grant lasts {settings.grant_minutes} min); {waiting} pending")  # fmt: skip
    if protected:
        detail += "; the queue is the daemon's: only root answers (sudo agentguard approvals approve A-…)"
        return {"name": "approvals", "ok": True, "detail": detail}
    detail += (
        "; the queue is in your state dir: only the gate (guard.tamper) keeps a same-user agent from answering "
        "it. Protected mode (sudo agentguard system install) puts it out of the agent's reach"
    )
    return {"name": "approvals", "ok": True, "warn": True, "detail": detail}


def human_name() -> str:
    """Who answers: the user behind sudo when there is one (protected mode answers through sudo)."""
    import getpass

    return os.environ.get("SUDO_USER") or getpass.getuser()
