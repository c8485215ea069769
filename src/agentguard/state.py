"""Where agentguard keeps its state and user config: outside the workspace, out of the agent's way.

`AGENTGUARD_HOME` puts both under one directory (tests and CI use it); otherwise the platform's per-user
state and config dirs (platformdirs). Every environment lookup of the package lives here or in the CLI.
"""

from __future__ import annotations

import errno
import json
import os
import sys
from typing import NamedTuple

from agentguard.errors import StateError

MODES = ("normal", "freeze", "plan", "shadow")


class Places(NamedTuple):
    """Where agentguard's state and user config live, and the user's home. (A NamedTuple: frozen and typed
    like a dataclass, and four times cheaper to create in a hook process.)"""

    state: str
    config: str
    home: str

    @classmethod
    def from_env(cls) -> Places:
        home = os.path.expanduser("~")
        root = os.environ.get("AGENTGUARD_HOME")
        if root:
            root = os.path.abspath(os.path.expanduser(root))
            return cls(state=os.path.join(root, "state"), config=os.path.join(root, "config"), home=home)
        state, config = user_dirs()
        return cls(state=state, config=config, home=home)

    def glob_places(self, project_root: str) -> dict[str, str]:
        return {
            "HOME": self.home,
            "PROJECT": project_root,
            "STATE": self.state,
            "CONFIG": self.config,
            "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
            "INSTALL": install_dir(),
        }

    @property
    def mode_file(self) -> str:
        return os.path.join(self.state, "mode.json")


def install_dir() -> str:
    """Where this agentguard runs from: its virtualenv when it has one (pipx, a project's .venv), else the
    package itself. Changing anything there (a .pth, sitecustomize.py, the console script) changes the guard."""
    if sys.prefix != sys.base_prefix:
        return sys.prefix
    return os.path.dirname(os.path.abspath(__file__))


def user_dirs() -> tuple[str, str]:
    """platformdirs' user state and config dirs for agentguard.

    On Linux its rule is short ($XDG_STATE_HOME / $XDG_CONFIG_HOME when absolute, else ~/.local/state and
    ~/.config, under an absolute HOME), and importing platformdirs would cost every hook call ~5 ms, so the rule
    is applied here. Anywhere else (macOS, Windows, Android, a relative HOME) platformdirs answers."""
    home = os.environ.get("HOME", "")
    android = os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system"
    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel") or android or not os.path.isabs(home):
        import platformdirs

        return platformdirs.user_state_dir("agentguard"), platformdirs.user_config_dir("agentguard")
    return _xdg_dir("XDG_STATE_HOME", "~/.local/state"), _xdg_dir("XDG_CONFIG_HOME", "~/.config")


def _xdg_dir(variable: str, default: str) -> str:
    base = os.environ.get(variable, "")
    return os.path.join(base if os.path.isabs(base) else os.path.expanduser(default), "agentguard")


def find_project_root(cwd: str) -> str:
    """The nearest ancestor with agentguard.toml or .git; cwd itself when there is none.

    os.path rather than pathlib: pathlib costs the hook ~3 ms of imports (urllib, ipaddress) per call."""
    start = folder = os.path.abspath(cwd)
    while True:
        if _exists(os.path.join(folder, "agentguard.toml")) or _exists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return start
        folder = parent


def _exists(path: str) -> bool:
    """Path.exists: a folder that cannot be searched is an error (fail closed), not an absent marker."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
            return False
        raise
    except ValueError:
        return False
    return True


def read_mode(places: Places) -> str:
    """The mode a human set; normal when none was ever set. An unreadable mode file is an error (fail closed)."""
    try:
        with open(places.mode_file, encoding="utf-8") as handle:
            mode = json.load(handle).get("mode")
    except FileNotFoundError:
        return "normal"
    except (OSError, ValueError, AttributeError) as exc:
        raise StateError(f"cannot read the mode file {places.mode_file}: {exc}") from None
    if mode not in MODES:
        raise StateError(f"the mode file {places.mode_file} names an unknown mode {mode!r}")
    return str(mode)


def write_mode(places: Places, mode: str, *, by: str, reason: str | None) -> dict[str, str]:
    if mode not in MODES:
        raise StateError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    from datetime import UTC, datetime

    record = {"mode": mode, "set_by": by, "set_at": datetime.now(UTC).isoformat(timespec="seconds")}
    if reason:
        record["reason"] = reason
    write_json_atomic(places.mode_file, record)
    return record


def write_json_atomic(path: str, data: object) -> None:
    write_text_atomic(path, json.dumps(data, indent=2) + "\n")


def write_text_atomic(path: str, text: str, *, exclusive: bool = False) -> None:
    """Write-then-rename with fsync of the file and the folder: after a crash, the old or the new file.

    The temporary file is made as tempfile.mkstemp makes it (O_EXCL, mode 0600, a random name) without
    importing tempfile (~5 ms of the hook call that writes a checkpoint's anchor). `exclusive`: hard-link it
    to its name instead, which refuses an existing name (FileExistsError): a file that must never be
    replaced, and that no reader may see half written (a new key).
    """
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, mode=0o700, exist_ok=True)
    tmp = os.path.join(folder, f".tmp-{os.urandom(8).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
