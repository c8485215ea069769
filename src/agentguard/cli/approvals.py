"""`agentguard approvals`: the asks waiting for a human, and a human's answer to them.

Answering is a human's command: the gate denies `approvals approve|deny` to an agent (guard.tamper), and the
command itself refuses to run in a shell Claude Code started.
"""

from __future__ import annotations

import os

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.state import Places

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@click.group()
def approvals() -> None:
    """Pending approvals: asks that no prompt could answer (headless runs), waiting for a human.

    An approval is a one-time grant for the exact action (tool, input, folder, session, policy), used when the
    agent retries it within the grant's time.

    \b
    Examples:
      agentguard approvals list
      agentguard approvals show A-17
      agentguard approvals approve A-17 --reason "the migration is expected"
      agentguard approvals deny A-17
    """


@approvals.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also the answered, used and expired ones.")
@JSON
def list_(show_all: bool, as_json: bool) -> None:
    """The pending approvals, newest first (all of them with --all).

    \b
    Example:
      agentguard approvals list --all
    """
    from agentguard.approvals.store import Approvals

    with Approvals.open(Places.from_env().state) as store:
        found = store.list(open_only=not show_all)
    if as_json:
        emit_json({"message_type": "approvals", "approvals": [a.to_json() for a in found]})
        return
    if not found:
        click.echo("no pending approvals" if not show_all else "no approvals yet")
    for item in found:
        click.echo(f"{item.id:6} {item.live_status()!s:8} {item.tool:6} {item.action}")


@approvals.command()
@click.argument("approval_id")
@JSON
def show(approval_id: str, as_json: bool) -> None:
    """One approval: the action, its effects, the reasons, the snapshot taken, the answer.

    \b
    Example:
      agentguard approvals show A-17
    """
    from agentguard.approvals.model import parse_id
    from agentguard.approvals.store import ApprovalError, Approvals

    try:
        with Approvals.open(Places.from_env().state) as store:
            item = store.get(parse_id(approval_id))
    except ValueError as exc:
        fail(ApprovalError(str(exc)))
        return
    except AgentGuardError as exc:
        fail(exc)
        return
    data = item.to_json()
    if as_json:
        emit_json(data)
        return
    click.echo(f"{item.id}  {data['status']}  {item.tool}: {item.action}")
    click.echo(f"  in {item.cwd}, session {item.session or '-'}, asked {data['created']}, expires {data['expires']}")
    for reason in item.reasons:
        click.echo(f"  why: {reason}")
    for effect in item.effects:
        click.echo(f"  effect: {effect.get('kind')} {effect.get('target')} ({effect.get('detail')})")
    if item.agent_reason:
        click.echo(f"  the agent says: {item.agent_reason}")
    if item.snapshot:
        click.echo(f"  snapshot: {item.snapshot}")
    if item.decided_by:
        click.echo(f"  {data['status']} by {item.decided_by} via {item.decided_how} at {data['decided_at']}")


def _answer(approval_id: str, grant: bool, reason: str | None, as_json: bool) -> None:
    from agentguard.approvals.answer import answer, inside_agent
    from agentguard.approvals.doctor import human_name
    from agentguard.approvals.store import ApprovalError

    why = inside_agent(dict(os.environ))
    try:
        if why is not None:
            raise ApprovalError(f"approvals are answered by a human from their own terminal: {why}")
        decided = answer(Places.from_env(), approval_id, grant=grant, by=human_name(), how="cli", note=reason)
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json(decided.to_json())
        return
    if grant:
        click.echo(f"{decided.id} approved: the agent may run it once, until {decided.to_json()['expires']}")
    else:
        click.echo(f"{decided.id} denied")


@approvals.command()
@click.argument("approval_id")
@click.option("--reason", help="Why (kept in the ledger).")
@JSON
def approve(approval_id: str, reason: str | None, as_json: bool) -> None:
    """Grant a pending approval: the agent may run that exact action once, within the grant's time.

    \b
    Example:
      agentguard approvals approve A-17 --reason "expected: the fixture reset"
    """
    _answer(approval_id, True, reason, as_json)


@approvals.command()
@click.argument("approval_id")
@click.option("--reason", help="Why (kept in the ledger, and told to the agent).")
@JSON
def deny(approval_id: str, reason: str | None, as_json: bool) -> None:
    """Refuse a pending approval: the agent's retries of that action are denied.

    \b
    Example:
      agentguard approvals deny A-17 --reason "not during the freeze"
    """
    _answer(approval_id, False, reason, as_json)


COMMANDS = (approvals,)
