"""Checkpoints and the anchor file: C2SP signed notes of the committed tree, made every N events or T seconds
(asked after each commit), and the newest copied to an anchor file outside the database, which the next start
checks the local tree against.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from agentguard.ledger import startup
from agentguard.ledger.errors import IntegrityError
from agentguard.ledger.event import made_at, utc_now
from agentguard.ledger.paths import read_text, write_text_atomic
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

    def checkpoint(self, *, new_segment: bool = False) -> str:
        """Sign a checkpoint of the committed tree now, store it, and copy it to the anchor file.

        `new_segment` (after a declared break) lets the anchor move to a smaller tree than the one it held.
        """
        with self._lock:
            self.flush()
            self._agent_signer()
            self._begin()  # under the write lock: the newest head, verified, and the current agent key
            try:
                head, signer = self._committed, self._agent_signer()
                assert head is not None
                from agentguard.ledger.note import Checkpoint, sign_note  # only when a checkpoint is due

                root = head.frontier.root()
                note = sign_note(Checkpoint(self.origin, head.size, root).text(), self.origin, signer.pair)
                stored = StoredCheckpoint(head.size, root, note, utc_now())
                self._store.add_checkpoint(stored)
                self._store.commit()
            finally:
                self._store.rollback()
            self._last_checkpoint = stored
            self._write_anchor(stored, force=new_segment)
            return note

    def _write_anchor(self, stored: StoredCheckpoint, *, force: bool = False) -> None:
        old = None if force else read_text(self.paths.anchor)
        if old is not None:
            try:
                if self._open_note(old).size >= stored.size:
                    return  # never move the anchor backwards (a concurrent process wrote a newer one)
            except IntegrityError:
                pass
        write_text_atomic(self.paths.anchor, stored.note)

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
