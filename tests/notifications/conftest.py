"""Real receivers on loopback: an SMTP server (aiosmtpd) and an HTTP webhook (http.server), and a user config
whose [alerts] urls point at both (the targets break alerts already use)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from receiverkit import Inbox, Mail

from agentguard.state import Places


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = message_from_bytes(envelope.content, policy=policy.default)
            part = message.get_body(preferencelist=("plain",))
            inbox.add(Mail(str(message["subject"]), part.get_content() if part is not None else ""))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def webhook() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            inbox.add(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield inbox, server.server_port
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def receivers(mailbox: tuple[Inbox, int], webhook: tuple[Inbox, int]) -> tuple[Inbox, Inbox]:
    """Both receivers, configured as the user's [alerts] urls (and the dashboard link put in messages)."""
    (mail, smtp_port), (hooks, http_port) = mailbox, webhook
    places = Places.from_env()
    Path(places.config).mkdir(parents=True, exist_ok=True)
    Path(places.config, "agentguard.toml").write_text(
        "[alerts]\n"
        f'urls = ["mailto://127.0.0.1:{smtp_port}?from=agentguard@example.com&to=human@example.com&mode=insecure",'
        f' "json://127.0.0.1:{http_port}/agentguard"]\n'
        'dashboard = "http://127.0.0.1:8765"\n'
        '[approvals]\nroute = "headless"\nwait_seconds = 0\n'
    )
    return mail, hooks
