"""`agentguard plan`: a human approves the agent's plan (LGTM) and marks it done. The gate denies `plan approve`
and `plan done` to an agent (guard.tamper); `plan show` is a read."""

from __future__ import annotations

import getpass
import os

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.state import Places, find_project_root, read_mode

JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
PROJECT = click.option("--project", type=click.Path(file_okay=False), help="The project (default: the one here).")


@click.group()
def plan() -> None:
    """Plan first, execute after an explicit LGTM.

    In plan mode the agent may only write its plan (plan.md). `plan approve` compiles it into a grant: the
    files and directories under its "Files" heading may be written, the commands under "Commands" may run;
    anything else asks. The plan's hash goes into the ledger. `plan done` ends the grant.

    \b
    Examples:
      agentguard mode plan
      agentguard plan show
      agentguard plan approve
      agentguard plan done
    """


@plan.command()
@PROJECT
@JSON
def show(project: str | None, as_json: bool) -> None:
    """The plan file, what approving it would grant, and the grant in force.

    \b
    Example:
      agentguard plan show --json
    """
    from agentguard.plans.grant import active, find_plan
    from agentguard.plans.parse import read_plan

    places = Places.from_env()
    root = find_project_root(project or os.getcwd())
    try:
        path = find_plan(root)
        scope = read_plan(path, root)
        grant = active(places)
    except AgentGuardError as exc:
        fail(exc)
        return
    data = {"message_type": "plan", "plan": path, "sha256": scope.sha256, "files": list(scope.files),
            "commands": list(scope.commands), "grant": grant.to_json() if grant else None}  # fmt: skip
    if as_json:
        emit_json(data)
        return
    click.echo(f"{path} (sha256 {scope.sha256[:12]})")
    for name in scope.files:
        click.echo(f"  may write: {name}")
    for command in scope.commands:
        click.echo(f"  may run:   {command}")
    click.echo(f"grant in force: {grant.plan} (sha256 {grant.sha256[:12]})" if grant else "no grant in force")


@plan.command()
@click.option("--file", "plan_file", type=click.Path(dir_okay=False), help="The plan (default: plan.md here).")
@PROJECT
@JSON
def approve(plan_file: str | None, project: str | None, as_json: bool) -> None:
    """LGTM: compile the plan into the grant (replacing any earlier one) and leave plan mode.

    \b
    Example:
      agentguard plan approve
    """
    from agentguard.approvals.answer import inside_agent
    from agentguard.approvals.store import ApprovalError
    from agentguard.cli.mode import _set_and_record
    from agentguard.plans.grant import approve as compile_grant
    from agentguard.plans.grant import find_plan

    places = Places.from_env()
    root = find_project_root(project or os.getcwd())
    try:
        why = inside_agent(dict(os.environ))
        if why is not None:
            raise ApprovalError(f"a plan is approved by a human from their own terminal: {why}")
        grant = compile_grant(places, root, find_plan(root, plan_file), by=getpass.getuser(), how="cli")
        if read_mode(places) == "plan":
            _set_and_record(places, "normal", f"plan approved (sha256 {grant.sha256[:12]})")
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json(grant.to_json())
        return
    click.echo(f"approved {grant.plan} (sha256 {grant.sha256[:12]}): {len(grant.files)} path(s), "
               f"{len(grant.commands)} command(s); anything else asks")  # fmt: skip


@plan.command()
@JSON
def done(as_json: bool) -> None:
    """End the grant: the plan is done. The gate goes back to plan mode for the next one.

    \b
    Example:
      agentguard plan done
    """
    from agentguard.cli.mode import _set_and_record
    from agentguard.plans.grant import finish

    places = Places.from_env()
    try:
        grant = finish(places, by=getpass.getuser(), how="cli")
        _set_and_record(places, "plan", f"plan done (sha256 {grant.sha256[:12]})")
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "plan_done", "plan": grant.plan, "sha256": grant.sha256})
        return
    click.echo(f"plan {grant.plan} done: the grant has ended, plan mode is on")


COMMANDS = (plan,)
