"""`agentguard policy test|show`: run every rule's examples; print the merged policy's sources and rules."""

from __future__ import annotations

import os
import sys

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.policy.examples import load_for_examples, run_examples
from agentguard.state import Places, find_project_root


@click.group()
def policy() -> None:
    """Test and inspect the layered policy (built-in < user < project)."""


@policy.command("test")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per example.")
@click.option("--project", default=None, help="Project root (default: found from here).")
def policy_test(as_json: bool, project: str | None) -> None:
    """Check every rule's match / not_match examples. Exit 1 if any fails.

    \b
    Example:
      agentguard policy test
    """
    places = Places.from_env()
    root = project or find_project_root(os.getcwd())
    try:
        results = run_examples(load_for_examples(root, places))
    except AgentGuardError as exc:
        fail(exc)
        return
    failures = [r for r in results if not r.ok]
    for r in results:
        if as_json:
            emit_json(
                {
                    "message_type": "example",
                    "rule": r.rule,
                    "example": r.example,
                    "expected_match": r.expected,
                    "matched": r.matched,
                    "ok": r.ok,
                    "origin": r.origin,
                }
            )
        elif not r.ok:
            click.echo(f"FAIL {r.describe()}")
    if not as_json:
        click.echo(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


@policy.command("show")
@click.option("--json", "as_json", is_flag=True, help="The merged policy as JSON.")
@click.option("--project", default=None, help="Project root (default: found from here).")
def policy_show(as_json: bool, project: str | None) -> None:
    """Show the layers in effect and the merged rules."""
    from agentguard.policy.loader import load_policy

    places = Places.from_env()
    root = project or find_project_root(os.getcwd())
    try:
        merged = load_policy(root, places=places.glob_places(root), config_dir=places.config)
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({
            "message_type": "policy", "sources": list(merged.sources), "digest": merged.digest,
            "defaults": {k: str(v) for k, v in merged.defaults.items()}, "unknown": str(merged.unknown),
            "rules": [{"id": r.id, "verdict": str(r.verdict), "reason": r.reason, "origin": r.origin,
                       "kinds": list(r.kinds)} for r in merged.rules],
        })  # fmt: skip
        return
    click.echo("layers: " + " < ".join(merged.sources))
    for rule in merged.rules:
        click.echo(f"  {rule.verdict!s:5} {rule.id}: {rule.reason}  ({rule.origin})")


COMMANDS = (policy,)
