"""`agentguard init --alert-url … --mirror …`: add an alert target or a directory mirror to the user's config.

Only appends what the file does not have yet, and parses the whole result (TOML, then the [ledger] and
[alerts] rules) before it replaces the file: a config that agentguard would refuse is never written. Where an
append cannot express the change (an [alerts] table already there), the error says what to edit by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from agentguard.ledger.config import ConfigError, config_file, parse_alerts, parse_ledger
from agentguard.state import write_text_atomic

ENV_PREFIX = "env:"  # --alert-url env:NAME writes { env = "NAME" }: the URL's token stays out of the file


def add_alert_urls(config_dir: str, urls: Sequence[str]) -> list[str]:
    """Add apprise URLs (or `env:NAME`) to [alerts] urls; returns those that were not there already."""
    values = [_alert_value(url) for url in urls]
    added: list[str] = []

    def change(text: str, data: Mapping[str, Any], path: str) -> str | None:
        alerts = data.get("alerts")
        have = _alert_values(alerts.get("urls", [])) if isinstance(alerts, Mapping) else []
        new = [v for i, v in enumerate(values) if v not in have and v not in values[:i]]
        added.extend(url for url, value in zip(urls, values, strict=True) if value in new)
        if not new:
            return None
        listed = ", ".join(_toml(v) for v in new)
        if isinstance(alerts, Mapping):
            raise ConfigError(f"{path} already has an [alerts] table: add {listed} to its urls by hand")
        return text + f"\n[alerts]\nurls = [{listed}]\n"

    _edit(config_dir, change)
    return list(dict.fromkeys(added))


def add_dir_mirror(config_dir: str, folder: str) -> bool:
    """Add a `dir` mirror (made now, private to this user); False when that folder is a mirror already."""
    path = os.path.normpath(os.path.abspath(os.path.expanduser(folder)))

    def change(text: str, data: Mapping[str, Any], _: str) -> str | None:
        ledger = data.get("ledger")
        mirrors = ledger.get("mirror", []) if isinstance(ledger, Mapping) else []
        for entry in mirrors if isinstance(mirrors, list) else []:
            if isinstance(entry, Mapping) and entry.get("type") == "dir" and entry.get("path") == path:
                return None
        return text + f'\n[[ledger.mirror]]\ntype = "dir"\npath = {_toml(path)}\n'

    changed = _edit(config_dir, change)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return changed


def _edit(config_dir: str, change: Callable[[str, Mapping[str, Any], str], str | None]) -> bool:
    path = config_file(config_dir)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc})") from None
    new = change(text, _parse(text, path), path)
    if new is None:
        return False
    data = _parse(new, path)
    parse_ledger(_mapping(data.get("ledger")), path)
    parse_alerts(_mapping(data.get("alerts")), path)
    write_text_atomic(path, new)
    return True


def _parse(text: str, path: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix it, or make the change by hand") from None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _alert_value(url: str) -> str | dict[str, str]:
    if url.startswith(ENV_PREFIX):
        return {"env": url[len(ENV_PREFIX) :]}
    if "://" not in url:
        raise ConfigError(f"--alert-url: expected an apprise URL (scheme://…) or env:NAME, got {url!r}")
    return url


def _alert_values(raw: object) -> list[object]:
    return list(raw) if isinstance(raw, list) else []


def _toml(value: str | dict[str, str]) -> str:
    """A TOML basic string (JSON's escapes are TOML's) or an inline table { env = "NAME" }."""
    if isinstance(value, dict):
        return "{ env = " + json.dumps(value["env"]) + " }"
    return json.dumps(value, ensure_ascii=False)
