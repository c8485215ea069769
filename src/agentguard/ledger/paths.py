"""Where one ledger keeps its files: a folder in agentguard's state dir (outside the agent's workspace)."""

from __future__ import annotations

import os
from typing import NamedTuple

from agentguard.state import Places, write_text_atomic

__all__ = ["LedgerPaths", "read_text", "write_text_atomic"]  # the ledger writes its files with state.py's


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


def read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
