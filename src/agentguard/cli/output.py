"""Text for people, JSON for programs: data on stdout, diagnostics on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from agentguard.errors import AgentGuardError
from agentguard.models import Decision, Verdict

COLOURS = {Verdict.ALLOW: "green", Verdict.ASK: "yellow", Verdict.DENY: "red"}


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def report_checks(checks: list[dict[str, Any]], message_type: str, *, as_json: bool) -> None:
    """doctor's and `system status`'s report: one line a check (FAIL, warn or ok), exit 1 when any failed."""
    ok = all(c["ok"] for c in checks)
    if as_json:
        emit_json({"message_type": message_type, "ok": ok, "checks": checks})
    else:
        for c in checks:
            click.echo(f"{'FAIL' if not c['ok'] else 'warn' if c.get('warn') else 'ok  '} {c['name']}: {c['detail']}")
    sys.exit(0 if ok else 1)


def fail(error: AgentGuardError) -> None:
    click.echo(f"agentguard: {error.message}", err=True)
    sys.exit(error.exit_code)


def show_decision(decision: Decision, *, verbose: bool = False) -> None:
    verdict = click.style(str(decision.verdict).upper(), fg=COLOURS[decision.verdict], bold=True)
    mode = "" if decision.mode == "normal" else f" (mode: {decision.mode})"
    click.echo(f"{verdict}{mode}")
    if decision.would_be is not None:
        click.echo(f"  shadow mode: would have been {str(decision.would_be).upper()}")
    for reason in decision.reasons:
        click.echo(f"  {reason}")
    if verbose:
        click.echo("effects:")
        for i, effect in enumerate(decision.effects):
            where = f" [{effect.path}]" if effect.path and effect.path != effect.target else ""
            ctx = " " + " ".join(f"{k}={v}" for k, v in effect.context) if effect.context else ""
            click.echo(f"  {i}. {effect.kind.value}: {effect.detail} {effect.target}{where}{ctx}")
        click.echo("matched rules:")
        for m in decision.matches:
            click.echo(f"  {m.rule} -> {m.verdict} on effect {m.effect_index}: {m.reason}")
