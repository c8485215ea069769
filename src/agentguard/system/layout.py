"""Where protected mode puts things, and the root-owned file that says protected mode is installed.

/opt/agentguard/venv            agentguard itself, root-owned: the agent's user cannot change the guard
/opt/agentguard/hook_client.py  the hook command's client (stdlib only), root-owned
/var/lib/agentguard             AGENTGUARD_HOME of the daemon: state, keys, ledger, snapshots (0700, its user)
/run/agentguard/agentguard.sock where the daemon answers
/etc/claude-code/managed-settings.json  Claude Code's managed settings: the hook, allowManagedHooksOnly
/etc/agentguard/system.json     this layout, for the CLI (AGENTGUARD_SYSTEM_FILE overrides, for tests)
/usr/local/bin/agentguard       a link to the venv's agentguard, for `sudo agentguard …`
"""

from __future__ import annotations

import json
import os
from typing import Any, NamedTuple

SYSTEM_FILE = "/etc/agentguard/system.json"


class Layout(NamedTuple):
    """One protected-mode installation."""

    prefix: str = "/opt/agentguard"
    state: str = "/var/lib/agentguard"
    socket: str = "/run/agentguard/agentguard.sock"
    user: str = "agentguard"
    managed: str = "/etc/claude-code/managed-settings.json"
    unit: str = "/etc/systemd/system/agentguard.service"
    python: str = "/usr/bin/python3"  # runs the hook client for every user; Debian's, not a user's own
    link: str = "/usr/local/bin/agentguard"  # so `sudo agentguard …` finds this install ("" for none)

    @property
    def venv(self) -> str:
        return os.path.join(self.prefix, "venv")

    @property
    def agentguard(self) -> str:
        return os.path.join(self.venv, "bin", "agentguard")

    @property
    def client(self) -> str:
        return os.path.join(self.prefix, "hook_client.py")

    @property
    def native_client(self) -> str:
        """The same client compiled (hook_client.c), when install found a C compiler."""
        return os.path.join(self.prefix, "hook-client")

    def hook_command(self) -> str:
        """The managed hook: the compiled client if there is one, else the Python one, wrapped so that any
        failure of it is a block (exit 2)."""
        import shlex

        from agentguard.hosts.claude_settings import fail_closed

        native = os.access(self.native_client, os.X_OK)
        argv = (self.native_client,) if native else (self.python, "-I", "-S", self.client)
        client = " ".join(shlex.quote(p) for p in (*argv, "--socket", self.socket))
        return fail_closed(f"{client} claude")

    def daemon_env(self) -> dict[str, str]:
        return {"AGENTGUARD_HOME": self.state, "HOME": self.state, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}

    def to_json(self) -> dict[str, Any]:
        return dict(self._asdict())


def system_file() -> str:
    return os.environ.get("AGENTGUARD_SYSTEM_FILE") or SYSTEM_FILE


def installed() -> Layout | None:
    """The protected-mode layout, if one is installed (a root-owned file says so); None in user mode."""
    path = system_file()
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        from agentguard.errors import AgentGuardError

        raise AgentGuardError(f"{path} is unreadable ({exc}): run `sudo agentguard system install` again") from None
    known = {k: str(v) for k, v in data.items() if k in Layout._fields} if isinstance(data, dict) else {}
    return Layout(**known)
