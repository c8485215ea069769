"""Where one ledger keeps its files: a folder in agentguard's state dir (outside the agent's workspace)."""

from __future__ import annotations

import os
from typing import NamedTuple

from agentguard.state import Places


class LedgerPaths(NamedTuple):
    """Where the ledger's database, anchor and keys live."""

    folder: str
    agent_key_path: str | None = None  # given by path; else keys/agent.key in the folder
    admin_key_path: str | None = None

    @classmethod
    def from_places(cls, places: Places, *, agent_key: str | None = None, admin_key: str | None = None) -> LedgerPaths:
        return cls(os.path.join(places.state, "ledger"), agent_key, admin_key)

    @property
    def db(self) -> str:
        return os.path.join(self.folder, "ledger.db")

    @property
    def anchor(self) -> str:
        """The latest checkpoint note, kept outside the database so a restored older copy shows up."""
        return os.path.join(self.folder, "anchor.note")

    @property
    def agent_key(self) -> str:
        return self.agent_key_path or os.path.join(self.folder, "keys", "agent.key")

    @property
    def admin_key(self) -> str:
        return self.admin_key_path or os.path.join(self.folder, "keys", "admin.key")


def write_text_atomic(path: str, text: str) -> None:
    """Write-then-rename with fsync of the file and the folder: after a crash, the old or the new file.

    The temporary file is made as tempfile.mkstemp makes it (O_EXCL, mode 0600, a random name) without
    importing tempfile (~5 ms of the hook call that writes a checkpoint's anchor).
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


def read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
