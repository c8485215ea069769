"""A tiny webhook receiver on 127.0.0.1 for tests: records every request, answers GET with the last POST.

    with Receiver() as hook:
        post_something(hook.url + "/alerts")
        [request] = hook.wait_for(1)

It doubles as an HTTP checkpoint mirror (POST stores a body per path, GET returns it, 404 before), and can be
told to fail (`hook.status = 500`) or to demand a header (`hook.require = {"Authorization": "Bearer x"}`).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}

    def text(self) -> str:
        return self.body.decode()


@dataclass
class Receiver:
    status: int = 200  # answer to POST (and to GET when it is not 200)
    require: dict[str, str] = field(default_factory=dict)  # headers a request must carry, else 401
    location: str = ""  # sent as Location with a 3xx status, to test redirects
    requests: list[Request] = field(default_factory=list)
    stored: dict[str, bytes] = field(default_factory=dict)  # path → last body POSTed with a 2xx answer
    _lock: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the receiver first (use it as a context manager)"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Receiver:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Request]:
        """The first `count` requests, waiting up to `timeout` seconds for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} requests, got {len(self.requests)}: {self.requests}")
                self._lock.wait(left)
            return list(self.requests[:count])

    def posts(self) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST"]

    def _record(self, request: Request) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append(request)
            self._lock.notify_all()
            if any(request.headers.get(k.lower()) != v for k, v in self.require.items()):
                return 401, b"unauthorized"
            if request.method == "GET":
                if self.status >= 300:
                    return self.status, b"failing on purpose"
                body = self.stored.get(request.path)
                return (200, body) if body is not None else (404, b"nothing stored")
            if self.status < 300:
                self.stored[request.path] = request.body
            return self.status, b"ok" if self.status < 300 else b"failing on purpose"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, reply = receiver._record(Request(method, self.path, headers, body))
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            if 300 <= status < 400 and receiver.location:
                self.send_header("Location", receiver.location)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            return

    return Handler
