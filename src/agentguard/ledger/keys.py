"""Ed25519 keys (PyNaCl): the agent-side signing key and the separate admin key for human resolutions.

A key file holds the base64 of the 32-byte seed and a newline, mode 0600 in a 0700 folder. The key id is the
first 8 bytes (16 hex digits) of SHA-256 of the public key: short enough to print, long enough not to collide
among the handful of keys a ledger ever holds. nacl is imported where a key is used, not when this module is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from agentguard.ledger.errors import LedgerError

KEY_SIZE = 32
SIG_SIZE = 64
AGENT = "agent"
ADMIN = "admin"
ROLES = (AGENT, ADMIN)


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class PublicKey:
    """An Ed25519 public key and its short id."""

    raw: bytes

    @property
    def key_id(self) -> str:
        return key_id(self.raw)

    @property
    def b64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @classmethod
    def from_b64(cls, text: str) -> PublicKey:
        raw = _b64(text, "public key")
        if len(raw) != KEY_SIZE:
            raise LedgerError(f"an Ed25519 public key is {KEY_SIZE} bytes, this one is {len(raw)}")
        return cls(raw)

    def verifies(self, data: bytes, sig: bytes) -> bool:
        return verify(self.raw, data, sig)


@dataclass(frozen=True, slots=True)
class KeyPair:
    """An Ed25519 signing key with its public half."""

    seed: bytes
    public: PublicKey

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        from nacl.bindings import crypto_sign_seed_keypair

        if len(seed) != KEY_SIZE:
            raise LedgerError(f"an Ed25519 seed is {KEY_SIZE} bytes, this one is {len(seed)}")
        public, _ = crypto_sign_seed_keypair(seed)
        return cls(seed, PublicKey(public))

    @classmethod
    def generate(cls) -> KeyPair:
        return cls.from_seed(os.urandom(KEY_SIZE))

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def signer(self) -> Signer:
        return Signer(self)


class Signer:
    """A key ready to sign many messages (the nacl object is built once)."""

    def __init__(self, pair: KeyPair) -> None:
        from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

        self.pair = pair
        self._secret = crypto_sign_seed_keypair(pair.seed)[1]
        self._sign = crypto_sign

    def sign(self, data: bytes) -> bytes:
        return bytes(self._sign(data, self._secret)[:SIG_SIZE])


def verify(public: bytes, data: bytes, sig: bytes) -> bool:
    from nacl.bindings import crypto_sign_open
    from nacl.exceptions import BadSignatureError
    from nacl.exceptions import ValueError as NaclValueError

    if len(sig) != SIG_SIZE or len(public) != KEY_SIZE:
        return False
    try:
        crypto_sign_open(sig + data, public)
    except (BadSignatureError, NaclValueError):
        return False
    return True


def load_key(path: str) -> KeyPair:
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read().strip()
    except FileNotFoundError:
        raise LedgerError(f"no key at {path}: run `agentguard ledger list` once to create the ledger") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"cannot read the key {path}: {exc}") from None
    return KeyPair.from_seed(_b64(text, f"key file {path}"))


def create_key(path: str) -> KeyPair:
    """Write a new key with mode 0600; never overwrites (O_EXCL), so a lost race keeps the first key."""
    pair = KeyPair.generate()
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(pair.seed).decode("ascii") + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return pair


def load_or_create(path: str) -> KeyPair:
    try:
        return create_key(path)
    except FileExistsError:
        return load_key(path)


def replace_key(path: str, pair: KeyPair) -> None:
    """Install a rotated key: the old file is kept beside it as `<path>.<old key id>.old`."""
    import tempfile

    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".key-")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(pair.seed).decode("ascii") + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, 0o600)
    if os.path.exists(path):
        old = f"{path}.{load_key(path).key_id}.old"
        if not os.path.exists(old):  # already there when a crash interrupted an earlier install
            os.link(path, old)
    os.replace(tmp, path)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise LedgerError(f"the {what} is not valid base64") from None
