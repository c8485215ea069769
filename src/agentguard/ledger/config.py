"""The `[ledger]` and `[alerts]` settings, read from the user's config file and nowhere else.

Mirrors and alert targets are how a broken or rolled-back ledger comes to a human's attention, so they live in
`<Places.config>/agentguard.toml`, out of the agent's reach. The project layer sits in the workspace, which the
agent can edit; the policy loader refuses these sections there.

Secrets are never written inline: a value that carries one is `{ env = "NAME" }` and is looked up only when a
mirror or alerter is built, so a settings object can be printed or logged without leaking a token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from agentguard.errors import PolicyError
from agentguard.state import Places

CONFIG_NAME = "agentguard.toml"
MIRROR_TYPES = ("dir", "git", "http")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Header names whose values are credentials: these must come from the environment, never from the file.
_SECRET_HEADER = re.compile(r"authorization|cookie|token|secret|key|password|auth", re.IGNORECASE)


class ConfigError(PolicyError):
    """The user config's [ledger] or [alerts] section is invalid: the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class EnvRef:
    """A value to be taken from the environment variable `name` when it is needed."""

    name: str

    def resolve(self, where: str, environ: Mapping[str, str] | None = None) -> str:
        env = os.environ if environ is None else environ
        value = env.get(self.name)
        if not value:
            raise ConfigError(
                f"{where}: the environment variable {self.name} is not set (or empty). Export it in the "
                f"environment agentguard runs in (for the hook: the one Claude Code is started from), or remove "
                f"the reference from the config"
            )
        return value


Value = str | EnvRef


def resolve(value: Value, where: str, environ: Mapping[str, str] | None = None) -> str:
    return value.resolve(where, environ) if isinstance(value, EnvRef) else value


@dataclass(frozen=True, slots=True)
class MirrorSpec:
    """One `[[ledger.mirror]]` entry, validated but with its secrets still unresolved."""

    type: str  # one of MIRROR_TYPES
    where: str  # "file: ledger.mirror[i]", for messages
    path: str = ""  # dir, git: absolute
    url: Value = ""  # http
    headers: tuple[tuple[str, Value], ...] = ()
    timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    mirrors: tuple[MirrorSpec, ...] = ()
    break_timeout: timedelta = timedelta(hours=72)  # no human answer by then → timeout_no_action


@dataclass(frozen=True, slots=True)
class AlertSettings:
    urls: tuple[Value, ...] = ()
    first: timedelta = timedelta(0)  # delay between detecting a break and the first alert
    every: timedelta = timedelta(hours=12)  # re-notify interval while the break stays open
    dashboard: str = ""  # a link put in the alert next to the resolve command


@dataclass(frozen=True, slots=True)
class Settings:
    ledger: LedgerSettings = LedgerSettings()
    alerts: AlertSettings = AlertSettings()
    source: str = ""  # the file read; empty when there was none


def config_file(config_dir: str) -> str:
    return os.path.join(config_dir, CONFIG_NAME)


def load_settings(config_dir: str) -> Settings:
    """Settings from `<config_dir>/agentguard.toml`; defaults (no mirrors, no alerts) when the file is absent."""
    import tomllib  # here, not at the top: the hook answers from its policy cache without loading tomllib

    path = config_file(config_dir)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return Settings()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config ({exc})") from None
    return Settings(
        ledger=parse_ledger(_table(data, "ledger", path), path),
        alerts=parse_alerts(_table(data, "alerts", path), path),
        source=path,
    )


def user_settings(places: Places | None = None) -> Settings:
    """The settings of this user (AGENTGUARD_HOME or the platform's config dir)."""
    return load_settings((places or Places.from_env()).config)


def parse_ledger(table: Mapping[str, Any], source: str = "<config>") -> LedgerSettings:
    _known(table, ("mirror", "break_timeout_hours"), f"{source}: ledger")
    entries = table.get("mirror", [])
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: ledger.mirror must be an array of tables ([[ledger.mirror]])")
    mirrors = tuple(parse_mirror(entry, f"{source}: ledger.mirror[{i}]") for i, entry in enumerate(entries))
    hours = _positive(table, "break_timeout_hours", 72, f"{source}: ledger")
    return LedgerSettings(mirrors=mirrors, break_timeout=timedelta(hours=hours))


