"""Wiring agentguard into a project's `.claude/settings.json`: merged, never clobbered, idempotent."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agentguard.errors import AgentGuardError
from agentguard.state import write_json_atomic

MATCHER = "Bash|Write|Edit|MultiEdit|NotebookEdit"
EVENTS = ("PreToolUse", "PostToolUse")
# When the agent says it is done: the project's checks run (agentguard.receipts.stop). No matcher (stops have
# no tool), and a timeout far above Claude Code's 60 s default: a hook killed by its timeout lets the stop through.
STOP_EVENTS = ("SessionStart", "Stop", "SubagentStop")  # SessionStart: the data state stops compare with
STOP_TIMEOUT = 900  # agentguard.receipts.stop.HOOK_TIMEOUT


def hook_command(wrap: Callable[[str], str] | None = None) -> str:
    """The hook command `init` writes: agentguard by name when the one on PATH is this install (so the line
    holds on a teammate's machine with its own install), else by absolute path; either way fail-closed."""
    wrap = wrap or fail_closed
    script = os.path.join(os.path.dirname(sys.executable), "agentguard")
    found = shutil.which("agentguard")
    if found and os.path.exists(script) and os.path.samefile(found, script):
        return wrap("agentguard hook claude")
    if os.path.exists(script):
        return wrap(f"{shlex.quote(os.path.abspath(script))} hook claude")
    return wrap(f"{shlex.quote(sys.executable)} -m agentguard hook claude")


# Claude Code runs hook commands under /bin/sh -c and lets the tool run when a hook exits with any code but 0
# or 2 (127 when the command is missing, 126 when it is not executable, 1 when it cannot fork or start) or
# prints nothing. This wrapper turns every such failure into exit 2, a block, with a reason for the human.
FAIL_CLOSED = ("o=$({command}) && [ -n \"$o\" ] && printf '%s\\n' \"$o\" || {{ echo 'agentguard: the hook gave no "
               "decision (not installed, not executable, or it failed), so this call is blocked: run agentguard "
               "doctor' >&2; exit 2; }}")  # fmt: skip


def fail_closed(command: str) -> str:
    return FAIL_CLOSED.format(command=command)


# The same for the lifecycle hooks (Stop, SubagentStop, SessionStart), with one difference: a stop that was
# already sent back once (`"stop_hook_active": true` in its input) is let through with the reason on stderr
# (exit 1, shown to the human), because a broken agentguard would otherwise block every stop and trap the
# session in a loop. The first stop is still blocked, so the agent is told before it claims to be done.
FAIL_CLOSED_STOP = (
    'i=$(cat); o=$(printf \'%s\' "$i" | {command}) && [ -n "$o" ] && printf \'%s\\n\' "$o" || {{ '
    'case "$i" in *\'"stop_hook_active":true\'*|*\'"stop_hook_active": true\'*) echo '
    "'agentguard: the hook gave no decision again, so the agent stopped WITHOUT its checks: "
    "run agentguard doctor' >&2; exit 1;; esac; echo 'agentguard: the hook gave no decision (not installed, "
    "not executable, or it failed), so the agent may not stop yet: run agentguard doctor' >&2; exit 2; }}"
)


def fail_closed_stop(command: str) -> str:
    return FAIL_CLOSED_STOP.format(command=command)


def is_ours(command: object) -> bool:
    return isinstance(command, str) and "agentguard" in command and ("hook claude" in command or CLIENT in command)


CLIENT = "hook_client.py"  # protected mode's hook command runs this file (agentguard.hook_client)


@dataclass(frozen=True, slots=True)
class WiringReport:
    path: str
    changed: bool
    command: str


def settings_path(project_root: str) -> str:
    return os.path.join(project_root, ".claude", "settings.json")


def load_settings(path: str) -> dict[str, Any]:
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise AgentGuardError(f"{path} is not valid JSON ({exc}); fix or move it, then run init again") from None
    if not isinstance(data, dict):
        raise AgentGuardError(f"{path} must hold a JSON object")
    return data


def merge_hooks(settings: dict[str, Any], command: str, stop_command: str | None = None) -> bool:
    """Add (or update) agentguard's hook entries; returns whether anything changed. `stop_command`: wire the
    lifecycle hooks (receipts, data state) too; protected mode does not (its daemon is not the project's user,
    and must not run the project's checks)."""
    hooks = settings.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise AgentGuardError("settings.json: 'hooks' must be an object")
    changed = False
    for event in (*EVENTS, *(STOP_EVENTS if stop_command else ())):
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise AgentGuardError(f"settings.json: hooks.{event} must be a list")
        if event in STOP_EVENTS:
            wanted = {"type": "command", "command": stop_command, "timeout": STOP_TIMEOUT}
            changed |= _merge_event(groups, wanted, None)
        else:
            changed |= _merge_event(groups, {"type": "command", "command": command}, MATCHER)
    return changed


def _merge_event(groups: list[Any], wanted: dict[str, Any], matcher: str | None) -> bool:
    for group in groups:
        if not isinstance(group, dict):
            continue
        for hook in group.get("hooks", []):
            if isinstance(hook, dict) and is_ours(hook.get("command")):
                if all(hook.get(k) == v for k, v in wanted.items()) and group.get("matcher") == matcher:
                    return False
                hook.update(wanted)
                if matcher is None:
                    group.pop("matcher", None)
                else:
                    group["matcher"] = matcher
                return True
    groups.append({"hooks": [dict(wanted)]} if matcher is None else {"matcher": matcher, "hooks": [dict(wanted)]})
    return True


def install(project_root: str) -> WiringReport:
    path = settings_path(project_root)
    settings = load_settings(path)
    command = hook_command()
    changed = merge_hooks(settings, command, hook_command(fail_closed_stop))
    if changed:
        write_json_atomic(path, settings)
    return WiringReport(path, changed, command)


def wired_commands(settings: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """For each event, the (matcher, command) pairs that run agentguard."""
    found: dict[str, list[tuple[str, str]]] = {}
    hooks = settings.get("hooks", {})
    for event in (*EVENTS, *STOP_EVENTS):
        for group in hooks.get(event, []) if isinstance(hooks, dict) else []:
            for hook in group.get("hooks", []) if isinstance(group, dict) else []:
                if isinstance(hook, dict) and is_ours(hook.get("command")):
                    found.setdefault(event, []).append((str(group.get("matcher", "")), str(hook["command"])))
    return found
