"""`[receipts]` and `[review]`: what must hold before the agent may say "done", and before a change ships.

    [receipts]
    checks = ["pytest -q", "ruff check ."]   # run when the agent stops; a failure sends it back to work
    timeout_seconds = 600                    # for all the checks of one stop together
    max_blocks = 5                           # blocked stops in a row before the session may end (and is told)

    [review]
    max_lines = 300                          # a diff larger than this needs a human before it ships
    protected = ["**/circuit_breaker*", "src/payments/**"]   # touching (or deleting) these does too
    deploy = ["./deploy.sh *", "kubectl apply *"]           # commands that ship, like push and merge
    trust_upstream = false   # user config only: count the upstream's merge-base as reviewed (the agent can
                             # move remote-tracking refs, so this trusts it not to)

The project layer sits in the workspace, where the agent can edit it, so it may only tighten: add checks,
protected paths and deploy commands, lower max_lines. It may not lower the number of blocks or remove anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from agentguard.errors import PolicyError

RECEIPT_KEYS = frozenset({"checks", "timeout_seconds", "max_blocks"})
REVIEW_KEYS = frozenset({"max_lines", "protected", "deploy", "trust_upstream"})


class ShipSettings(NamedTuple):
    receipt_checks: tuple[str, ...] = ()
    receipt_timeout: int = 600
    receipt_max_blocks: int = 5
    review_max_lines: int = 300
    review_protected: tuple[str, ...] = ()
    review_deploy: tuple[str, ...] = ()
    review_trust_upstream: bool = False


def merge_ship_settings(layers: list[tuple[str, str, Mapping[str, Any]]]) -> ShipSettings:
    """`layers`: (layer name, file path, parsed table) from the bottom up."""
    out = ShipSettings()
    for name, path, data in layers:
        receipts = _table(path, "receipts", data.get("receipts", {}), RECEIPT_KEYS)
        review = _table(path, "review", data.get("review", {}), REVIEW_KEYS)
        out = _merge_receipts(out, name, path, receipts)
        out = _merge_review(out, name, path, review)
    return out


def _merge_receipts(out: ShipSettings, layer: str, path: str, table: Mapping[str, Any]) -> ShipSettings:
    project = layer == "project"
    if "checks" in table:
        checks = _commands(path, "receipts.checks", table["checks"])
        out = out._replace(receipt_checks=_union(out.receipt_checks, checks) if project else checks)
    if "timeout_seconds" in table:
        out = out._replace(receipt_timeout=_positive(path, "receipts.timeout_seconds", table["timeout_seconds"]))
    if "max_blocks" in table:
        blocks = _positive(path, "receipts.max_blocks", table["max_blocks"])
        if project and blocks < out.receipt_max_blocks:
            raise PolicyError(f"{path}: receipts.max_blocks may only be raised by the project (it is "
                              f"{out.receipt_max_blocks} below it): fewer lets failing stops through")  # fmt: skip
        out = out._replace(receipt_max_blocks=blocks)
    return out


def _merge_review(out: ShipSettings, layer: str, path: str, table: Mapping[str, Any]) -> ShipSettings:
    project = layer == "project"
    if "max_lines" in table:
        lines = _positive(path, "review.max_lines", table["max_lines"])
        if project and lines > out.review_max_lines:
            raise PolicyError(f"{path}: review.max_lines may only be lowered by the project (it is "
                              f"{out.review_max_lines} below it); raise it in your user config instead")  # fmt: skip
        out = out._replace(review_max_lines=lines)
    if "protected" in table:
        protected = _commands(path, "review.protected", table["protected"])
        out = out._replace(review_protected=_union(out.review_protected, protected) if project else protected)
    if "trust_upstream" in table:
        trust = table["trust_upstream"]
        if not isinstance(trust, bool):
            raise PolicyError(f"{path}: review.trust_upstream must be true or false")
        if project and trust:
            raise PolicyError(f"{path}: review.trust_upstream loosens the review gate: only your user config "
                              "(~/.config/agentguard/agentguard.toml) may set it")  # fmt: skip
        out = out._replace(review_trust_upstream=trust)
    if "deploy" in table:
        deploy = _commands(path, "review.deploy", table["deploy"])
        out = out._replace(review_deploy=_union(out.review_deploy, deploy) if project else deploy)
    return out


def _table(path: str, name: str, value: Any, keys: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PolicyError(f"{path}: [{name}] must be a table, e.g. [{name}] on its own line with keys below it")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise PolicyError(f"{path}: [{name}] has unknown keys {', '.join(unknown)} "
                          f"(expected: {', '.join(sorted(keys))})")  # fmt: skip
    return value


def _commands(path: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PolicyError(f'{path}: {key} must be a list of non-empty strings, e.g. {key.split(".")[1]} = ["…"]')
    return tuple(v.strip() for v in value)


def _positive(path: str, key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise PolicyError(f"{path}: {key} must be a whole number above 0, not {value!r}")
    return value


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))
