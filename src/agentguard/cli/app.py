"""The click application: one module per command group, registered here."""

from __future__ import annotations

import click

from agentguard import __version__
from agentguard.cli import (
    approvals,
    check,
    dashboard,
    demo,
    ledger,
    migrate,
    mode,
    plan,
    policy,
    receipts,
    review,
    setup,
    snapshots,
    system,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agentguard")
def cli() -> None:
    """agentguard: a safety gate between an AI agent and your machine.

    Every action the agent proposes is parsed into effects and decided allow / ask / deny by a typed policy.

    \b
    Example:
      agentguard init --claude && agentguard check -- rm -f .agentic-qe/*.db
    """


for command in (
    *check.COMMANDS,
    *mode.COMMANDS,
    *policy.COMMANDS,
    *setup.COMMANDS,
    *demo.COMMANDS,
    *snapshots.COMMANDS,
    *ledger.COMMANDS,
    *system.COMMANDS,
    *approvals.COMMANDS,
    *dashboard.COMMANDS,
    *plan.COMMANDS,
    *receipts.COMMANDS,
    *review.COMMANDS,
    *migrate.COMMANDS,
):
    cli.add_command(command)
