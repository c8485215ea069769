"""A mirror in a plain directory: one file per checkpoint, written then renamed."""

from __future__ import annotations

import os

from agentguard.ledger.mirror.base import (
    CHECKPOINTS,
    LATEST,
    MAX_NOTE,
    MirrorError,
    _admit,
    _check,
    _file_name,
    _locked,
    _newest,
)
from agentguard.state import write_text_atomic


class DirectoryMirror:
    """`<path>/checkpoints/<size>.note` per checkpoint and a `latest` pointer, each written then renamed."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.name = f"dir:{self.path}"

    def publish(self, note: str, size: int) -> None:
        _check(note, size, self.name)
        try:
            os.makedirs(os.path.join(self.path, CHECKPOINTS), exist_ok=True)
            with _locked(os.path.join(self.path, ".lock")):
                if not _admit(self.name, size, note, self._read(size), self._newest()):
                    return
                write_text_atomic(os.path.join(self.path, _file_name(size)), note)
                write_text_atomic(os.path.join(self.path, LATEST), _file_name(size) + "\n")
        except (OSError, ValueError) as exc:  # ValueError: bytes that are not UTF-8
            raise MirrorError(f"{self.name}: {exc}") from None

    def latest(self) -> str | None:
        # The highest file, not the pointer: a crash between the two renames leaves the pointer one behind.
        try:
            size = self._newest()
            note = None if size is None else self._read(size)
        except (OSError, ValueError) as exc:
            raise MirrorError(f"{self.name}: {exc}") from None
        if size is None or note is None:
            return None
        _check(note, size, self.name)
        return note

    def _newest(self) -> int | None:
        folder = os.path.join(self.path, CHECKPOINTS)
        return _newest(os.listdir(folder)) if os.path.isdir(folder) else None

    def _read(self, size: int) -> str | None:
        try:
            with open(os.path.join(self.path, _file_name(size)), encoding="utf-8") as handle:
                return handle.read(MAX_NOTE)
        except FileNotFoundError:
            return None
