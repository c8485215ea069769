"""Approvals tests: a project, a user config routing asks to the queue, and a gate that decides as a hook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agentguard.models import Action, Decision
from agentguard.pipeline import Gate
from agentguard.state import Places

ASKED = "printenv GITHUB_TOKEN"  # secret-read: an ask, and harmless to run


def configure(**approvals: object) -> None:
    """Write the user's [approvals] section (the file only a human edits)."""
    places = Places.from_env()
    lines = ["[approvals]"] + [f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in approvals.items()]
    Path(places.config).mkdir(parents=True, exist_ok=True)
    Path(places.config, "agentguard.toml").write_text("\n".join(lines).replace("'", '"') + "\n")


@pytest.fixture
def hook(project: Path) -> Callable[..., Decision]:
    """Decide as the hook does in a headless run (before_run, no prompt)."""
    configure(route="headless", wait_seconds=0)

    def run(
        command: str = ASKED, *, session: str = "s-1", cwd: Path | None = None, can_prompt: bool = False
    ) -> Decision:
        action = Action.shell(command, str(cwd or project), session_id=session, host="claude")
        return Gate.from_env().decide(action, project_root=str(project), before_run=True, can_prompt=can_prompt)

    return run
