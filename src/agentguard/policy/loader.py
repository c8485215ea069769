"""Policy files to a `Policy`: built-in defaults < user < project, the project layer only tightening.

The project layer lives in the workspace, where the agent can edit it, so nothing in it may loosen what the
layers below say: no allow rules, no laxer defaults, no overriding of a rule by id, no additions to the sets
that exempt paths (artifacts, temp). Every error names the file and, where it can, the line.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentguard.errors import PolicyError
from agentguard.models import Verdict
from agentguard.policy import globs
from agentguard.policy.model import EXEMPTING_SETS, Policy, Rule
from agentguard.policy.ship_settings import merge_ship_settings

DEFAULT_POLICY = Path(__file__).with_name("default.toml")
RULE_KEYS = frozenset(
    [
        "id",
        "verdict",
        "reason",
        "kinds",
        "not_kinds",
        "paths",
        "not_paths",
        "targets",
        "not_targets",
        "context",
        "not_context",
        "recursive",
        "holds",
        "production",
        "match",
        "not_match",
    ]
)


@dataclass(frozen=True, slots=True)
class Layer:
    """One policy file, read and parsed."""

    name: str  # "default", "user" or "project"
    path: str
    text: str
    data: Mapping[str, Any]


def project_policy_file(project_root: str) -> tuple[str, str, Mapping[str, Any]] | None:
    """agentguard.toml at the root, else pyproject.toml's [tool.agentguard]: (path, text, table)."""
    own = os.path.join(project_root, "agentguard.toml")
    if os.path.isfile(own):
        text = _read(own)
        return own, text, _parse(own, text)
    pyproject = os.path.join(project_root, "pyproject.toml")
    if os.path.isfile(pyproject):
        text = _read(pyproject)
        table = _parse(pyproject, text).get("tool", {}).get("agentguard")
        if isinstance(table, dict):
            return pyproject, text, table
    return None


def read_layers(project_root: str, config_dir: str) -> list[Layer]:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    layers = [Layer("default", "<built-in>/default.toml", text, _parse("<built-in>/default.toml", text))]
    user = os.path.join(config_dir, "agentguard.toml")
    if os.path.isfile(user):
        user_text = _read(user)
        layers.append(Layer("user", user, user_text, _parse(user, user_text)))
    project = project_policy_file(project_root)
    if project is not None:
        layers.append(Layer("project", project[0], project[1], project[2]))
    return layers


def load_policy(project_root: str, *, places: Mapping[str, str], config_dir: str) -> Policy:
    return merge(read_layers(project_root, config_dir), places)


def merge(layers: Sequence[Layer], places: Mapping[str, str]) -> Policy:
    settings: dict[str, Any] = {}
    defaults: dict[str, Verdict] = {}
    path_sets: dict[str, list[str]] = {}
    production: dict[str, list[str]] = {}
    raw_rules: dict[str, tuple[Layer, Mapping[str, Any]]] = {}
    for layer in layers:
        data = layer.data
        _check_top_keys(layer)
        _merge_settings(layer, data.get("settings", {}), settings)
        _merge_defaults(layer, data.get("defaults", {}), defaults)
        _merge_paths(layer, data.get("paths", {}), path_sets)
        for key, patterns in data.get("environments", {}).get("production", {}).items():
            production.setdefault(key, []).extend(_strings(layer, f"environments.production.{key}", patterns))
        for table in data.get("rule", []):
            rule_id = _rule_id(layer, table)
            if rule_id in raw_rules and layer.name == "project":
                raise PolicyError(f"{_where(layer, rule_id)}: the project policy may not replace rule "
                                  f"{rule_id!r} from a lower layer; give your rule another id")  # fmt: skip
            raw_rules[rule_id] = (layer, table)
    unknown = Verdict.parse(str(settings.get("unknown", "ask")))
    if unknown == Verdict.ALLOW:
        raise PolicyError("settings.unknown may not be allow: what agentguard cannot analyse must not pass")
    protected = tuple(settings.get("protected_branches", ()))
    sets = {name: [globs.expand(p, places) for p in pats] for name, pats in path_sets.items()}
    lists = {"protected_branches": list(protected)}
    rules = tuple(_build_rule(layer, table, sets, lists, places) for layer, table in raw_rules.values())
    digest = hashlib.sha256("\0".join(f"{l.path}\0{l.text}" for l in layers).encode()).hexdigest()  # noqa: E741
    ship = merge_ship_settings([(layer.name, layer.path, layer.data) for layer in layers])
    return Policy(
        rules=rules,
        defaults=defaults,
        unknown=unknown,
        plan_files=tuple(globs.expand(p, places) for p in settings.get("plan_files", ())),
        protected_branches=protected,
        production={k: tuple(v) for k, v in production.items()},
        sources=tuple(layer.path for layer in layers),
        digest=digest,
        snapshot_paths=_snapshot_paths(settings.get("snapshot", ()), sets, places),
        snapshot_skip=_snapshot_paths(settings.get("snapshot_skip", ()), sets, places),
        snapshot_postgres=_dsns(settings.get("snapshot_postgres", ()), "snapshot_postgres"),
        estimate_postgres=_dsns(settings.get("estimate_postgres", ()), "estimate_postgres"),
        snapshot_max_bytes=_megabytes(settings.get("snapshot_max_mb", 4096)) * 1024 * 1024,
        project_root=places.get("PROJECT", ""),
        **ship._asdict(),
    )


