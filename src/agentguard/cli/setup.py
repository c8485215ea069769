"""`agentguard init --claude`, `agentguard doctor`, and `agentguard hook claude` (for its --help)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from typing import Any

import click

from agentguard.cli.output import emit_json, fail
from agentguard.errors import AgentGuardError
from agentguard.hosts import claude_settings
from agentguard.state import Places, find_project_root, read_mode


@click.command()
@click.option("--claude", "claude", is_flag=True, help="Wire the PreToolUse/PostToolUse hooks of Claude Code.")
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def init(claude: bool, project: str | None, as_json: bool) -> None:
    """Wire agentguard into a host. Merges, never clobbers; running it twice changes nothing.

    \b
    Example:
      cd my-project && agentguard init --claude
    """
    if not claude:
        raise click.UsageError("name a host to wire: --claude")
    root = os.path.abspath(project or find_project_root(os.getcwd()))
    try:
        report = claude_settings.install(root)
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        emit_json({"message_type": "init", "host": "claude", "settings": report.path,
                   "changed": report.changed, "command": report.command})  # fmt: skip
    else:
        state = "updated" if report.changed else "already in place"
        click.echo(f"Claude Code hooks {state}: {report.path}\n  hook: {report.command}")


@click.command()
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def doctor(project: str | None, as_json: bool) -> None:
    """Check that the wiring is in place and works: runs the real hook on a destructive and a benign call.

    \b
    Example:
      agentguard doctor
    """
    root = os.path.abspath(project or find_project_root(os.getcwd()))
    checks = _doctor_checks(root)
    ok = all(c["ok"] for c in checks)
    if as_json:
        emit_json({"message_type": "doctor", "ok": ok, "checks": checks})
    else:
        for c in checks:
            click.echo(f"{'ok  ' if c['ok'] else 'FAIL'} {c['name']}: {c['detail']}")
    sys.exit(0 if ok else 1)


def _doctor_checks(root: str) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    places = Places.from_env()
    try:
        wired = claude_settings.wired_commands(claude_settings.load_settings(claude_settings.settings_path(root)))
    except AgentGuardError as exc:
        wired = {}
        checks.append({"name": "settings", "ok": False, "detail": exc.message})
    for event in claude_settings.EVENTS:
        found = wired.get(event, [])
        covers = bool(found) and all(t in found[0][0] for t in ("Bash", "Write", "Edit"))
        detail = f"{found[0][1]} on {found[0][0]}" if found else "not wired: run agentguard init --claude"
        checks.append({"name": f"claude {event} hook", "ok": covers, "detail": detail})
    try:
        checks.append({"name": "mode", "ok": True, "detail": read_mode(places)})
    except AgentGuardError as exc:
        checks.append({"name": "mode", "ok": False, "detail": exc.message})
    checks.append(_restores(places))
    pre = wired.get("PreToolUse", [])
    if pre:
        checks.append(_probe(pre[0][1], root, "rm -rf /", expect="deny"))
        checks.append(_probe(pre[0][1], root, "ls", expect=None))
    return checks


def _restores(places: Places) -> dict[str, Any]:
    from agentguard.snapshots.journal import describe_pending
    from agentguard.snapshots.store import Store

    try:
        with Store.open(places.state) as store:
            pending = describe_pending(store)
    except (AgentGuardError, OSError) as exc:
        return {"name": "interrupted restores", "ok": False, "detail": f"cannot read the snapshot store: {exc}"}
    return {"name": "interrupted restores", "ok": not pending, "detail": "; ".join(pending) or "none"}


def _probe(command: str, root: str, shell: str, expect: str | None) -> dict[str, Any]:
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": shell},
               "cwd": root, "session_id": "doctor", "tool_use_id": "doctor"}  # fmt: skip
    name = f"hook answers {shell!r}"
    try:
        done = subprocess.run(shlex.split(command), input=json.dumps(payload), capture_output=True, text=True,
                              timeout=30, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"name": name, "ok": False, "detail": f"the hook command does not run: {exc}"}
    answer = json.loads(done.stdout) if done.stdout.strip() else {}
    got = answer.get("hookSpecificOutput", {}).get("permissionDecision")
    ok = done.returncode == 0 and got == expect
    return {"name": name, "ok": ok, "detail": f"exit {done.returncode}, decision {got or 'allow (no answer)'}"}


@click.group()
def hook() -> None:
    """Hook entry points for hosts (they read the host's JSON on stdin)."""


@hook.command("claude")
def hook_claude() -> None:
    """Claude Code PreToolUse/PostToolUse hook: JSON on stdin, decision on stdout, always exit 0."""
    from agentguard.hosts.claude import run_hook

    sys.exit(run_hook(sys.stdin, sys.stdout))


COMMANDS = (init, doctor, hook)