def parse_mirror(entry: Any, where: str) -> MirrorSpec:
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: each mirror must be a table with a type")
    kind = entry.get("type")
    if kind not in MIRROR_TYPES:
        raise ConfigError(f"{where}.type: expected one of {', '.join(MIRROR_TYPES)}, got {kind!r}")
    if kind == "http":
        _known(entry, ("type", "url", "headers", "timeout_seconds"), where)
        url = parse_value(entry.get("url"), f"{where}.url")
        if isinstance(url, str):
            _check_http_url(url, f"{where}.url")
        headers = entry.get("headers", {})
        if not isinstance(headers, Mapping):
            raise ConfigError(f"{where}.headers: must be a table of header = value")
        pairs = tuple((str(k), _header_value(str(k), v, f"{where}.headers.{k}")) for k, v in headers.items())
        timeout = _positive(entry, "timeout_seconds", 10, where)
        return MirrorSpec(type="http", where=where, url=url, headers=pairs, timeout=timeout)
    _known(entry, ("type", "path"), where)
    path = entry.get("path")
    if not isinstance(path, str) or not path:
        raise ConfigError(f'{where}.path: a {kind} mirror needs path = "/absolute/path"')
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        # A relative path would be resolved against the hook's cwd: the project, inside the agent's reach.
        raise ConfigError(f"{where}.path: must be absolute (or start with ~), got {entry['path']!r}")
    return MirrorSpec(type=kind, where=where, path=os.path.normpath(path))


def parse_alerts(table: Mapping[str, Any], source: str = "<config>") -> AlertSettings:
    _known(table, ("urls", "first_after_minutes", "renotify_hours", "dashboard"), f"{source}: alerts")
    raw = table.get("urls", [])
    if not isinstance(raw, list):
        raise ConfigError(f'{source}: alerts.urls must be a list of apprise URLs or {{ env = "NAME" }}')
    urls = tuple(parse_value(item, f"{source}: alerts.urls[{i}]") for i, item in enumerate(raw))
    first = table.get("first_after_minutes", 0)
    if isinstance(first, bool) or not isinstance(first, int | float) or first < 0:
        raise ConfigError(f"{source}: alerts.first_after_minutes must be a number ≥ 0, got {first!r}")
    every = _positive(table, "renotify_hours", 12, f"{source}: alerts")
    dashboard = table.get("dashboard", "")
    if not isinstance(dashboard, str):
        raise ConfigError(f"{source}: alerts.dashboard must be a string (a link to the resolution page)")
    return AlertSettings(urls=urls, first=timedelta(minutes=first), every=timedelta(hours=every), dashboard=dashboard)


def parse_value(raw: Any, where: str) -> Value:
    """A plain non-empty string, or `{ env = "NAME" }`."""
    if isinstance(raw, str) and raw:
        return raw
    if isinstance(raw, Mapping):
        if set(raw) != {"env"} or not isinstance(raw["env"], str) or not _ENV_NAME.fullmatch(raw["env"]):
            raise ConfigError(f'{where}: a reference must be {{ env = "NAME" }} with a variable name, got {raw!r}')
        return EnvRef(raw["env"])
    raise ConfigError(f'{where}: expected a non-empty string or {{ env = "NAME" }}, got {raw!r}')


def _header_value(name: str, raw: Any, where: str) -> Value:
    value = parse_value(raw, where)
    if isinstance(value, str) and _SECRET_HEADER.search(name):
        raise ConfigError(f'{where}: {name} carries a credential; write {name} = {{ env = "NAME" }} and export '
                          "NAME instead of putting the secret in the file")  # fmt: skip
    return value


def _check_http_url(url: str, where: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: expected an http:// or https:// URL, got {url!r}")
    if parts.password is not None:
        raise ConfigError(f'{where}: the URL has a password in it; use url = {{ env = "NAME" }} or an '
                          'Authorization = { env = "NAME" } header')  # fmt: skip


def _table(data: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: {key} must be a table ([{key}])")
    return value


def _known(table: Mapping[str, Any], keys: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in keys:
            raise ConfigError(f"{where}.{key}: unknown key (expected one of: {', '.join(keys)})")


def _positive(table: Mapping[str, Any], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{where}.{key}: must be a number > 0, got {value!r}")
    return float(value)
