"""The ledger's public API: open (with the O(1) start-up check), append, checkpoint, rotate keys, read.

    Ledger.open(places).append("decision", Actor.agent(session_id), {"command": ..., "verdict": "deny"})

This module opens (creating the ledger, its keys and genesis event on first use, then the start-up check),
rotates keys and reads. Appending, grouped commits and the flusher thread are writer.py's; checkpoints and the
anchor file checkpoints.py's (Ledger builds on both classes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from agentguard.ledger import keyring as kr
from agentguard.ledger import rotation, startup
from agentguard.ledger.checkpoints import Checkpointer
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.event import GENESIS_PREV, Actor, Event
from agentguard.ledger.keys import ADMIN, AGENT, KeyPair, Signer, load_or_create
from agentguard.ledger.merkle import Frontier
from agentguard.ledger.paths import LedgerPaths
from agentguard.ledger.store import Store
from agentguard.ledger.writer import Options
from agentguard.state import Places


class Ledger(Checkpointer):
    """An open ledger: `Ledger.open(places)` or `Ledger.at(path)`, then append, checkpoint, rotate, read; close."""

    # -- opening --
    @classmethod
    def open(cls, places: Places | None = None, **options: Any) -> Ledger:
        return cls.at(LedgerPaths.from_places(places or Places.from_env()), **options)

    @classmethod
    def at(cls, paths: LedgerPaths | str, **options: Any) -> Ledger:
        paths = LedgerPaths(paths) if isinstance(paths, str) else paths
        opts = Options(**options)
        if opts.readonly and not os.path.exists(paths.db):
            raise LedgerError(f"there is no ledger at {paths.db} yet: it is created by the first recorded event")
        ledger = cls(paths, Store(paths.db, readonly=opts.readonly), opts)
        try:
            ledger._start()
        except BaseException:
            ledger._store.close()
            raise
        return ledger

    def _start(self) -> None:
        opts = self.options
        if self._store.head() is None and not opts.readonly:
            self._create()
        self.origin = self._origin()
        self._last_checkpoint = self._store.latest_checkpoint()
        self.ring = kr.KeyRing.from_declarations(self._store.keys())
        if not opts.check and opts.readonly:
            self._head = self._committed = self._store.head()
            return
        try:
            checked = startup.check(self._store, self.origin, self.paths.anchor)
        except IntegrityError:
            if opts.readonly or not opts.declare_breaks:
                raise
            checked = self._recover()
        self.ring, self._head, self._committed = checked.ring, checked.head, checked.head
        if not opts.readonly and self._signer is None:
            self._signer = self._load_signer(AGENT, self.paths.agent_key)
        if checked.unstored is not None and not opts.readonly:
            self._store_anchored_row()
        if opts.declare_breaks and self._store.last_rows(1, kr.DETECTED):  # O(1) when there is no break
            from agentguard.ledger.breaks import check_timeouts

            check_timeouts(self, opts.break_timeout_hours)

    def _recover(self) -> startup.Checked:
        """A failed check, again under the write lock: what another process already stamped (or what was only
        a concurrent write) passes now; what is still wrong is stamped as one break in the same transaction."""
        from agentguard.ledger.breaks import stamp_failed_check

        with self._lock:
            self._signer = self._signer or self._load_signer(AGENT, self.paths.agent_key)
            self._store.begin()
            try:
                try:
                    checked = startup.check(self._store, self.origin, self.paths.anchor, in_transaction=True)
                except IntegrityError as exc:
                    stamp_failed_check(self, exc)
                    checked = startup.check(self._store, self.origin, self.paths.anchor, in_transaction=True)
                self._store.commit()
            finally:
                self._store.rollback()
        return checked

    def _store_anchored_row(self) -> None:
        """A writer died after anchoring a checkpoint and before committing its row: the anchor names exactly
        the committed tree (checked), so sign and store that checkpoint again, under the write lock."""
        with self._lock:
            self._begin()
            try:
                if self._store.checkpoint(self._head.size if self._head else 0) is None:
                    self._last_checkpoint = self._sign_checkpoint()
                self._store.commit()
            finally:
                self._store.rollback()

    def _create(self) -> None:
        """Genesis: event 0 declares the origin and both public keys, signed by the new agent key."""
        agent = load_or_create(self.paths.agent_key)
        admin = load_or_create(self.paths.admin_key)
        origin = f"agentguard.local/ledger/{os.urandom(8).hex()}"
        payload = {"origin": origin, "keys": {AGENT: agent.public.b64, ADMIN: admin.public.b64}}
        self._store.begin()
        try:
            if self._store.head() is None:  # another process may have created it while we waited
                for role, start, public in kr.declarations(0, kr.GENESIS, payload):
                    self._store.add_key(role, start, public)
                self._write(0, kr.GENESIS, Actor.system(), payload, GENESIS_PREV, Frontier(), agent.signer())
                assert self._head is not None
                self._store.set_head(self._head)
            self._store.commit()
        finally:
            self._store.rollback()

    def _origin(self) -> str:
        row = self._store.row(0)
        origin = Event.from_row(0, row.body, row.sig).payload.get("origin") if row else None
        if not isinstance(origin, str):
            raise IntegrityError("the genesis event (0) is missing or names no origin", seq=0)
        return origin

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- keys --
    def rotate_key(self, role: str = AGENT, *, admin: KeyPair | None = None) -> Event:
        """Replace a role's key: a `key_rotated` event signed by the old key names the new one."""
        path = self.paths.agent_key if role == AGENT else self.paths.admin_key
        old = None if role == AGENT else self._admin_signer(admin)  # None: the agent key current under the lock
        new = rotation.stage(path)
        payload = {"role": role, "public_key": new.public.b64, "key_id": new.key_id}
        event = self._append(kr.ROTATION, Actor.human(_user()), payload, old, declare=(role, new.public.raw))
        self.ring = self.ring.with_key(role, event.seq + 1, new.public)
        rotation.finish(self.ring, path, role)
        if role == AGENT:
            self._signer = new.signer()
        return event

    def _admin_signer(self, admin: KeyPair | None) -> Signer:
        return rotation.admin_signer(self.ring, self.paths.admin_key, admin)

    # -- reading --
    @property
    def size(self) -> int:
        return 0 if self._committed is None else self._committed.size

    @property
    def store(self) -> Store:
        return self._store

    def head(self) -> Event:
        assert self._committed is not None
        return self.event(self._committed.seq)

    def event(self, seq: int) -> Event:
        row = self._store.row(seq)
        if row is None:
            raise LedgerError(f"there is no event {seq}: the ledger has events 0..{self.size - 1}")
        return Event.from_row(row.seq, row.body, row.sig)

    def events(self, start: int = 0, end: int | None = None, kind: str | None = None) -> Iterator[Event]:
        for row in self._store.rows(start, end, kind):
            yield Event.from_row(row.seq, row.body, row.sig)

    def break_notice(self) -> str | None:
        """A line for the human while a declared break is unresolved. One indexed lookup when the ledger never
        had a break: breaks.py (and datetime with it) is loaded only when it has."""
        if not self._store.last_rows(1, kr.DETECTED):
            return None
        from agentguard.ledger.breaks import open_breaks_notice

        return open_breaks_notice(self)

    def last(self, count: int, kind: str | None = None) -> list[Event]:
        return [Event.from_row(r.seq, r.body, r.sig) for r in self._store.last_rows(count, kind)]


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
