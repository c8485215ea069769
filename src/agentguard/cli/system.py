"""`agentguard daemon` (the gate as a long-lived process for hook clients) and `agentguard system` (protected
mode: a system user, a root-owned install, the daemon, and Claude Code's managed settings)."""

from __future__ import annotations

import sys

import click

from agentguard.state import Places


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


COMMANDS = (daemon,)
