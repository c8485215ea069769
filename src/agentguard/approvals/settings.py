"""The `[approvals]` section of the user's config (`<Places.config>/agentguard.toml`, out of the agent's reach).

[approvals]
route = "headless"      # headless: asks no prompt can answer; always: every ask; off: never
wait_seconds = 3        # how long the hook waits for a human before denying "pending"
request_minutes = 60    # how long a pending request can be approved
grant_minutes = 15      # how long an approval may wait for the agent's retry
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from agentguard.errors import StateError
from agentguard.state import Places, write_json_atomic

CONFIG_NAME = "agentguard.toml"  # ledger.config.CONFIG_NAME: the user's config file, [approvals] beside [alerts]

ROUTES = ("headless", "always", "off")
MAX_WAIT = 40  # Claude Code gives a hook 60 s and the daemon 50 s: the wait must end well before


@dataclass(frozen=True, slots=True)
class ApprovalSettings:
    """The [approvals] section, checked (see the module's docstring for each key)."""

    route: str = "headless"
    wait_seconds: float = 3.0
    request_minutes: int = 60
    grant_minutes: int = 15

    def applies(self, can_prompt: bool) -> bool:
        """Whether an ask becomes a pending approval (rather than Claude Code's own prompt)."""
        return self.route == "always" or (self.route == "headless" and not can_prompt)


def load(places: Places) -> ApprovalSettings:
    """The settings, read back from `<state>/approvals-settings.json` while the config file is the one they
    came from (its identity and mtime): an ask in the hook then costs no TOML parse (tomllib ~ms)."""
    path = config_file(places.config)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return ApprovalSettings()
    except OSError as exc:
        raise StateError(f"{path}: cannot read the config ({exc})") from None
    key = f"{info.st_dev}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"
    cache = os.path.join(places.state, "approvals-settings.json")
    try:
        with open(cache, encoding="utf-8") as handle:
            saved = json.load(handle)
        if saved["key"] == key:
            return parse(saved["settings"], cache)  # checked again: a cache is never trusted blindly
    except (OSError, ValueError, KeyError, TypeError, StateError):
        pass
    settings = _read(path)
    with contextlib.suppress(OSError):  # no cache: the next ask parses the file again
        write_json_atomic(cache, {"key": key, "settings": asdict(settings)})
    return settings


def _read(path: str) -> ApprovalSettings:
    import tomllib  # only on a cache miss

    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle).get("approvals", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StateError(f"{path}: cannot read the config ({exc})") from None
    return parse(table, path)


def parse(table: Mapping[str, Any], source: str) -> ApprovalSettings:
    if not isinstance(table, Mapping):
        raise StateError(f"{source}: [approvals] must be a table")
    unknown = set(table) - {"route", "wait_seconds", "request_minutes", "grant_minutes"}
    if unknown:
        raise StateError(f"{source}: approvals has unknown keys: {', '.join(sorted(unknown))}")
    route = table.get("route", "headless")
    if route not in ROUTES:
        raise StateError(f"{source}: approvals.route must be one of {', '.join(ROUTES)}, not {route!r}")
    wait = _number(table.get("wait_seconds", 3), f"{source}: approvals.wait_seconds", MAX_WAIT)
    request = int(_number(table.get("request_minutes", 60), f"{source}: approvals.request_minutes", 7 * 24 * 60))
    grant = int(_number(table.get("grant_minutes", 15), f"{source}: approvals.grant_minutes", 24 * 60))
    return ApprovalSettings(route=route, wait_seconds=wait, request_minutes=request, grant_minutes=grant)


def config_file(config_dir: str) -> str:
    return os.path.join(config_dir, CONFIG_NAME)


def _number(value: Any, where: str, most: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= most:
        raise StateError(f"{where}: {value!r} is not a number from 0 to {most:g}")
    return float(value)
