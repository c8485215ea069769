"""A stand-in for the person at the keyboard: an MCP stdio server with one tool, `answer`.

In `-p` mode Claude Code cannot show a permission prompt; given `--permission-prompt-tool mcp__human__answer` it
asks this tool instead. So a tool call that reaches it was a permission request (an ask), never a deny, and the
test decides what the human says. Each request is appended to the JSONL file named by `E2E_PROMPT_LOG`; the
answer is `E2E_PROMPT_ANSWER` ("allow" or "deny", default "deny").

Run by the CLI as `python permission_prompt.py`; stdlib only, newline-delimited JSON-RPC on stdin/stdout.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

SERVER = "human"
TOOL = "answer"
DENY_MESSAGE = "the scripted human said no"

TOOL_SPEC = {
    "name": TOOL,
    "description": "Answers Claude Code's permission requests for the e2e tests.",
    "inputSchema": {
        "type": "object",
        "properties": {"tool_name": {"type": "string"}, "input": {"type": "object"}, "tool_use_id": {"type": "string"}},
        "required": ["tool_name", "input"],
    },
}


def answer(arguments: dict[str, Any]) -> dict[str, Any]:
    log = os.environ.get("E2E_PROMPT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(arguments, sort_keys=True) + "\n")
    if os.environ.get("E2E_PROMPT_ANSWER") == "allow":
        verdict: dict[str, Any] = {"behavior": "allow", "updatedInput": arguments.get("input") or {}}
    else:
        verdict = {"behavior": "deny", "message": DENY_MESSAGE}
    return {"content": [{"type": "text", "text": json.dumps(verdict)}]}


def handle(message: dict[str, Any]) -> dict[str, Any] | None:
    method = message.get("method")
    params = message.get("params") or {}
    if method == "initialize":
        result: dict[str, Any] = {
            "protocolVersion": params.get("protocolVersion", "2024-11-05"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": SERVER, "version": "0"},
        }
    elif method == "tools/list":
        result = {"tools": [TOOL_SPEC]}
    elif method == "tools/call" and params.get("name") == TOOL:
        result = answer(params.get("arguments") or {})
    elif "id" not in message:
        return None  # a notification
    elif method == "ping":
        result = {}
    else:
        return {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": f"no method {method}"}}
    return {"jsonrpc": "2.0", "id": message.get("id"), "result": result}


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        reply = handle(json.loads(line))
        if reply is not None:
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
