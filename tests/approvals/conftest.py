"""Approvals tests: a project, a user config routing asks to the queue, and a gate that decides as a hook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from approvalkit import ASKED, configure

from agentguard.models import Action, Decision
from agentguard.pipeline import Gate


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
