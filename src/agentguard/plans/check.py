"""The grant applied to a decision (normal mode only; freeze and plan modes are stricter on their own).

An effect is inside the grant when it changes nothing, when the whole command is one the plan lists, or when its
path is one the plan names. Anything else that changes something is asked about: the grant only narrows.
"""

from __future__ import annotations

import os
from dataclasses import replace

from agentguard.models import Action, Decision, Effect, RuleMatch, Verdict
from agentguard.plans.grant import Grant, active
from agentguard.plans.parse import covers_path
from agentguard.state import Places


def within_grant(places: Places, action: Action, project_root: str, decision: Decision) -> Decision:
    """Only reached when the grant file exists (pipeline checks first, one stat per call)."""
    grant = active(places)
    if grant is None or os.path.normpath(grant.project) != os.path.normpath(project_root):
        return decision
    outside = [(i, e) for i, e in enumerate(decision.effects) if not _covered(grant, action, e)]
    if not outside:
        return decision
    plan = f"the approved plan {os.path.basename(grant.plan)} (sha256 {grant.sha256[:12]})"
    matches = tuple(RuleMatch("plan:grant", Verdict.ASK, f"outside {plan}", i) for i, _ in outside)
    why = f"outside {plan}: " + ", ".join(f"{e.kind} {e.target}" for _, e in outside)
    return replace(decision, verdict=max(decision.verdict, Verdict.ASK), reasons=(*decision.reasons, why),
                   matches=(*decision.matches, *matches))  # fmt: skip


def _covered(grant: Grant, action: Action, effect: Effect) -> bool:
    if not effect.kind.mutating:
        return True
    if action.command is not None and action.command.strip() in grant.commands:
        return True
    return effect.path is not None and covers_path(grant.files, effect.path)
