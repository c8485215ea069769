"""`agentguard mode`: a human sets the mode. The gate denies this command when an agent runs it."""

from __future__ import annotations

import getpass

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.state import MODES, Places, read_mode, write_mode

DESCRIPTIONS = {
    "normal": "the policy decides",
    "freeze": "code freeze: reads and tests only, no writes to code or data",
    "plan": "read-only, except writing the plan file",
    "shadow": "decide and record, but let everything through (to try a policy)",
}


@click.command()
@click.argument("new_mode", required=False, type=click.Choice(MODES))
@click.option("--reason", help="Why (kept with the mode).")
@click.option("--json", "as_json", is_flag=True, help="Print the mode as JSON.")
def mode(new_mode: str | None, reason: str | None, as_json: bool) -> None:
    """Show or set the gate's mode: normal, freeze, plan or shadow.

    \b
    Examples:
      agentguard mode                 # show
      agentguard mode freeze --reason "release 2.3 code freeze"
    """
    places = Places.from_env()
    try:
        if new_mode is None:
            current = read_mode(places)
            record = {"mode": current}
        else:
            record = _set_and_record(places, new_mode, reason)
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "mode", **record, "description": DESCRIPTIONS[record["mode"]]})
    else:
        click.echo(f"{record['mode']}: {DESCRIPTIONS[record['mode']]}")


def _set_and_record(places: Places, new_mode: str, reason: str | None) -> dict[str, str]:
    """The ledger is opened first: if it cannot take the event, the mode stays as it was."""
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_mode

    with Ledger.open(places, declare_breaks=True) as ledger:
        record = write_mode(places, new_mode, by=getpass.getuser(), reason=reason)
        record_mode(ledger, record)
    return record


COMMANDS = (mode,)
