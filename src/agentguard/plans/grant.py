"""The active grant: `<state>/plan-grant.json` (in the guarded state dir), written only by a human's approval.

One grant at a time: approving a plan replaces the previous grant, `plan done` ends it. Both are recorded in
the ledger with the plan's hash, so "what did the human approve?" has one answer.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from typing import Any

from agentguard.errors import StateError
from agentguard.plans.parse import PlanScope, read_plan
from agentguard.state import Places, write_json_atomic

PLAN_NAMES = ("plan.md", "PLAN.md", os.path.join(".agentguard", "plan.md"))


@dataclass(frozen=True, slots=True)
class Grant:
    """The grant in force: the approved plan's hash and the paths and commands it names."""

    project: str
    plan: str
    sha256: str
    files: tuple[str, ...]
    commands: tuple[str, ...]
    approved_by: str
    approved_how: str
    approved_at: int

    def to_json(self) -> dict[str, Any]:
        return {"message_type": "plan_grant", **asdict(self), "files": list(self.files),
                "commands": list(self.commands)}  # fmt: skip


def grant_file(places: Places) -> str:
    return os.path.join(places.state, "plan-grant.json")  # pipeline._grant_file says the same


def find_plan(project_root: str, named: str | None = None) -> str:
    candidates = [named] if named else [os.path.join(project_root, n) for n in PLAN_NAMES]
    for path in candidates:
        if path and os.path.isfile(path):
            return os.path.abspath(path)
    raise StateError(f"no plan file: looked for {', '.join(c for c in candidates if c)}")


def active(places: Places) -> Grant | None:
    """The grant in force, if any. An unreadable grant file is an error (the caller fails closed)."""
    try:
        with open(grant_file(places), encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StateError(f"cannot read the plan grant {grant_file(places)}: {exc}") from None
    try:
        data.pop("message_type", None)
        data["files"], data["commands"] = tuple(data["files"]), tuple(data["commands"])
        return Grant(**data)
    except (TypeError, KeyError) as exc:
        raise StateError(f"the plan grant {grant_file(places)} is not one agentguard wrote: {exc}") from None


def approve(places: Places, project_root: str, plan_path: str, *, by: str, how: str) -> Grant:
    """Compile the plan into the grant, recorded first (the ledger is opened before the grant is written)."""
    from agentguard.ledger import Ledger
    from agentguard.ledger.event import Actor

    scope: PlanScope = read_plan(plan_path, project_root)
    grant = Grant(project=project_root, plan=plan_path, sha256=scope.sha256, files=scope.files,
                  commands=scope.commands, approved_by=by, approved_how=how, approved_at=int(time.time()))  # fmt: skip
    with Ledger.open(places, declare_breaks=True) as ledger:
        write_json_atomic(grant_file(places), grant.to_json())
        payload = grant.to_json()
        payload.pop("message_type")
        ledger.append("plan_approved", Actor.human(by), payload)
    return grant


def finish(places: Places, *, by: str, how: str) -> Grant:
    from agentguard.ledger import Ledger
    from agentguard.ledger.event import Actor

    grant = active(places)
    if grant is None:
        raise StateError("no plan grant is active")
    with Ledger.open(places, declare_breaks=True) as ledger:
        os.unlink(grant_file(places))
        ledger.append("plan_done", Actor.human(by), {"plan": grant.plan, "sha256": grant.sha256, "how": how})
    return grant
