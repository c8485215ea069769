"""Issue 13 end to end: a real `claude -p` run (no prompt can answer an ask) meets `git reset --hard`; the ask
becomes pending approval A-1 and the agent is told to rerun after approval. The human approves A-1 in the
dashboard, in a real headless Chromium; the agent retries in the same session (`--resume`) and it runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from claude_cli import Runner
from project_files import APP, APP_CHANGED, APP_COMMITTED

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DISCARD = "git reset --hard"


@pytest.fixture
def dashboard_url(runner: Runner) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLAUDECODE", "CLAUDE_CODE_"))}
    env["AGENTGUARD_HOME"] = str(runner.agentguard_home)
    process = subprocess.Popen([sys.executable, "-m", "agentguard", "dashboard", "--json"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        yield str(json.loads(process.stdout.readline())["url"])
    finally:
        process.terminate()
        process.wait(timeout=10)


def approve_in_chromium(url: str, approval: str) -> None:
    if not os.path.exists(CHROMIUM):
        reason = "Debian's chromium is not installed: bash scripts/install-test-deps.sh (as root)"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):  # CI must run them, never skip
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        browser = play.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page: Any = browser.new_page(viewport={"width": 1200, "height": 800})
        page.set_default_timeout(15000)
        page.goto(url)
        page.click(f"text={approval}")
        assert DISCARD in (page.text_content("#action") or "")
        page.click("#approve")
        page.wait_for_selector("#done")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "e2e-approved-in-dashboard.png"), full_page=True)
        assert page.text_content("#status") == "approved"
        browser.close()


def test_a_headless_ask_approved_in_the_browser_runs_when_the_agent_retries(
    runner: Runner, guarded_project: Path, dashboard_url: str
) -> None:
    config = runner.agentguard_home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "agentguard.toml").write_text('[approvals]\nroute = "headless"\nwait_seconds = 0\n')

    first = runner.run(guarded_project, [DISCARD])
    refused = first.tool_result(0)
    assert refused.is_error and "approval A-1 pending: rerun after approval" in refused.text, first.describe()
    assert (guarded_project / APP).read_text() == APP_CHANGED, "nothing ran"
    session = first.result.get("session_id")
    assert isinstance(session, str) and session, first.describe()

    approve_in_chromium(dashboard_url, "A-1")

    retry = runner.run(guarded_project, [DISCARD, DISCARD], extra_args=["--resume", session])
    assert not retry.tool_result(1).is_error, retry.describe()
    assert (guarded_project / APP).read_text() == APP_COMMITTED, "the approved action ran"
    listed = runner.agentguard(guarded_project, "approvals", "list", "--all", "--json")
    (used,) = json.loads(listed.stdout)["approvals"]
    assert used["status"] == "used" and used["decided_how"] == "dashboard" and used["session"] == session
