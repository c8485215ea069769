"""`agentguard dashboard`: the local page for the human (see agentguard.dashboard)."""

from __future__ import annotations

import os

import click

from agentguard.cli.output import emit_json
from agentguard.state import Places, find_project_root


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=0,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free one). A fixed port keeps `[alerts] dashboard` links valid.",
)
@click.option("--project", type=click.Path(file_okay=False), help="The project whose plan it shows (default: here).")
@click.option("--json", "as_json", is_flag=True, help="Print the URL as one JSON line, then serve.")
def dashboard(port: int, project: str | None, as_json: bool) -> None:
    """Serve the dashboard on 127.0.0.1 until Ctrl-C: live decisions, pending approvals (Approve / Deny),
    snapshots (dry-run diff, Restore), the ledger's breaks (Validate / Ignore / Reject), the mode, and the
    plan with its LGTM button.

    It listens on loopback only; the URL it prints carries a random token (keep it to yourself: whoever has
    it can approve). Buttons are POSTs with one-time, expiring form nonces; nothing changes on GET.

    \b
    Example:
      agentguard dashboard --port 8765
    """
    import socket

    import uvicorn

    from agentguard.dashboard.app import build
    from agentguard.dashboard.security import new_token

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)  # before the URL is printed: a browser opening it at once waits in the backlog, not refused
    port = sock.getsockname()[1]
    token = new_token()
    url = f"http://127.0.0.1:{port}/?t={token}"
    app = build(Places.from_env(), token, port, find_project_root(project or os.getcwd()))
    if as_json:
        emit_json({"message_type": "dashboard", "url": url, "port": port})
    else:
        click.echo(f"agentguard dashboard: {url}\n(loopback only; Ctrl-C stops it)")
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    server.run(sockets=[sock])


COMMANDS = (dashboard,)
