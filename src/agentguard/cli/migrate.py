"""`agentguard migrate -- <command>`: snapshot the databases, migrate, check, and restore on any failure."""

from __future__ import annotations

import getpass
import os
import sys

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.state import Places, find_project_root


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--db", "sqlite", multiple=True, metavar="PATH", help="A SQLite database it changes (repeatable).")
@click.option("--postgres", multiple=True, metavar="DSN", help="A PostgreSQL database it changes (no password).")
@click.option("--no-checks", is_flag=True, help="Do not run the project's [receipts] checks after it.")
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def migrate(sqlite: tuple[str, ...], postgres: tuple[str, ...], no_checks: bool, project: str | None,
            as_json: bool, command: tuple[str, ...]) -> None:  # fmt: skip
    """Run a migration with a way back: the databases it targets are snapshotted, the command runs, then the
    project's checks; if either fails the snapshot is restored at once. All of it goes into the ledger. Exit 0
    when it migrated and the checks pass, else 1 (rolled back). An agent may run it: the command is judged as
    if typed.

    \b
    Examples:
      agentguard migrate -- alembic upgrade head
      agentguard migrate --db var/app.sqlite3 -- python manage.py migrate
    """
    from agentguard.ledger.event import Actor
    from agentguard.receipts.migrate import migrate as run_migration

    root = os.path.abspath(project or find_project_root(os.getcwd()))
    # Claude Code marks its Bash tool's environment with CLAUDECODE=1: an agent's migration is the agent's.
    actor = Actor.agent("claude:migrate") if os.environ.get("CLAUDECODE") else Actor.human(getpass.getuser())
    try:
        run = run_migration(Places.from_env(), root, list(command), sqlite=list(sqlite), postgres=list(postgres),
                            checks=not no_checks, actor=actor)  # fmt: skip
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "migration", "command": list(command), "exit_code": run.exit_code,
                   "snapshot": run.snapshot, "databases": run.databases, "failed": run.failed,
                   "rolled_back": run.restore is not None, "receipt": None if run.receipt is None else run.receipt.seq,
                   "ledger_event": run.events.get("migration")})  # fmt: skip
    else:
        click.echo(run.output, nl=False)
        click.echo(f"agentguard: snapshot {run.snapshot} of {', '.join(run.databases)} taken first")
        if run.failed is None:
            click.echo("agentguard: migrated" + ("" if run.receipt is None else f"; receipt {run.receipt.seq} passes"))
        else:
            state = "restored" if run.restore is not None and run.restore.ok else "RESTORE FAILED, see the ledger"
            click.echo(f"agentguard: {run.failed}: rolled back, databases {state}", err=True)
    sys.exit(0 if run.failed is None else 1)


COMMANDS = (migrate,)
