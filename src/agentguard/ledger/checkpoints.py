"""Checkpoints and the anchor file: C2SP signed notes of the committed tree, made every N events or T seconds
(asked after each commit), and the newest copied to an anchor file outside the database, which the next start
checks the local tree against. The anchor is written under the write lock before its row is committed, and
only grows (a break's new segment is always longer than the tree the anchor held): startup.py relies on both.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from agentguard.ledger import startup
from agentguard.ledger.event import made_at, utc_now
from agentguard.ledger.paths import write_text_atomic
from agentguard.ledger.store import StoredCheckpoint
from agentguard.ledger.writer import Options, Writer

if TYPE_CHECKING:
    from agentguard.ledger.note import Checkpoint


class Checkpointer(Writer):
    """The write path with checkpoints: every commit is followed by a checkpoint when one is due."""

    def _commit(self) -> None:
        super()._commit()
        self._maybe_checkpoint()

    def _maybe_checkpoint(self) -> None:
        if self._signer is None or self._committed is None:
            return
        last, size = self._last_checkpoint, self._committed.size
        if last is None or _due(last, size, self.options):
            self.checkpoint()

    def checkpoint(self) -> str:
        """Sign a checkpoint of the committed tree now, store it, and copy it to the anchor file."""
        with self._lock:
            self.flush()
            self._agent_signer()
            self._begin()  # under the write lock: the newest head, verified, and the current agent key
            try:
                stored = self._sign_checkpoint()
                self._store.commit()
            finally:
                self._store.rollback()
            self._last_checkpoint = stored
            return stored.note

    def _sign_checkpoint(self) -> StoredCheckpoint:
        """Inside the write transaction: sign the tree as it will be committed, store the row, and write the
        anchor file BEFORE the commit. Start-up's exact check relies on that order (see startup.py): no
        checkpoint row is ever committed that the anchor does not already cover."""
        from agentguard.ledger.note import Checkpoint, sign_note  # only when a checkpoint is due

        head, signer = self._head, self._agent_signer()
        assert head is not None
        root = head.frontier.root()
        note = sign_note(Checkpoint(self.origin, head.size, root).text(), self.origin, signer.pair)
        stored = StoredCheckpoint(head.size, root, note, utc_now())
        self._store.add_checkpoint(stored)
        write_text_atomic(self.paths.anchor, note)
        return stored

    def check_anchor(self, note: str | None) -> Checkpoint | None:
        """The local tree must contain the anchored checkpoint (from the anchor file or a mirror)."""
        assert self._committed is not None
        return startup.check_anchor(self._store, self.ring, self.origin, self._committed, note)

    def _open_note(self, note: str) -> Checkpoint:
        return startup.open_note(self.ring, self.origin, note)


def _due(last: StoredCheckpoint, size: int, options: Options) -> bool:
    if size - last.size >= options.checkpoint_every:
        return True
    return size > last.size and time.time() - made_at(last.made) >= options.checkpoint_seconds
