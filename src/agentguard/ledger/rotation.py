"""Signing keys as the ledger knows them: loading the current one, and rotating it crash-safely.

A rotation stages the new key beside the old (`<key>.next`, mode 0600), commits the `key_rotated` event signed
by the old key, then installs the new key (the old one kept as `<key>.<id>.old`). A crash after the commit
leaves the staged key, which the next start installs; a crash before it leaves a staged key the ledger never
declared, which is ignored and overwritten by the next rotation.
"""

from __future__ import annotations

import base64
import os

from agentguard.ledger import keyring as kr
from agentguard.ledger.errors import LedgerError
from agentguard.ledger.keys import ADMIN, KeyPair, Signer, load_key, replace_key
from agentguard.ledger.paths import write_text_atomic


def load_signer(ring: kr.KeyRing, role: str, path: str) -> Signer:
    pair = finish(ring, path, role) or load_key(path)
    current = ring.current(role)
    if current is None or current.key != pair.public:
        want = current.key.key_id if current else "none"
        raise LedgerError(f"the {role} key at {path} ({pair.key_id}) is not the ledger's current {role} key "
                          f"({want}): give the right key with --{role}-key or restore it")  # fmt: skip
    return pair.signer()


def admin_signer(ring: kr.KeyRing, path: str, admin: KeyPair | None) -> Signer:
    pair = admin or load_key(path)
    current = ring.current(ADMIN)
    if current is None or current.key != pair.public:
        raise LedgerError("that is not the ledger's current admin key: give it with --admin-key")
    return pair.signer()


def stage(path: str) -> KeyPair:
    """A new key written to `<path>.next` (0600), not yet in use."""
    pair = KeyPair.generate()
    staged = path + ".next"
    write_text_atomic(staged, base64.b64encode(pair.seed).decode("ascii") + "\n")
    os.chmod(staged, 0o600)
    return pair


def finish(ring: kr.KeyRing, path: str, role: str) -> KeyPair | None:
    """Install a staged key the ledger has declared current (a rotation a crash interrupted, or this one)."""
    staged = path + ".next"
    current = ring.current(role)
    if current is None or not os.path.exists(staged):
        return None
    pair = load_key(staged)
    if pair.public != current.key:
        return None
    replace_key(path, pair)
    os.unlink(staged)
    return pair
