"""Which key may sign which event: the validity ranges the ledger itself declares.

The genesis event (seq 0, kind `ledger_created`) names the first agent and admin public keys and is signed by
that agent key. A `key_rotated` event names a new key for one role and is signed by the role's current key; the
new key signs from the next event on. So every key has a range [from, until) and an event signed by a key
outside its range (an old event re-signed with a newer key) is rejected. Human resolutions of chain breaks are
the admin key's; everything else is the agent key's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from agentguard.ledger.errors import LedgerError
from agentguard.ledger.keys import ADMIN, AGENT, ROLES, PublicKey

GENESIS = "ledger_created"
ROTATION = "key_rotated"
DETECTED = "chain_break_detected"
RESOLUTION = "chain_break_resolution"
TIMEOUT = "timeout_no_action"
LOST = "event_lost"  # a placeholder for an event a break declares lost, so no number means two events
REVIEW_APPROVED = "review_approved"  # a human approved a change for shipping (agentguard.receipts.approve)
ADMIN_KINDS = frozenset({RESOLUTION, REVIEW_APPROVED})
RESERVED = frozenset(
    {GENESIS, ROTATION, DETECTED, RESOLUTION, TIMEOUT, LOST, REVIEW_APPROVED}
)  # written by their own functions


def role_for(kind: str, payload: Mapping[str, Any]) -> str:
    if kind in ADMIN_KINDS or (kind == ROTATION and payload.get("role") == ADMIN):
        return ADMIN
    return AGENT


class Span(NamedTuple):
    """One key's validity range: the sequence numbers it may sign."""

    role: str
    key: PublicKey
    start: int
    until: int | None  # exclusive; None while current

    def covers(self, seq: int) -> bool:
        return self.start <= seq and (self.until is None or seq < self.until)

    def describe(self) -> str:
        end = "on" if self.until is None else f"to {self.until - 1}"
        return f"{self.role} key {self.key.key_id} (valid from event {self.start} {end})"


class KeyRing(NamedTuple):
    """Every key the ledger has declared, by role, with the range each one may sign."""

    spans: tuple[Span, ...]

    @classmethod
    def from_declarations(cls, declared: Iterable[tuple[str, int, bytes]]) -> KeyRing:
        """From (role, from_seq, public key) triples: the keys table, or what a verifier read from events."""
        ring = cls(())
        for role, start, public in sorted(declared, key=lambda d: (d[1], d[0])):
            ring = ring.with_key(role, start, PublicKey(public))
        return ring

    def with_key(self, role: str, start: int, key: PublicKey) -> KeyRing:
        if role not in ROLES:
            raise LedgerError(f"unknown key role {role!r}")
        closed = tuple(
            Span(s.role, s.key, s.start, start) if s.role == role and s.until is None else s for s in self.spans
        )
        return KeyRing((*closed, Span(role, key, start, None)))

    def key_at(self, role: str, seq: int) -> Span | None:
        return next((s for s in self.spans if s.role == role and s.covers(seq)), None)

    def current(self, role: str) -> Span | None:
        return next((s for s in self.spans if s.role == role and s.until is None), None)

    def by_id(self, key_id: str) -> list[Span]:
        return [s for s in self.spans if s.key.key_id == key_id]

    def agent_keys(self) -> list[PublicKey]:
        return [s.key for s in self.spans if s.role == AGENT]

    def problem(self, seq: int, kind: str, payload: Mapping[str, Any], key_id: str) -> tuple[Span | None, str]:
        """The span that must have signed this event, and what is wrong with the key id ('' when nothing)."""
        role = role_for(kind, payload)
        want = self.key_at(role, seq)
        if want is None:
            return None, f"no {role} key is valid at event {seq}"
        if key_id == want.key.key_id:
            return want, ""
        others = self.by_id(key_id)
        if others:
            return want, f"is signed by {others[0].describe()}, but event {seq} needs {want.describe()}"
        return want, f"is signed by key {key_id}, which the ledger never declared"


def declarations(seq: int, kind: str, payload: Mapping[str, Any]) -> list[tuple[str, int, bytes]]:
    """The keys an event declares: genesis names both roles from 0, a rotation one role from the next event."""
    if kind == GENESIS and seq == 0:
        keys = payload.get("keys")
        if not isinstance(keys, dict):
            raise LedgerError("the genesis event declares no keys")
        return [(role, 0, PublicKey.from_b64(str(keys.get(role))).raw) for role in ROLES]
    if kind == ROTATION:
        role = payload.get("role")
        if role not in ROLES:
            raise LedgerError(f"key rotation at event {seq} names no valid role")
        return [(str(role), seq + 1, PublicKey.from_b64(str(payload.get("public_key"))).raw)]
    return []
