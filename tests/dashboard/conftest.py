"""The real dashboard (`agentguard dashboard` in its own process, on 127.0.0.1) and a real headless Chromium
(Debian's `chromium`, driven by Playwright pointed at that executable; never a downloaded browser build)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from agentguard.models import Action, Decision
from agentguard.pipeline import Gate
from agentguard.state import Places

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # screenshots, kept after the run (git-ignored)
ASKED = "printenv GITHUB_TOKEN"


class Board(NamedTuple):
    url: str  # the printed one, with the token
    base: str  # http://127.0.0.1:PORT
    port: int


def configure_headless() -> None:
    places = Places.from_env()
    Path(places.config).mkdir(parents=True, exist_ok=True)
    Path(places.config, "agentguard.toml").write_text('[approvals]\nroute = "headless"\nwait_seconds = 0\n')


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


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed: bash scripts/install-test-deps.sh (as root)")
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


def http(
    method: str, url: str, *, data: dict[str, str] | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    """One request; a redirect answer is returned as (status, location), not followed."""
    from urllib.parse import urlencode

    body = urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.build_opener(_Stay).open(req, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        if exc.code in (302, 303):  # a redirect is not followed: its target is the answer's text
            return exc.code, exc.headers.get("location", "")
        return exc.code, exc.read().decode()


class _Stay(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None
