"""The real dashboard (`agentguard dashboard` in its own process, on 127.0.0.1) and a real headless Chromium
(Debian's `chromium`, driven by Playwright pointed at that executable; never a downloaded browser build)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from boardkit import ASKED, Board, configure_headless

from agentguard.models import Action, Decision
from agentguard.pipeline import Gate

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # screenshots, kept after the run (git-ignored)


@pytest.fixture
def board(project: Path) -> Iterator[Board]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDECODE", "CLAUDE_CODE_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "agentguard", "dashboard", "--json", "--project", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"the dashboard did not start: {process.stderr.read() if process.stderr else ''}")
        data = json.loads(line)
        yield Board(data["url"], f"http://127.0.0.1:{data['port']}", data["port"])
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def hook(project: Path) -> Callable[..., Decision]:
    configure_headless()

    def run(command: str = ASKED, session: str = "s-1") -> Decision:
        action = Action.shell(command, str(project), session_id=session, host="claude")
        return Gate.from_env().decide(action, project_root=str(project), before_run=True, can_prompt=False)

    return run


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A browser per test, stopped after it: one sync Playwright at a time in the process (the e2e test
    starts its own, and two alive at once is an error)."""
    if not os.path.exists(CHROMIUM):
        reason = "Debian's chromium is not installed: bash scripts/install-test-deps.sh (as root)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):  # CI must run them, never skip
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
