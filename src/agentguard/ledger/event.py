"""One ledger event: the signed bytes are the RFC 8785 canonical JSON of every field but the signature.

The bytes are stored verbatim and verified as stored; the parsed fields are a view of them. An event's hash is
its RFC 6962 leaf hash, so the link to the previous event and the Merkle tree use the same 32 bytes.
Top-level keys in canonical order are actor, key_id, kind, payload, prev, seq, time: `prev` and `seq` come
after the only nested field, which lets the structure check read them without parsing the whole event.
"""

from __future__ import annotations

import functools
import json
import time as clock
from collections.abc import Mapping
from typing import Any, NamedTuple

from agentguard.ledger.canonical import canonical
from agentguard.ledger.errors import IntegrityError, LedgerError
from agentguard.ledger.merkle import leaf_hash

GENESIS_PREV = "0" * 64
ACTOR_TYPES = ("agent", "human", "system")
FIELDS = ("actor", "key_id", "kind", "payload", "prev", "seq", "time")
_PREV = b',"prev":"'


class _Who(NamedTuple):
    type: str
    id: str


class Actor(_Who):
    """Who an event is from: an agent session, a human, or agentguard itself."""

    __slots__ = ()

    def __new__(cls, type: str, id: str) -> Actor:
        if type not in ACTOR_TYPES:
            raise LedgerError(f"an actor is one of {', '.join(ACTOR_TYPES)}, not {type!r}")
        if not isinstance(id, str) or not id:
            raise LedgerError("an actor needs a non-empty string id (session id, user name, component)")
        return super().__new__(cls, type, id)

    @classmethod
    def agent(cls, session_id: str) -> Actor:
        return cls("agent", session_id)

    @classmethod
    def human(cls, name: str) -> Actor:
        return cls("human", name)

    @classmethod
    def system(cls, component: str = "agentguard") -> Actor:
        return cls("system", component)

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id}


def utc_now() -> str:
    """Now as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (what datetime's strftime gave; datetime costs the hook ~1.5 ms)."""
    seconds, micros = divmod(clock.time_ns() // 1000, 1_000_000)
    return clock.strftime("%Y-%m-%dT%H:%M:%S", clock.gmtime(seconds)) + f".{micros:06d}Z"


@functools.lru_cache(maxsize=4)
def made_at(made: str) -> float:
    """A time utc_now wrote (a checkpoint's `made`) as epoch seconds, cached: asked on every append to tell
    whether a checkpoint is due; unreadable means long ago.

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


class Event(NamedTuple):
    """One ledger event as stored: its fields, the canonical bytes that were signed, and the signature."""

    seq: int
    time: str | int
    kind: str
    actor: Actor
    payload: Mapping[str, Any]
    prev: str
    key_id: str
    body: bytes
    sig: bytes

    @property
    def hash(self) -> bytes:
        return leaf_hash(self.body)

    @classmethod
    def from_row(cls, seq: int, body: bytes, sig: bytes) -> Event:
        """Parse stored bytes; IntegrityError (naming seq) when they are not a well-formed event."""
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise IntegrityError(f"event {seq} is not valid JSON: {exc}", seq=seq) from None
        problem = _shape_problem(data, seq)
        if problem:
            raise IntegrityError(f"event {seq} {problem}", seq=seq)
        actor = data["actor"]
        try:
            who = Actor(actor["type"], actor["id"])
        except (LedgerError, KeyError, TypeError):
            raise IntegrityError(f"event {seq} has a malformed actor {actor!r}", seq=seq) from None
        return cls(seq, data["time"], data["kind"], who, data["payload"], data["prev"], data["key_id"], body, sig)

    def to_json(self) -> dict[str, Any]:
        import base64

        return {
            "seq": self.seq,
            "time": self.time,
            "kind": self.kind,
            "actor": self.actor.to_json(),
            "payload": self.payload,
            "prev": self.prev,
            "key_id": self.key_id,
            "hash": self.hash.hex(),
            "sig": base64.b64encode(self.sig).decode(),
        }


def _shape_problem(data: Any, seq: int) -> str | None:
    if not isinstance(data, dict) or sorted(data) != list(FIELDS):
        return f"does not have exactly the fields {', '.join(FIELDS)}"
    if data["seq"] != seq or isinstance(data["seq"], bool):
        return f"claims sequence number {data['seq']!r}"
    if isinstance(data["time"], bool) or not isinstance(data["time"], (str, int)):
        return "has a time that is neither a UTC string nor an integer"
    if not isinstance(data["kind"], str) or not data["kind"]:
        return "has no kind"
    if not isinstance(data["payload"], dict) or not isinstance(data["actor"], dict):
        return "has a payload or actor that is not an object"
    if not isinstance(data["prev"], str) or len(data["prev"]) != 64:
        return "has a malformed prev hash"
    if not isinstance(data["key_id"], str):
        return "has a malformed key id"
    return None


def signed_bytes(
    seq: int, time: str | int, kind: str, actor: Actor, payload: Mapping[str, Any], prev: str, key_id: str
) -> bytes:
    if not kind or not isinstance(kind, str):
        raise LedgerError("an event needs a kind, e.g. 'decision'")
    if not isinstance(payload, Mapping):
        raise LedgerError("an event payload is a JSON object (a dict)")
    value = {
        "actor": actor.to_json(),
        "key_id": key_id,
        "kind": kind,
        "payload": dict(payload),
        "prev": prev,
        "seq": seq,
        "time": time,
    }
    return canonical(value)


def link_of(body: bytes) -> tuple[bytes, int] | None:
    """(prev hex, seq) read from the tail of canonical event bytes, without a JSON parse; None if malformed.

    A `,"prev":"` whose quotes are not escaped is a key, never string content, and the last one is the top
    level's: the only nested value (payload) sorts before it, and seq/time after it are scalars.
    """
    at = body.rfind(_PREV)
    if at < 0:
        return None
    start = at + len(_PREV)
    prev, rest = body[start : start + 64], body[start + 64 : start + 72]
    if rest != b'","seq":':
        return None
    end = body.find(b",", start + 72)
    digits = body[start + 72 : end]
    if end < 0 or not digits.isdigit() or (len(digits) > 1 and digits[:1] == b"0"):
        return None
    return prev, int(digits)
