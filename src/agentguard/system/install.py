"""`sudo agentguard system install` and `uninstall`: protected mode set up and taken down, step by step.

What the agent's user can then not do, and why: change the guard (a root-owned venv and client), read or
write its state, keys, ledger and snapshots (a 0700 directory of the `agentguard` user), or unwire it (Claude
Code's managed settings, root-owned, with allowManagedHooksOnly: project and user hooks are not run, and no
project or user file can remove or replace the managed hook). The daemon runs as the `agentguard` user with
one capability, CAP_DAC_READ_SEARCH, so that it can read (never write) the files it must snapshot.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from agentguard.errors import AgentGuardError
from agentguard.system import native
from agentguard.system.layout import Layout, system_file

Say = Callable[[str], None]

UNIT = """[Unit]
Description=agentguard: the gate between AI agents and this machine
After=local-fs.target

[Service]
Type=simple
User={user}
Group={user}
Environment=AGENTGUARD_HOME={state} HOME={state}
ExecStart={agentguard} daemon --socket {socket}
# Read the files it must snapshot, write nothing but its own state.
AmbientCapabilities=CAP_DAC_READ_SEARCH
CapabilityBoundingSet=CAP_DAC_READ_SEARCH
NoNewPrivileges=yes
RuntimeDirectory={runtime}
RuntimeDirectoryMode=0755
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
"""


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise AgentGuardError(f"{what} needs root: run it with sudo")


def install(layout: Layout, source: str, *, start: bool, say: Say) -> list[str]:
    """Every step, in order; returns what was done. Idempotent: a second run repairs what is missing."""
    require_root("agentguard system install")
    done = [
        _user(layout, say),
        _venv(layout, source, say),
        _client(layout, say),
        _native_client(layout, say),
        _dirs(layout, say),
        _marker(layout, say),
        _link(layout, say),
        _managed(layout, say),
        _unit(layout, start, say),
    ]
    return [d for d in done if d]


def _run(argv: list[str], say: Say) -> None:
    say("   $ " + " ".join(argv))
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AgentGuardError(f"{argv[0]} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def _user(layout: Layout, say: Say) -> str:
    try:
        pwd.getpwnam(layout.user)
        return ""
    except KeyError:
        pass
    say(f"== creating the system user {layout.user}")
    _run(["useradd", "--system", "--user-group", "--home-dir", layout.state, "--no-create-home",
          "--shell", "/usr/sbin/nologin", layout.user], say)  # fmt: skip
    return f"user {layout.user}"


def _venv(layout: Layout, source: str, say: Say) -> str:
    fresh = not os.path.exists(layout.agentguard)
    if fresh:
        say(f"== installing agentguard into {layout.venv} (root-owned)")
        _run([layout.python, "-m", "venv", layout.venv], say)
        _run([os.path.join(layout.venv, "bin", "python"), "-m", "pip", "install", "--quiet",
              "--disable-pip-version-check", source], say)  # fmt: skip
    _root_only(layout.prefix)
    return f"venv {layout.venv} from {source}" if fresh else ""


def _root_only(top: str) -> None:
    """Owned by root and writable by nobody else, all the way down (and the folders above it)."""
    for folder, dirs, files in os.walk(top):
        for name in [folder, *(os.path.join(folder, f) for f in files + dirs)]:
            if os.path.islink(name):
                continue
            os.chown(name, 0, 0)
            os.chmod(name, os.stat(name).st_mode & ~0o022)
    for parent in Path(top).parents:
        info = parent.stat()
        if info.st_uid != 0 or info.st_mode & 0o022:
            raise AgentGuardError(f"{parent} is writable by others than root: the install under it would not be "
                                  "protected; choose another --prefix")  # fmt: skip


def _client(layout: Layout, say: Say) -> str:
    from agentguard import hook_client

    new = Path(hook_client.__file__).read_bytes()
    old = Path(layout.client).read_bytes() if os.path.exists(layout.client) else None
    if old == new:
        return ""
    say(f"== hook client {layout.client}")
    tmp = layout.client + ".new"
    Path(tmp).write_bytes(new)
    os.chmod(tmp, 0o644)
    os.chown(tmp, 0, 0)
    os.replace(tmp, layout.client)
    return f"client {layout.client}"


def _native_client(layout: Layout, say: Say) -> str:
    """The compiled client, when the system has a C compiler: no interpreter start on every tool call. Without
    one (or when it fails to build) the Python client is what the managed hook runs."""
    if native.up_to_date(layout.native_client):
        return ""
    built = native.build(layout.native_client)
    if built is not None:
        say(f"no C compiler built the hook client ({built}): the Python client answers instead")
        return ""
    os.chown(layout.native_client, 0, 0)
    say(f"== compiled hook client {layout.native_client}")
    return f"native client {layout.native_client}"


def _dirs(layout: Layout, say: Say) -> str:
    user = pwd.getpwnam(layout.user)
    made = []
    for folder, mode in ((layout.state, 0o700), (os.path.dirname(layout.socket), 0o755)):
        if not os.path.isdir(folder):
            made.append(folder)
        os.makedirs(folder, exist_ok=True)
        os.chown(folder, user.pw_uid, user.pw_gid)
        os.chmod(folder, mode)
    if made:
        say(f"== {', '.join(made)} (owned by {layout.user})")
    return f"dirs {', '.join(made)}" if made else ""


def _marker(layout: Layout, say: Say) -> str:
    path = system_file()
    text = json.dumps(layout.to_json(), indent=2) + "\n"
    if os.path.exists(path) and Path(path).read_text(encoding="utf-8") == text:
        return ""
    say(f"== {path}")
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    _write_root_file(path, text)
    return f"marker {path}"


def _link(layout: Layout, say: Say) -> str:
    link = layout.link
    if not link or (os.path.islink(link) and os.readlink(link) == layout.agentguard):
        return ""
    if os.path.lexists(link) and not os.path.islink(link):
        say(f"{link} exists and is not a link: leaving it; run the protected install as {layout.agentguard}")
        return ""
    say(f"== {link} -> {layout.agentguard}")
    if os.path.lexists(link):
        os.unlink(link)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink(layout.agentguard, link)
    return f"link {link}"


def _managed(layout: Layout, say: Say) -> str:
    from agentguard.hosts.claude_settings import load_settings, merge_hooks

    settings = load_settings(layout.managed)
    changed = merge_hooks(settings, layout.hook_command())
    if settings.get("allowManagedHooksOnly") is not True:
        settings["allowManagedHooksOnly"] = True
        changed = True
        os.makedirs(os.path.dirname(_we_set_managed_only()), mode=0o755, exist_ok=True)
        _write_root_file(_we_set_managed_only(), "agentguard set allowManagedHooksOnly; uninstall takes it out\n")
    if not changed:
        return ""
    say(f"== Claude Code managed settings {layout.managed} (allowManagedHooksOnly)")
    os.makedirs(os.path.dirname(layout.managed), mode=0o755, exist_ok=True)
    _write_root_file(layout.managed, json.dumps(settings, indent=2) + "\n")
    return f"managed settings {layout.managed}"


def _unit(layout: Layout, start: bool, say: Say) -> str:
    text = UNIT.format(user=layout.user, state=layout.state, agentguard=layout.agentguard, socket=layout.socket,
                       runtime=os.path.basename(os.path.dirname(layout.socket)))  # fmt: skip
    changed = not os.path.exists(layout.unit) or Path(layout.unit).read_text(encoding="utf-8") != text
    if changed:
        say(f"== systemd unit {layout.unit}")
        os.makedirs(os.path.dirname(layout.unit), mode=0o755, exist_ok=True)
        _write_root_file(layout.unit, text)
    if not start:
        return "unit" if changed else ""
    if os.path.isdir("/run/systemd/system"):
        _run(["systemctl", "daemon-reload"], say)
        _run(["systemctl", "enable", "--now", "agentguard.service"], say)
    else:
        say("no systemd here: run the daemon in the foreground with `sudo agentguard system run` (containers: "
            "make it the service your init starts)")  # fmt: skip
    return "unit" if changed else ""


def _write_root_file(path: str, text: str) -> None:
    tmp = f"{path}.{os.getpid()}.new"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chown(tmp, 0, 0)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def uninstall(layout: Layout, *, purge: bool, say: Say) -> list[str]:
    """Undo install; the state dir (the ledger is evidence) and the user stay unless `purge`."""
    require_root("agentguard system uninstall")
    done = []
    if os.path.isdir("/run/systemd/system") and os.path.exists(layout.unit):
        subprocess.run(["systemctl", "disable", "--now", "agentguard.service"], capture_output=True, check=False)
    client_files = (layout.client, layout.native_client, native.stamp(layout.native_client))
    for path in (layout.unit, system_file(), *client_files):
        if os.path.exists(path):
            os.unlink(path)
            done.append(path)
    if layout.link and os.path.islink(layout.link) and os.readlink(layout.link) == layout.agentguard:
        os.unlink(layout.link)
        done.append(layout.link)
    if _unwire(layout.managed):
        done.append(layout.managed)
    if os.path.isdir(layout.venv):
        shutil.rmtree(layout.venv)
        done.append(layout.venv)
    if purge:
        shutil.rmtree(layout.state, ignore_errors=True)
        subprocess.run(["userdel", layout.user], capture_output=True, check=False)
        done += [layout.state, f"user {layout.user}"]
    for item in done:
        say(f"removed {item}")
    return done


def _unwire(path: str) -> bool:
    """Take agentguard's hooks (and the allowManagedHooksOnly it set) out of the managed settings."""
    from agentguard.hosts.claude_settings import EVENTS, is_ours, load_settings

    if not os.path.exists(path):
        return False
    settings = load_settings(path)
    hooks = settings.get("hooks", {})
    for event in EVENTS:
        groups = hooks.get(event, []) if isinstance(hooks, dict) else []
        kept = [g for g in groups if not any(is_ours(h.get("command")) for h in g.get("hooks", []))]
        if kept:
            hooks[event] = kept
        elif isinstance(hooks, dict):
            hooks.pop(event, None)
    if isinstance(hooks, dict) and not hooks:
        settings.pop("hooks", None)
    if os.path.exists(_we_set_managed_only()):  # one the administrator set stays
        settings.pop("allowManagedHooksOnly", None)
        os.unlink(_we_set_managed_only())
    if settings:
        _write_root_file(path, json.dumps(settings, indent=2) + "\n")
    else:
        os.unlink(path)
    return True


def _we_set_managed_only() -> str:
    """A root-owned note, beside the system marker, that allowManagedHooksOnly was agentguard's doing."""
    return os.path.join(os.path.dirname(system_file()), "managed-hooks-only.set")


def default_source() -> str:
    """This checkout when agentguard runs from one (its pyproject.toml beside src/), else the same version."""
    from agentguard import __version__

    here = Path(__file__).resolve().parents[3]
    if (here / "pyproject.toml").is_file() and (here / "src" / "agentguard").is_dir():
        return str(here)
    return f"agentguard=={__version__}"


def run_daemon(layout: Layout) -> None:
    """`agentguard system run`: the daemon in the foreground as its user, with CAP_DAC_READ_SEARCH only."""
    require_root("agentguard system run")
    argv = ["setpriv", f"--reuid={layout.user}", f"--regid={layout.user}", "--init-groups",
            "--inh-caps=-all,+dac_read_search", "--ambient-caps=-all,+dac_read_search",
            "--bounding-set=-all,+dac_read_search", "--",
            layout.agentguard, "daemon", "--socket", layout.socket]  # fmt: skip
    sys.stdout.flush()
    os.execvpe("setpriv", argv, layout.daemon_env())
