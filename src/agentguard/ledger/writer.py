"""The ledger's write path: one event signed and linked per append, inside a write transaction.

Every append links to a head this process has verified (re-hashed and signature-checked), inside the same
write transaction that stores the event, so concurrent hook processes cannot fork the chain. With
`group=True` appends share a transaction until 100 events or 10 ms have gathered (for busy hosts): a daemon
thread commits a group still open after that, and `flush()` or `close()` commits the rest.
"""

from __future__ import annotations

import time
from _thread import RLock  # threading's own RLock; threading itself (~0.7 ms) only when grouping needs a thread
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from agentguard.ledger import keyring as kr
from agentguard.ledger import rotation, startup
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.event import Actor, Event, signed_bytes, utc_now
from agentguard.ledger.keys import AGENT, Signer
from agentguard.ledger.merkle import Frontier, leaf_hash
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.store import Head, Row, Store, StoredCheckpoint

if TYPE_CHECKING:
    import threading


class Options(NamedTuple):
    """How a Ledger is opened: grouping, checkpoint cadence, read-only, break handling."""

    group: bool = False  # share commits: ≤ group_max events or ≤ group_seconds
    group_max: int = 100
    group_seconds: float = 0.010
    checkpoint_every: int = 1000  # events between automatic checkpoints
    checkpoint_seconds: float = 60.0  # or this long, whichever comes first (checked on append)
    readonly: bool = False  # read and verify only: no key is loaded, nothing is written
    declare_breaks: bool = False  # a failed start-up check is stamped as a chain break, not raised
    break_timeout_hours: int = 72  # unresolved breaks older than this get a timeout_no_action event
    check: bool = True  # False (read-only only): skip the start-up check, to look into a broken ledger


class Writer:
    """The state every part of a Ledger shares, and the write path over it (Ledger builds on this class)."""

    def __init__(self, paths: LedgerPaths, store: Store, options: Options) -> None:
        self.paths, self.options, self._store = paths, options, store
        self._lock = RLock()
        self._signer: Signer | None = None
        self._head: Head | None = None  # what this process wrote last (may be uncommitted when grouping)
        self._committed: Head | None = None
        self._pending = 0
        self._group_started = 0.0
        self._flusher: threading.Thread | None = None
        self._group_open: threading.Event | None = None
        self._closed = False
        self.ring = kr.KeyRing(())
        self.origin = ""
        self._last_checkpoint: StoredCheckpoint | None = None

    def _check_head(self, head: Head) -> None:
        startup.check_head(self._store, self.ring, head)

    def _load_signer(self, role: str, path: str) -> Signer:
        return rotation.load_signer(self.ring, role, path)

    def append(self, kind: str, actor: Actor, payload: Mapping[str, Any]) -> Event:
        if kind in kr.RESERVED:
            raise LedgerError(f"{kind} events are written by their own method, not append()")
        return self._append(kind, actor, payload)

    def _agent_signer(self) -> Signer:
        if self._signer is None:
            raise LedgerError("this ledger was opened read-only")
        return self._signer

    def _append(self, kind: str, actor: Actor, payload: Mapping[str, Any], signer: Signer | None = None,
                declare: tuple[str, bytes] | None = None) -> Event:  # fmt: skip
        """Write one event; `signer` None means the agent key current once the write lock is held."""
        with self._lock:
            if signer is None:
                self._agent_signer()  # a read-only ledger fails here, before taking the write lock
            self._begin()
            try:
                signer = signer or self._agent_signer()
                head = self._head
                assert head is not None
                if declare is not None:
                    self._store.add_key(declare[0], head.seq + 2, declare[1])
                event = self._write(head.seq + 1, kind, actor, payload, head.hash.hex(), head.frontier, signer)
            except BaseException:
                self._abort()
                raise
            self._pending += 1
            opts = self.options
            full = self._pending >= opts.group_max or time.monotonic() - self._group_started >= opts.group_seconds
            if not opts.group or declare or full:
                self._commit()
            elif self._pending == 1:
                self._wake_flusher()
        return event

    def _wake_flusher(self) -> None:
        """One daemon thread per grouped ledger commits a group that is still open after group_seconds."""
        if self._flusher is None:
            import threading

            self._group_open = threading.Event()
            self._flusher = threading.Thread(target=self._flush_loop, name="ledger-flush", daemon=True)
            self._flusher.start()
        assert self._group_open is not None
        self._group_open.set()

    def _flush_loop(self) -> None:
        group_open = self._group_open
        assert group_open is not None
        while not self._closed:
            group_open.wait()
            group_open.clear()
            time.sleep(self.options.group_seconds)
            with self._lock:
                if (
                    not self._closed
                    and self._store.in_transaction
                    and (time.monotonic() - self._group_started >= self.options.group_seconds)
                ):
                    self._commit()

    def _begin(self) -> None:
        if self._store.in_transaction:
            return
        self._store.begin()
        head = self._store.head()
        if head != self._committed:  # another process appended: verify its head before linking to it
            if head is None:
                self._store.rollback()
                raise IntegrityError("the ledger head disappeared")
            try:
                self.ring = kr.KeyRing.from_declarations(self._store.keys())
                self._check_head(head)
                current = self.ring.current(AGENT)
                if self._signer and current and current.key != self._signer.pair.public:
                    self._signer = self._load_signer(AGENT, self.paths.agent_key)  # another process rotated it
            except BaseException:
                self._store.rollback()
                raise
            self._head = self._committed = head
        self._group_started = time.monotonic()

    def _write(self, seq: int, kind: str, actor: Actor, payload: Mapping[str, Any], prev: str,
               frontier: Frontier, signer: Signer) -> Event:  # fmt: skip
        when, key_id = utc_now(), signer.pair.key_id
        body = signed_bytes(seq, when, kind, actor, payload, prev, key_id)
        sig = signer.sign(body)
        digest = leaf_hash(body)
        head = Head(seq, digest, frontier.append(digest))
        # Grouped appends write the head once, at commit: still in the same transaction as the events.
        self._store.append(Row(seq, kind, body, sig), None if self.options.group else head)
        self._head = head
        return Event(seq, when, kind, actor, dict(payload), prev, key_id, body, sig)

    def _commit(self) -> None:
        """Commit the open transaction (checkpoints.py's subclass then makes a checkpoint when one is due)."""
        if self._store.in_transaction:
            if self.options.group and self._head is not None and self._head != self._committed:
                self._store.set_head(self._head)
            self._store.commit()
        self._committed, self._pending = self._head, 0

    def _abort(self) -> None:
        self._store.rollback()
        self._head, self._pending = self._committed, 0

    def flush(self) -> None:
        """Commit grouped appends now (durable when this returns)."""
        with self._lock:
            if self._store.in_transaction:
                self._commit()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.flush()
            self._closed = True
            if self._group_open is not None:
                self._group_open.set()
            self._store.close()
