"""Each rule's `match` / `not_match` examples, checked when a policy loads.

Examples run in a synthetic project (paths that do not exist), so a check gives the same answer on every
machine. A passing policy is remembered by digest in the state dir, so the hook pays for the check once per
policy change, not on every tool call.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from agentguard.errors import PolicyError
from agentguard.models import Action
from agentguard.policy.loader import load_policy
from agentguard.policy.model import Policy, Rule
from agentguard.state import Places

EXAMPLE_ROOT = "/__agentguard_example__"
EXAMPLE_PROJECT = EXAMPLE_ROOT + "/project"
EXAMPLE_HOME = EXAMPLE_ROOT + "/home"


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """Whether one of a rule's examples matched as its author said it would."""

    rule: str
    example: str
    expected: bool
    matched: bool
    origin: str

    @property
    def ok(self) -> bool:
        return self.expected == self.matched

    def describe(self) -> str:
        verb = "does not match" if self.expected else "matches"
        return f"{self.origin}: example {self.example!r} {verb} rule {self.rule}"


def example_places(places: Places) -> dict[str, str]:
    return {"HOME": EXAMPLE_HOME, "PROJECT": EXAMPLE_PROJECT, "STATE": places.state,
            "CONFIG": places.config, "TMPDIR": "/tmp"}  # fmt: skip


def run_examples(policy: Policy) -> list[ExampleResult]:
    from agentguard.analysis import analyze

    results = []
    for rule in policy.rules:
        for example, expected in [(m, True) for m in rule.match] + [(n, False) for n in rule.not_match]:
            effects = analyze(Action.shell(example, EXAMPLE_PROJECT), home=EXAMPLE_HOME,
                              project_root=EXAMPLE_PROJECT)  # fmt: skip
            matched = any(rule.applies_to(e) for e in effects)
            results.append(ExampleResult(rule.id, example, expected, matched, rule.origin))
    return results


def load_for_examples(project_root: str, places: Places) -> Policy:
    return load_policy(project_root, places=example_places(places), config_dir=places.config)


def checked_policy(project_root: str, places: Places) -> Policy:
    """The policy for `project_root`, after its examples passed (once per policy digest)."""
    policy = load_policy(project_root, places=places.glob_places(project_root), config_dir=places.config)
    marker = os.path.join(places.state, "policy-checked", policy.digest)
    if os.path.exists(marker):
        return policy
    failures = [r for r in run_examples(load_for_examples(project_root, places)) if not r.ok]
    if failures:
        raise PolicyError("; ".join(f.describe() for f in failures[:3]) + " — fix the rule or its example "
                          "(agentguard policy test shows all)")  # fmt: skip
    try:
        os.makedirs(os.path.dirname(marker), mode=0o700, exist_ok=True)
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write(project_root + "\n")
    except OSError:
        pass  # cannot cache: the check simply runs again next time
    return policy


def rule_by_id(policy: Policy, rule_id: str) -> Rule | None:
    return next((r for r in policy.rules if r.id == rule_id), None)
