"""`agentguard system status` (and doctor's protection check): which mode is in force, and, checked rather
than assumed, whether each part of protected mode is out of the calling user's reach and answering."""

from __future__ import annotations

import json
import os
import pwd
import stat
import subprocess
from typing import Any

from agentguard.system.layout import Layout, installed

USER_MODE_LIMITS = (
    "user mode: agentguard, its state, keys, ledger and snapshots belong to your user, so an agent running as you "
    "is stopped only by the gate's analysis: an unmodelled way to write the state dir, the venv or the Claude "
    "settings, or to read the keys, would switch the guard off or rewrite its record. Protected mode closes this "
    "with the OS: sudo agentguard system install"
)


def checks(layout: Layout | None = None) -> list[dict[str, Any]]:
    layout = layout or installed()
    if layout is None:
        return [{"name": "protection", "ok": True, "warn": True, "detail": USER_MODE_LIMITS}]
    found = [{"name": "protection", "ok": True, "detail": f"protected mode ({layout.state}, user {layout.user})"}]
    found += [_root_owned("install", layout.agentguard), _root_owned("hook client", layout.client)]
    if os.path.exists(layout.native_client):  # the managed hook runs it when it is there
        found.append(_root_owned("compiled hook client", layout.native_client))
    found += [_state(layout), _managed(layout), _probe(layout, "ls", None), _probe(layout, "rm -rf /", "deny")]
    found.append(_sudo())
    return found


def _root_owned(name: str, path: str) -> dict[str, Any]:
    try:
        info = os.stat(path)
    except OSError as exc:
        return {"name": name, "ok": False, "detail": f"{path}: {exc.strerror}"}
    ok = info.st_uid == 0 and not info.st_mode & 0o022
    detail = f"{path} is root-owned and writable by root only" if ok else f"{path} can be changed by non-root users"
    return {"name": name, "ok": ok, "detail": detail}


def _state(layout: Layout) -> dict[str, Any]:
    try:
        info = os.stat(layout.state)
        owner = pwd.getpwuid(info.st_uid).pw_name
    except (OSError, KeyError) as exc:
        return {"name": "state dir", "ok": False, "detail": f"{layout.state}: {exc}"}
    private = stat.S_IMODE(info.st_mode) & 0o077 == 0
    ok = owner == layout.user and private
    detail = f"{layout.state}: owner {owner}, mode {stat.S_IMODE(info.st_mode):o}"
    return {"name": "state dir", "ok": ok, "detail": detail + ("" if ok else f" (want {layout.user}, 700)")}


def _managed(layout: Layout) -> dict[str, Any]:
    name = "managed settings"
    try:
        info = os.stat(layout.managed)
        with open(layout.managed, encoding="utf-8") as handle:
            settings = json.load(handle)
    except (OSError, ValueError) as exc:
        return {"name": name, "ok": False, "detail": f"{layout.managed}: {exc}"}
    hooks = settings.get("hooks", {}) if isinstance(settings, dict) else {}
    wired = all(
        any(h.get("command") == layout.hook_command() for g in hooks.get(e, []) for h in g.get("hooks", []))
        for e in ("PreToolUse", "PostToolUse")
    )
    only = isinstance(settings, dict) and settings.get("allowManagedHooksOnly") is True
    ok = wired and only and info.st_uid == 0 and not info.st_mode & 0o022
    detail = f"{layout.managed}: hook {'wired' if wired else 'MISSING'}, allowManagedHooksOnly {only}"
    return {"name": name, "ok": ok, "detail": detail}


def _probe(layout: Layout, command: str, expect: str | None) -> dict[str, Any]:
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
               "cwd": "/", "session_id": "status", "tool_use_id": "status"}  # fmt: skip
    name = f"daemon answers {command!r}"
    try:
        done = subprocess.run(["/bin/sh", "-c", layout.hook_command()], input=json.dumps(payload),
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"name": name, "ok": False, "detail": str(exc)}
    try:
        got = json.loads(done.stdout).get("hookSpecificOutput", {}).get("permissionDecision") if done.stdout else None
    except ValueError:
        got = "unreadable"
    ok = done.returncode == 0 and got == expect
    why = "" if ok else f": {done.stderr.strip()[-300:]}"
    return {"name": name, "ok": ok, "detail": f"exit {done.returncode}, decision {got or 'allow'}{why}"}


def _sudo() -> dict[str, Any]:
    """A user who can become root without a password can undo protected mode, and so can its agent."""
    if os.geteuid() == 0:
        return {"name": "sudo", "ok": True, "detail": "running as root (a human's sudo)"}
    try:
        done = subprocess.run(["sudo", "-n", "true"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return {"name": "sudo", "ok": True, "detail": "no sudo here"}
    if done.returncode == 0:
        return {
            "name": "sudo",
            "ok": True,
            "warn": True,
            "detail": "this user may sudo without a password: an agent "
            "running as it can undo protected mode; require a password (or run the agent as another user)",
        }
    return {"name": "sudo", "ok": True, "detail": "this user cannot become root without a password"}
