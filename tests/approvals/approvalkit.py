"""Helpers shared by the approvals tests (a plain module: tests/approvals is on sys.path, and a name of its own
so it is not confused with another folder's conftest)."""

from __future__ import annotations

from pathlib import Path

from agentguard.state import Places

ASKED = "printenv GITHUB_TOKEN"  # secret-read: an ask, and harmless to run


def configure(**approvals: object) -> None:
    """Write the user's [approvals] section (the file only a human edits)."""
    places = Places.from_env()
    lines = ["[approvals]"] + [f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in approvals.items()]
    Path(places.config).mkdir(parents=True, exist_ok=True)
    Path(places.config, "agentguard.toml").write_text("\n".join(lines).replace("'", '"') + "\n")
