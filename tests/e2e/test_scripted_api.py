"""The scripted Messages API on its own, over real HTTP on 127.0.0.1 (no CLI needed)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from scripted_api import FINAL_TEXT, SIDE_TEXT, ScriptedApi

BASH_TOOL = {"name": "Bash", "input_schema": {"type": "object"}}


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "text", "text": text}]}


def tool_call(step: int, command: str) -> dict[str, Any]:
    block = {"type": "tool_use", "id": f"toolu_e2e_{step:02d}", "name": "Bash", "input": {"command": command}}
    return {"role": "assistant", "content": [block]}


def tool_result(step: int, text: str) -> dict[str, Any]:
    block = {"type": "tool_result", "tool_use_id": f"toolu_e2e_{step:02d}", "content": text}
    return {"role": "user", "content": [block]}


def post(api: ScriptedApi, path: str, body: dict[str, Any]) -> tuple[str, bytes]:
    request = urllib.request.Request(api.url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Content-Type"]), response.read()


def sse(payload: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for chunk in payload.decode().strip().split("\n\n"):
        name, data = chunk.split("\n")
        events.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return events


def streamed_block(events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Put the one content block back together the way a client does."""
    block = dict(events[1][1]["content_block"])
    partial = ""
    for _, data in events:
        delta = data.get("delta", {})
        partial += delta.get("partial_json", "")
        if delta.get("type") == "text_delta":
            block["text"] += delta["text"]
    if block["type"] == "tool_use":
        block["input"] = json.loads(partial)
    return block


@pytest.fixture
def api() -> Iterator[ScriptedApi]:
    with ScriptedApi(["ls", "rm -rf src"]) as server:
        yield server


CONVERSATIONS = [
    pytest.param([user("go")], {"type": "tool_use", "command": "ls"}, id="first-turn-asks-for-step-0"),
    pytest.param(
        [user("go"), tool_call(0, "ls"), tool_result(0, "src")],
        {"type": "tool_use", "command": "rm -rf src"},
        id="result-of-step-0-asks-for-step-1",
    ),
    pytest.param(
        [user("go"), tool_call(0, "ls"), tool_result(0, "src"), tool_call(1, "rm -rf src"), tool_result(1, "no")],
        {"type": "text", "text": FINAL_TEXT},
        id="every-step-answered-ends-with-text",
    ),
]


@pytest.mark.parametrize(("messages", "expected"), CONVERSATIONS)
def test_streamed_reply_follows_the_script(api: ScriptedApi, messages: list[Any], expected: dict[str, Any]) -> None:
    body = {"model": "m", "stream": True, "tools": [BASH_TOOL], "messages": messages}
    content_type, payload = post(api, "/v1/messages?beta=true", body)

    events = sse(payload)
    names = [name for name, _ in events]
    assert content_type == "text/event-stream"
    assert names[:2] == ["message_start", "content_block_start"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert all(name == "content_block_delta" for name in names[2:-3]) and len(names) > 5
    block = streamed_block(events)
    assert block["type"] == expected["type"]
    if expected["type"] == "tool_use":
        assert block["name"] == "Bash" and block["input"]["command"] == expected["command"]
        assert events[-2][1]["delta"]["stop_reason"] == "tool_use"
    else:
        assert block["text"] == expected["text"] and events[-2][1]["delta"]["stop_reason"] == "end_turn"


def test_a_request_without_the_bash_tool_gets_a_short_text(api: ScriptedApi) -> None:
    _, payload = post(api, "/v1/messages", {"model": "small", "stream": True, "messages": [user("title?")]})

    assert streamed_block(sse(payload)) == {"type": "text", "text": SIDE_TEXT}


def test_non_streaming_request_gets_one_json_message(api: ScriptedApi) -> None:
    content_type, payload = post(api, "/v1/messages", {"model": "m", "tools": [BASH_TOOL], "messages": [user("go")]})

    message = json.loads(payload)
    assert content_type == "application/json"
    assert message["stop_reason"] == "tool_use" and message["content"][0]["input"]["command"] == "ls"


def test_requests_are_recorded_and_tool_results_read_back(api: ScriptedApi) -> None:
    post(api, "/v1/messages/count_tokens", {"messages": [user("go")]})
    messages = [user("go"), tool_call(0, "ls"), tool_result(0, "agentguard: no")]
    post(api, "/v1/messages", {"model": "m", "tools": [BASH_TOOL], "messages": messages})

    assert api.paths() == ["POST /v1/messages/count_tokens", "POST /v1/messages"]
    assert api.result_for(0).text == "agentguard: no"
