"""The ledger's public API: open (with the O(1) start-up check), append, checkpoint, rotate keys, read.

    Ledger.open(places).append("decision", Actor.agent(session_id), {"command": ..., "verdict": "deny"})

Every append links to a head this process has verified (re-hashed and signature-checked), inside the same
write transaction that stores the event, so concurrent hook processes cannot fork the chain. With
`group=True` appends share a transaction until 100 events or 10 ms have gathered (for busy hosts); `flush()`
or `close()` commits the rest. Checkpoints (C2SP signed notes) are made every N events or T seconds and the
newest is copied to an anchor file outside the database.
"""

from __future__ import annotations

import functools
import os
import time
from _thread import RLock  # threading's own RLock; threading itself (~0.7 ms) only when grouping needs a thread
from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from agentguard.ledger import keyring as kr
from agentguard.ledger import rotation, startup
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.event import GENESIS_PREV, Actor, Event, signed_bytes, utc_now
from agentguard.ledger.keys import ADMIN, AGENT, KeyPair, Signer, load_or_create
from agentguard.ledger.merkle import Frontier, leaf_hash
from agentguard.ledger.paths import LedgerPaths, read_text, write_text_atomic
from agentguard.ledger.store import Head, Row, Store, StoredCheckpoint
from agentguard.state import Places

if TYPE_CHECKING:
    import threading

    from agentguard.ledger.note import Checkpoint


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


class Ledger:
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
        head = self._store.head()
        if head is None and not self.options.readonly:
            self._create()
            head = self._store.head()
        if head is None:
            raise LedgerError(f"the ledger at {self.paths.db} is empty")
        self.ring = kr.KeyRing.from_declarations(self._store.keys())
        self.origin = self._origin()
        self._last_checkpoint = self._store.latest_checkpoint()
        if not self.options.check and self.options.readonly:
            self._head = self._committed = head
            return
        try:
            self._check_head(head)
            self._head = self._committed = head
            self.check_anchor(read_text(self.paths.anchor))
        except IntegrityError as exc:
            if self.options.readonly or not self.options.declare_breaks:
                raise
            from agentguard.ledger.breaks import recover

            recover(self, exc)  # stamps a chain_break_detected event and continues in a new segment
        if not self.options.readonly and self._signer is None:
            self._signer = self._load_signer(AGENT, self.paths.agent_key)
        if self.options.declare_breaks and self._store.last_rows(1, kr.DETECTED):  # O(1) when there is no break
            from agentguard.ledger.breaks import check_timeouts

            check_timeouts(self, self.options.break_timeout_hours)

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

    def _check_head(self, head: Head) -> None:
        startup.check_head(self._store, self.ring, head)

    def check_anchor(self, note: str | None) -> Checkpoint | None:
        """The local tree must contain the anchored checkpoint (from the anchor file or a mirror)."""
        assert self._committed is not None
        return startup.check_anchor(self._store, self.ring, self.origin, self._committed, note)

    def _open_note(self, note: str) -> Checkpoint:
        return startup.open_note(self.ring, self.origin, note)

    def _load_signer(self, role: str, path: str) -> Signer:
        return rotation.load_signer(self.ring, role, path)

    def _admin_signer(self, admin: KeyPair | None) -> Signer:
        return rotation.admin_signer(self.ring, self.paths.admin_key, admin)

    # -- appending --
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
        if self._store.in_transaction:
            if self.options.group and self._head is not None and self._head != self._committed:
                self._store.set_head(self._head)
            self._store.commit()
        self._committed, self._pending = self._head, 0
        self._maybe_checkpoint()

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

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    # -- checkpoints --
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

    def last(self, count: int, kind: str | None = None) -> list[Event]:
        return [Event.from_row(r.seq, r.body, r.sig) for r in self._store.last_rows(count, kind)]


def _due(last: StoredCheckpoint, size: int, options: Options) -> bool:
    if size - last.size >= options.checkpoint_every:
        return True
    return size > last.size and time.time() - _made_at(last.made) >= options.checkpoint_seconds


@functools.lru_cache(maxsize=4)
def _made_at(made: str) -> float:
    """When a checkpoint was made (cached: asked on every append); unreadable means long ago.

    utc_now's own form is read by hand (datetime costs the hook ~1.5 ms); anything else goes to datetime.
    """
    parts = (made[0:4], made[5:7], made[8:10], made[11:13], made[14:16], made[17:19], made[20:26])
    if (
        made.isascii()
        and len(made) == 27
        and made[4::3][:6] == "--T::."
        and made[26] == "Z"
        and all(p.isdigit() for p in parts)
    ):
        year, month, day, hour, minute, second, micros = map(int, parts)
        if 1 <= month <= 12 and 1 <= day <= _month_days(year, month) and hour < 24 and minute < 60 and second < 60:
            return ((_days(year, month, day) * 24 + hour) * 60 + minute) * 60 + second + micros / 1e6
    from datetime import datetime

    try:
        return datetime.fromisoformat(made).timestamp()
    except ValueError:
        return float("-inf")


def _month_days(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 29 if month == 2 and leap else (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]


def _days(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil)."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
