"""Helpers shared by the dashboard tests (a plain module, named apart from other folders' conftest)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, NamedTuple

from agentguard.state import Places

ASKED = "printenv GITHUB_TOKEN"


class Board(NamedTuple):
    url: str  # the printed one, with the token
    base: str  # http://127.0.0.1:PORT
    port: int


def configure_headless() -> None:
    places = Places.from_env()
    Path(places.config).mkdir(parents=True, exist_ok=True)
    Path(places.config, "agentguard.toml").write_text('[approvals]\nroute = "headless"\nwait_seconds = 0\n')


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
