"""A scripted Anthropic Messages API on 127.0.0.1, so the real `claude` CLI can be driven without a model.

The script is a list of shell commands. The reply is worked out from the conversation the CLI sends, not from
server state, so retries and side requests cannot put it out of step: a main-loop request (one that offers the
Bash tool) whose history holds n tool calls gets a `tool_use` for command n, or the final text once every
command has had its turn. Any other request to /v1/messages (title, summary, topic checks on the small model)
gets a short text. Every request is recorded, so a test reads back what the CLI sent: the tool results carry
either a command's output or the hook's reason for not running it.

What the CLI calls (claude-code 2.1.112 with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1, seen by logging):
`HEAD /` once as a reachability check, then only streaming `POST /v1/messages?beta=true` with the full tool
list. count_tokens, the non-streaming form and small-model side requests are answered too, for other versions.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FINAL_TEXT = "Scripted run finished."
SIDE_TEXT = "Scripted session"
TOOL = "Bash"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    body: Any  # the parsed JSON body, or None


@dataclass(frozen=True, slots=True)
class Reply:
    """One assistant message: either a Bash tool call or plain text."""

    stop_reason: str
    block: dict[str, Any]


# A step is a Bash command, another tool's call: {"tool": "Write", "input": {"file_path": …, "content": …}}, or
# the end of a turn: {"text": "All done."} (the model stops; Claude Code runs its Stop hooks, which may send
# it back to work: the next step is then the model's next move).
Step = str | dict[str, Any]


@dataclass
class ScriptedApi:
    commands: Sequence[Step]
    requests: list[RecordedRequest] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ScriptedApi:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), name="scripted-api", daemon=True).start()
        return self

    def __enter__(self) -> ScriptedApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def next_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}_e2e_{next(self._ids):04d}"

    def reply_to(self, body: dict[str, Any]) -> Reply:
        if not is_main_loop(body):
            return Reply("end_turn", {"type": "text", "text": SIDE_TEXT})
        done = len(tool_uses(body)) + len(turn_ends(body))
        if done < len(self.commands):
            command = self.commands[done]
            if isinstance(command, dict) and "text" in command:
                return Reply("end_turn", {"type": "text", "text": command["text"]})
            name, given = (command["tool"], command["input"]) if isinstance(command, dict) else (TOOL, None)
            block = {"type": "tool_use", "id": f"toolu_e2e_{done:02d}", "name": name,
                     "input": given or {"command": command, "description": f"scripted step {done}"}}  # fmt: skip
            return Reply("tool_use", block)
        return Reply("end_turn", {"type": "text", "text": FINAL_TEXT})

    # What tests read back.
    def main_requests(self) -> list[dict[str, Any]]:
        bodies = [r.body for r in self.requests if r.path.split("?", 1)[0] == "/v1/messages"]
        return [b for b in bodies if isinstance(b, dict) and is_main_loop(b)]

    def stop_feedback(self) -> list[str]:
        """The Stop hook block reasons Claude Code passed on to the model, in order (from the last request)."""
        requests = self.main_requests()
        return stop_feedback(requests[-1]) if requests else []

    def tool_results(self) -> dict[str, ToolResult]:
        """Every tool result the CLI sent back, by tool_use id (the last one seen wins)."""
        found: dict[str, ToolResult] = {}
        for body in self.main_requests():
            for message in body.get("messages", []):
                for block in _blocks(message):
                    if block.get("type") == "tool_result":
                        found[str(block.get("tool_use_id"))] = ToolResult.of(block)
        return found

    def result_for(self, step: int) -> ToolResult:
        results = self.tool_results()
        key = f"toolu_e2e_{step:02d}"
        assert key in results, f"no tool result for step {step}; requests: {self.paths()}"
        return results[key]

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]


@dataclass(frozen=True, slots=True)
class ToolResult:
    text: str
    is_error: bool

    @classmethod
    def of(cls, block: dict[str, Any]) -> ToolResult:
        content = block.get("content")
        if isinstance(content, list):
            text = "\n".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
        else:
            text = str(content or "")
        return cls(text=text, is_error=bool(block.get("is_error")))


def is_main_loop(body: dict[str, Any]) -> bool:
    tools = body.get("tools") or []
    return any(isinstance(t, dict) and t.get("name") == TOOL for t in tools)


def tool_uses(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for m in body.get("messages", []) if m.get("role") == "assistant" for b in _blocks(m)
            if b.get("type") == "tool_use"]  # fmt: skip


def turn_ends(body: dict[str, Any]) -> list[str]:
    """The texts of the assistant's earlier turn ends that a Stop hook sent back (a message without a tool call,
    answered by Claude Code's "Stop hook feedback"). A turn end answered by a new prompt (a resumed session) is
    not a step of this script."""
    ends, messages = [], body.get("messages", [])
    for message, after in itertools.pairwise(messages):
        blocks = _blocks(message)
        calls = any(b.get("type") == "tool_use" for b in blocks)
        text_only = message.get("role") == "assistant" and bool(blocks) and not calls
        if text_only and STOP_FEEDBACK in _text_of(after):
            ends.append(" ".join(str(b.get("text", "")) for b in blocks if b.get("type") == "text"))
    return ends


STOP_FEEDBACK = "Stop hook feedback"


def _text_of(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(str(b.get("text", "")) for b in _blocks(message) if b.get("type") == "text")


def stop_feedback(body: dict[str, Any]) -> list[str]:
    """What the user side said after a turn end: Claude Code's message carrying a Stop hook's block reason."""
    found, after_end = [], False
    for message in body.get("messages", []):
        blocks = _blocks(message)
        content = message.get("content")
        if message.get("role") == "assistant":
            after_end = bool(blocks) and not any(b.get("type") == "tool_use" for b in blocks)
        elif after_end:
            texts = [str(b.get("text", "")) for b in blocks if b.get("type") == "text"] if blocks else [str(content)]
            found.append("\n".join(texts))
            after_end = False
    return found


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def message_json(reply: Reply, message_id: str, model: str) -> dict[str, Any]:
    return {
        "id": message_id, "type": "message", "role": "assistant", "model": model, "content": [reply.block],
        "stop_reason": reply.stop_reason, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 5},
    }  # fmt: skip


def sse_events(reply: Reply, message_id: str, model: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The streaming form of one message, the way the real API splits it."""
    start = message_json(reply, message_id, model) | {"content": [], "stop_reason": None}
    start["usage"] = {"input_tokens": 10, "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": start}
    block = reply.block
    if block["type"] == "tool_use":
        opening = {k: block[k] for k in ("type", "id", "name")} | {"input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": part} for part in _halves(json.dumps(block["input"]))]
    else:
        opening = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": part} for part in _halves(block["text"])]
    yield "content_block_start", {"type": "content_block_start", "index": 0, "content_block": opening}
    for delta in deltas:
        yield "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
    yield "content_block_stop", {"type": "content_block_stop", "index": 0}
    yield "message_delta", {"type": "message_delta", "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                            "usage": {"output_tokens": 5}}  # fmt: skip
    yield "message_stop", {"type": "message_stop"}


def _halves(text: str) -> list[str]:
    # Two deltas rather than one, so the client's concatenation of partial JSON is exercised.
    middle = len(text) // 2
    return [part for part in (text[:middle], text[middle:]) if part]


def _handler_for(api: ScriptedApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the recorded requests are the log

        def do_HEAD(self) -> None:
            api.record(RecordedRequest("HEAD", self.path, None))
            self._send(200, "application/json", b"")

        def do_GET(self) -> None:
            api.record(RecordedRequest("GET", self.path, None))
            self._json(200, {})

        def do_POST(self) -> None:
            body = self._read_json()
            api.record(RecordedRequest("POST", self.path, body))
            route = self.path.split("?", 1)[0]
            if route == "/v1/messages/count_tokens":
                self._json(200, {"input_tokens": 100})
            elif route == "/v1/messages" and isinstance(body, dict):
                self._messages(body)
            elif route == "/v1/messages":
                self._json(400, {"type": "error", "error": {"type": "invalid_request_error", "message": "bad JSON"}})
            else:
                self._json(200, {})

        def _messages(self, body: dict[str, Any]) -> None:
            reply = api.reply_to(body)
            message_id = api.next_id("msg")
            model = str(body.get("model") or "claude-scripted")
            if not body.get("stream"):
                self._json(200, message_json(reply, message_id, model))
                return
            chunks = [
                f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in sse_events(reply, message_id, model)
            ]
            self._send(200, "text/event-stream", "".join(chunks).encode())

        def _read_json(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw) if raw else None
            except ValueError:
                return None

        def _json(self, status: int, payload: Any) -> None:
            self._send(status, "application/json", json.dumps(payload).encode())

        def _send(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("request-id", "req_e2e")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

    return Handler
