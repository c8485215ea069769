"""`agentguard review`: the review gate for large or protected changes.

status and hook only read (an agent may run them); approve is a human's (the gate denies it to the agent).
"""

from __future__ import annotations

import getpass
import os
import sys

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.state import Places, find_project_root


@click.group()
def review() -> None:
    """The review gate: a change over [review] max_lines, or touching [review] protected paths, needs a human's
    approval before it is pushed, merged or deployed.

    \b
    Example:
      agentguard review status && agentguard review approve sha256:…
    """


@review.command()
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON.")
def status(project: str | None, as_json: bool) -> None:
    """The working tree's change since the last reviewed base: size, protected paths touched, diff hash, and
    whether it needs a human before it ships.

    \b
    Example:
      agentguard review status
    """
    from agentguard.pipeline import Gate
    from agentguard.receipts.review import approve_hint, review_state

    root = os.path.abspath(project or find_project_root(os.getcwd()))
    places = Places.from_env()
    try:
        state = review_state(places, root, Gate(places).policy(root))
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "review_status", **state.to_json()})
        return
    click.echo(f"{state.changed_lines:,} changed lines in {state.changed_files} files since {state.base_from}")
    for path, what in state.protected:
        click.echo(f"  protected: {path} ({what})")
    click.echo(f"diff {state.diff_hash}")
    click.echo(f"review needed: {state.why()}; {approve_hint(state)}" if state.reviewable else "no review needed")


@review.command()
@click.argument("diff_hash")
@click.option("--reason", help="What was reviewed, by whom (kept in the ledger).")
@click.option("--without-receipt", is_flag=True, help="Approve although no passing receipt exists for the tree.")
@click.option("--admin-key", type=click.Path(dir_okay=False), help="The admin key file (default: state dir).")
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Print the approval as JSON.")
def approve(diff_hash: str, reason: str | None, without_receipt: bool, admin_key: str | None, project: str | None,
            as_json: bool) -> None:  # fmt: skip
    """Approve the change with this diff hash for shipping (push, merge, deploy): a signed review_approved
    event signed with the ADMIN key (its passphrase is asked when it is sealed, or read from
    AGENTGUARD_ADMIN_PASSPHRASE), after which that tree is the reviewed base. Only a human may: the gate denies
    it to the agent, and the agent's own key cannot sign it.

    \b
    Example:
      agentguard review approve sha256:9f2c… --reason "read the payments diff with Ana"
    """
    from agentguard.cli.ledger import _passphrase
    from agentguard.ledger.keys import load_key
    from agentguard.ledger.paths import LedgerPaths
    from agentguard.receipts.approve import approve as record_approval

    root = os.path.abspath(project or find_project_root(os.getcwd()))
    places = Places.from_env()
    try:
        key_file = admin_key or LedgerPaths.from_places(places).admin_key
        event, state = record_approval(places, root, diff_hash, by=getpass.getuser(), reason=reason,
                                       without_receipt=without_receipt,
                                       admin=lambda: load_key(key_file, _passphrase))  # fmt: skip
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "review_approved", "seq": event.seq, **state.to_json()})
    else:
        click.echo(f"approved in ledger event {event.seq}: {state.changed_lines:,} lines, tree {state.tree}")


@review.command()
@click.argument("kind", type=click.Choice(["pre-commit", "pre-push"]))
def hook(kind: str) -> None:
    """Git's pre-commit / pre-push hook (installed by `agentguard init`): exit 1, with the reason, when the
    commit or push holds a change that needs a review nobody gave.

    \b
    Example:
      agentguard review hook pre-commit
    """
    from agentguard.pipeline import Gate
    from agentguard.receipts.githooks import trees_to_check
    from agentguard.receipts.review import approve_hint, approved, review_state

    root = os.path.abspath(find_project_root(os.getcwd()))
    places = Places.from_env()
    try:
        policy = Gate(places).policy(root)
        stdin_text = sys.stdin.read() if kind == "pre-push" else ""
        for what, tree in trees_to_check(root, kind, stdin_text):
            state = review_state(places, root, policy, tree)
            if state.reviewable and approved(places, root, state.diff_hash) is None:
                click.echo(f"agentguard: review needed before this {what}: {state.why()} (since "
                           f"{state.base_from}); diff {state.diff_hash}; {approve_hint(state)}", err=True)  # fmt: skip
                sys.exit(1)
    except AgentGuardError as exc:
        click.echo(f"agentguard: the review gate could not check this {kind}, so it stops it: {exc.message}",
                   err=True)  # fmt: skip
        sys.exit(1)


COMMANDS = (review,)