def _snapshot_paths(patterns: Any, sets: Mapping[str, list[str]], places: Mapping[str, str]) -> tuple[str, ...]:
    """`@data` stands for the named set; other patterns expand like a rule's paths."""
    out: list[str] = []
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise PolicyError(f"settings.snapshot: {pattern!r} is not a path pattern")
        if pattern.startswith("@"):
            if pattern[1:] not in sets:
                raise PolicyError(f"settings.snapshot: no path set {pattern!r} (see [paths])")
            out.extend(sets[pattern[1:]])
        else:
            out.append(globs.expand(pattern, places))
    return tuple(dict.fromkeys(out))


def _dsns(values: Any, key: str) -> tuple[str, ...]:
    """PostgreSQL DSNs; a password written into a policy file is refused (secrets by reference)."""
    out = []
    for dsn in values:
        if not isinstance(dsn, str) or not dsn.strip():
            raise PolicyError(f"settings.{key}: {dsn!r} is not a connection string")
        if re.search(r"://[^/@]*:[^/@]*@|password\s*=", dsn, re.I):
            raise PolicyError(f"settings.{key}: a DSN holds a password; leave it out and let libpq read "
                              "~/.pgpass or PGPASSWORD")  # fmt: skip
        out.append(dsn.strip())
    return tuple(dict.fromkeys(out))


