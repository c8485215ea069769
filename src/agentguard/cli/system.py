"""`agentguard daemon` (the gate as a long-lived process for hook clients) and `agentguard system` (protected
mode: a system user, a root-owned install, the daemon, and Claude Code's managed settings)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from agentguard.cli.output import emit_json, fail, report_checks
from agentguard.errors import AgentGuardError
from agentguard.state import Places
from agentguard.system.layout import Layout


@click.command()
@click.option("--socket", "socket_path", default=None, metavar="PATH",
              help="Unix socket to answer on (default: agentguard.sock in the state dir).")  # fmt: skip
def daemon(socket_path: str | None) -> None:
    """Answer hook clients over a Unix socket, in the foreground (systemd, or a container's init, runs it).

    Each call is decided in a child forked from the warm daemon, so a crash or a decision past 50 s ends that
    child alone and its client denies. Stops on SIGTERM or Ctrl-C and removes its socket.

    \b
    Example:
      agentguard daemon --socket /run/agentguard/agentguard.sock
    """
    from agentguard.daemon import default_socket, main

    sys.exit(main(socket_path or default_socket(Places.from_env().state)))


def _layout_options(command: Callable[..., None]) -> Callable[..., None]:
    defaults = Layout()
    options = [
        click.option("--prefix", default=defaults.prefix, show_default=True, help="Where agentguard is installed."),
        click.option("--state-dir", "state", default=defaults.state, show_default=True,
                     help="The daemon's AGENTGUARD_HOME."),
        click.option("--socket", "socket_path", default=defaults.socket, show_default=True, help="Daemon socket."),
        click.option("--user", default=defaults.user, show_default=True, help="The daemon's system user."),
        click.option("--managed-settings", "managed", default=defaults.managed, show_default=True,
                     help="Claude Code's managed settings file."),
        click.option("--unit", default=defaults.unit, show_default=True, help="The systemd unit file."),
        click.option("--link", default=defaults.link, show_default=True, help="Link for `sudo agentguard` ('' none)."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _layout(**given: str) -> Layout:
    return Layout(prefix=given["prefix"], state=given["state"], socket=given["socket_path"], user=given["user"],
                  managed=given["managed"], unit=given["unit"], link=given["link"])  # fmt: skip


@click.group()
def system() -> None:
    """Protected mode: a system user, a root-owned install, the daemon, Claude Code's managed settings."""


@system.command()
@_layout_options
@click.option("--source", default=None, help="What pip installs (default: this checkout, or the same version).")
@click.option("--no-start", is_flag=True, help="Do not start the daemon (start it yourself: agentguard system run).")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def install(source: str | None, no_start: bool, as_json: bool, **given: str) -> None:
    """Put agentguard out of the agent's reach (needs root). Idempotent: running it again repairs.

    \b
    Creates the system user; installs agentguard root-owned; gives the daemon a state dir only its user can
    read (keys, ledger, snapshots); wires Claude Code through managed settings with allowManagedHooksOnly, so no
    project or user file can remove the hook; installs and starts a systemd unit. The daemon keeps one
    capability, CAP_DAC_READ_SEARCH, to read the files it snapshots. Human-only operations (mode, resolve,
    restore, policy) then need sudo: the agent's user has no way to them.

    \b
    Example:
      sudo agentguard system install
    """
    from agentguard.system.install import default_source
    from agentguard.system.install import install as run_install

    layout = _layout(**given)
    try:
        done = run_install(layout, source or default_source(), start=not no_start,
                           say=(lambda _: None) if as_json else click.echo)  # fmt: skip
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "system_install", "done": done, "layout": layout.to_json()})
    else:
        click.echo("protected mode installed" if done else "protected mode already in place")


@system.command()
@_layout_options
@click.option("--purge", is_flag=True, help="Also delete the state dir (ledger, snapshots) and the system user.")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def uninstall(purge: bool, as_json: bool, **given: str) -> None:
    """Undo `system install` (needs root). The state dir stays (the ledger is evidence) unless --purge.

    \b
    Example:
      sudo agentguard system uninstall
    """
    from agentguard.system.install import uninstall as run_uninstall

    try:
        done = run_uninstall(_layout(**given), purge=purge, say=(lambda _: None) if as_json else click.echo)
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "system_uninstall", "removed": done})


@system.command()
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def status(as_json: bool) -> None:
    """Which mode is in force; in protected mode, each part checked (ownership, wiring, the daemon answering).

    Exits 1 when a part of protected mode is missing or within a non-root user's reach.

    \b
    Example:
      agentguard system status
    """
    from agentguard.system.status import checks

    report_checks(checks(), "system_status", as_json=as_json)


@system.command()
def run() -> None:
    """Run the installed daemon in the foreground as its user (needs root; for containers without systemd).

    \b
    Example:
      sudo agentguard system run
    """
    from agentguard.system.install import run_daemon
    from agentguard.system.layout import installed

    layout = installed()
    if layout is None:
        fail(AgentGuardError("protected mode is not installed: sudo agentguard system install --no-start"))
        return
    try:
        run_daemon(layout)
    except AgentGuardError as exc:
        fail(exc)


COMMANDS = (daemon, system)