def _megabytes(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PolicyError(f"settings.snapshot_max_mb: {value!r} is not a whole number of megabytes")
    return value


def _check_top_keys(layer: Layer) -> None:
    allowed = {"version", "settings", "defaults", "paths", "environments", "rule", "receipts", "review"}
    # [ledger] and [alerts] (read by agentguard.ledger.config) say where the evidence of a break goes, and
    # [approvals] (agentguard.approvals.settings) which asks wait for a human: only the user file may set them,
    # never the project file the agent can edit.
    user_only = {"ledger", "alerts", "approvals"}
    for key in layer.data:
        if key in user_only and layer.name == "project":
            raise PolicyError(f"{_where(layer, key)}: [{key}] belongs in your user config (~/.config/agentguard/"
                              "agentguard.toml), not in the project, which the agent can edit")  # fmt: skip
        if key not in allowed and not (key in user_only and layer.name == "user"):
            raise PolicyError(f"{_where(layer, key)}: unknown section {key!r} "
                              f"(expected one of: {', '.join(sorted(allowed))})")  # fmt: skip


SETTINGS = (
    "unknown",
    "plan_files",
    "protected_branches",
    "snapshot",
    "snapshot_skip",
    "snapshot_postgres",
    "estimate_postgres",
    "snapshot_max_mb",
)


def _merge_settings(layer: Layer, table: Mapping[str, Any], settings: dict[str, Any]) -> None:
    for key, value in table.items():
        if key not in SETTINGS:
            raise PolicyError(f"{_where(layer, key)}: unknown setting {key!r}")
        if layer.name != "project":
            settings[key] = value
        elif key == "unknown":
            if Verdict.parse(str(value)) < Verdict.parse(str(settings.get("unknown", "ask"))):
                raise PolicyError(f"{_where(layer, key)}: the project policy may only tighten settings.unknown")
            settings[key] = value
        elif key in ("protected_branches", "snapshot", "snapshot_postgres", "estimate_postgres"):  # tightening
            settings[key] = [*settings.get(key, []), *_strings(layer, key, value)]
        elif key == "snapshot_max_mb" and isinstance(value, int) and value <= int(settings.get(key, value)):
            settings[key] = value
        else:
            raise PolicyError(f"{_where(layer, key)}: the project policy may not change settings.{key}")


def _merge_defaults(layer: Layer, table: Mapping[str, Any], defaults: dict[str, Verdict]) -> None:
    for key, value in table.items():
        verdict = _verdict(layer, key, value)
        if layer.name == "project" and key in defaults and verdict < defaults[key]:
            raise PolicyError(f"{_where(layer, key)}: the project policy may only tighten defaults "
                              f"({key} is {defaults[key]} below it)")  # fmt: skip
        defaults[key] = verdict


def _merge_paths(layer: Layer, table: Mapping[str, Any], sets: dict[str, list[str]]) -> None:
    for name, patterns in table.items():
        values = _strings(layer, f"paths.{name}", patterns)
        if layer.name == "project":
            if name in EXEMPTING_SETS:
                raise PolicyError(f"{_where(layer, name)}: the project policy may not add to paths.{name}, "
                                  "which exempts paths from protection")  # fmt: skip
            sets.setdefault(name, []).extend(values)
        else:
            sets[name] = values


def _build_rule(layer: Layer, table: Mapping[str, Any], sets: Mapping[str, list[str]],
                lists: Mapping[str, list[str]], places: Mapping[str, str]) -> Rule:  # fmt: skip
    rule_id = _rule_id(layer, table)
    where = _where(layer, rule_id)
    unknown_keys = set(table) - RULE_KEYS
    if unknown_keys:
        raise PolicyError(f"{where}: rule {rule_id!r} has unknown keys: {', '.join(sorted(unknown_keys))}")
    verdict = _verdict(layer, "verdict", table.get("verdict"))
    if layer.name == "project" and verdict == Verdict.ALLOW:
        raise PolicyError(
            f"{where}: the project policy may only tighten; rule {rule_id!r} allows. "
            "Put allow rules in your user policy (~/.config/agentguard/agentguard.toml)"
        )
    if not any(k in table for k in ("kinds", "paths", "holds", "targets", "context")):
        raise PolicyError(f"{where}: rule {rule_id!r} matches every effect; give it kinds, paths, "
                          "targets or context")  # fmt: skip

    def path_list(key: str, skip: frozenset[str] = frozenset()) -> tuple[str, ...]:
        out: list[str] = []
        for item in _strings(layer, key, table.get(key, [])):
            if item in skip:
                continue
            if item.startswith("@"):
                if item[1:] not in sets:
                    raise PolicyError(f"{where}: rule {rule_id!r} names unknown path set {item}")
                out.extend(sets[item[1:]])
            else:
                out.append(globs.expand(item, places))
        return tuple(out)

    def context_list(key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
        table_ = table.get(key, {})
        if not isinstance(table_, dict):
            raise PolicyError(f"{where}: {key} must be a table of key = [patterns]")
        out = []
        for ckey, pats in table_.items():
            values: list[str] = []
            for item in _strings(layer, f"{key}.{ckey}", pats):
                values.extend(lists.get(item[1:], []) if item.startswith("@") else [item])
            out.append((ckey, tuple(values)))
        return tuple(out)

    recursive = table.get("recursive")
    project = places.get("PROJECT", "")
    # A project that lives in /tmp is a project, not scratch space: the temp exemption never reaches into it.
    scratch = tuple(sets.get("temp", [])) if "@temp" in table.get("not_paths", []) else ()
    return Rule(
        id=rule_id,
        verdict=verdict,
        reason=str(table.get("reason", rule_id)),
        kinds=tuple(_strings(layer, "kinds", table.get("kinds", []))),
        not_kinds=tuple(_strings(layer, "not_kinds", table.get("not_kinds", []))),
        paths=path_list("paths"),
        not_paths=path_list("not_paths", skip=frozenset({"@temp"})),
        scratch_paths=scratch,
        project_paths=(project, project + "/**") if project else (),
        targets=tuple(_strings(layer, "targets", table.get("targets", []))),
        not_targets=tuple(_strings(layer, "not_targets", table.get("not_targets", []))),
        context=context_list("context"),
        not_context=context_list("not_context"),
        recursive=bool(recursive) if recursive is not None else None,
        holds=path_list("holds"),
        production=_verdict(layer, "production", table.get("production", "deny")),
        match=tuple(_strings(layer, "match", table.get("match", []))),
        not_match=tuple(_strings(layer, "not_match", table.get("not_match", []))),
        origin=where,
    )


def _rule_id(layer: Layer, table: Any) -> str:
    if not isinstance(table, dict) or not isinstance(table.get("id"), str) or not table["id"]:
        raise PolicyError(f'{layer.path}: every [[rule]] needs an id = "…"')
    return str(table["id"])


def _verdict(layer: Layer, key: str, value: Any) -> Verdict:
    try:
        return Verdict.parse(str(value))
    except ValueError as exc:
        raise PolicyError(f"{_where(layer, key)}: {exc}") from None


def _strings(layer: Layer, key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{_where(layer, key)}: {key} must be a string or a list of strings")
    return list(value)


def _where(layer: Layer, needle: str) -> str:
    """`file:line` of the first line that mentions `needle`, so errors point at the source."""
    for number, line in enumerate(layer.text.splitlines(), start=1):
        if needle in line:
            return f"{layer.path}:{number}"
    return layer.path


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read the policy ({exc})") from None


def _parse(path: str, text: str) -> Mapping[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None
