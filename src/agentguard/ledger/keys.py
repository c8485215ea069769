"""Ed25519 keys (PyNaCl): the agent-side signing key and the separate admin key for human resolutions.

A key file holds the base64 of the 32-byte seed and a newline, mode 0600 in a 0700 folder. The key id is the
first 8 bytes (16 hex digits) of SHA-256 of the public key: short enough to print, long enough not to collide
among the handful of keys a ledger ever holds. nacl is imported where a key is used, not when this module is.

Signing and verifying call libsodium through PyNaCl's cffi module (`nacl._sodium`) directly: the public
`nacl.bindings` imports every binding (~3 ms of every hook process) to reach these three functions. The calls are
the ones `nacl.bindings.crypto_sign*` make; without that private module the public API is used (a test checks
both give the same keys, signatures and verdicts).
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
from typing import Any, NamedTuple

from agentguard.ledger.errors import LedgerError
from agentguard.ledger.merkle import sha256

KEY_SIZE = 32
SIG_SIZE = 64
AGENT = "agent"
ADMIN = "admin"
ROLES = (AGENT, ADMIN)


def key_id(public: bytes) -> str:
    return sha256(public).hexdigest()[:16]


class PublicKey(NamedTuple):
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


class KeyPair(NamedTuple):
    """An Ed25519 signing key with its public half."""

    seed: bytes
    public: PublicKey

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        if len(seed) != KEY_SIZE:
            raise LedgerError(f"an Ed25519 seed is {KEY_SIZE} bytes, this one is {len(seed)}")
        public, _ = seed_keypair(seed)
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
        self.pair = pair
        self._secret = seed_keypair(pair.seed)[1]

    def sign(self, data: bytes) -> bytes:
        sodium = _sodium()
        return _public_sign(data, self._secret) if sodium is None else _fast_sign(sodium, data, self._secret)


def verify(public: bytes, data: bytes, sig: bytes) -> bool:
    if len(sig) != SIG_SIZE or len(public) != KEY_SIZE:
        return False
    sodium = _sodium()
    return _public_verify(public, data, sig) if sodium is None else _fast_verify(sodium, public, data, sig)


def seed_keypair(seed: bytes) -> tuple[bytes, bytes]:
    """(public key, 64-byte secret key) of a 32-byte seed."""
    sodium = _sodium()
    return _public_keypair(seed) if sodium is None else _fast_keypair(sodium, seed)


@functools.cache
def _sodium() -> tuple[Any, Any] | None:
    """PyNaCl's (ffi, lib), libsodium initialised (as importing nacl.bindings does); None: use the public API."""
    try:
        from nacl._sodium import ffi, lib  # type: ignore[import-not-found, unused-ignore]
    except ImportError:  # pragma: no cover - a PyNaCl without it: the public API below still works
        return None
    if lib.sodium_init() < 0:  # pragma: no cover - nacl.bindings would refuse to import too
        return None
    return ffi, lib


def _fast_keypair(sodium: tuple[Any, Any], seed: bytes) -> tuple[bytes, bytes]:
    ffi, lib = sodium
    public, secret = ffi.new("unsigned char[]", KEY_SIZE), ffi.new("unsigned char[]", 2 * KEY_SIZE)
    if lib.crypto_sign_seed_keypair(public, secret, seed) != 0:  # pragma: no cover - cannot fail for 32 bytes
        raise LedgerError("libsodium could not derive a key pair")
    return bytes(ffi.buffer(public, KEY_SIZE)), bytes(ffi.buffer(secret, 2 * KEY_SIZE))


def _fast_sign(sodium: tuple[Any, Any], data: bytes, secret: bytes) -> bytes:
    ffi, lib = sodium
    signed, size = ffi.new("unsigned char[]", len(data) + SIG_SIZE), ffi.new("unsigned long long *")
    if lib.crypto_sign(signed, size, data, len(data), secret) != 0:  # pragma: no cover - cannot fail
        raise LedgerError("libsodium could not sign")
    return bytes(ffi.buffer(signed, SIG_SIZE))


def _fast_verify(sodium: tuple[Any, Any], public: bytes, data: bytes, sig: bytes) -> bool:
    ffi, lib = sodium
    signed = sig + data
    message, size = ffi.new("unsigned char[]", len(signed)), ffi.new("unsigned long long *")
    return bool(lib.crypto_sign_open(message, size, signed, len(signed), public) == 0)


def _public_keypair(seed: bytes) -> tuple[bytes, bytes]:
    from nacl.bindings import crypto_sign_seed_keypair

    public, secret = crypto_sign_seed_keypair(seed)
    return bytes(public), bytes(secret)


def _public_sign(data: bytes, secret: bytes) -> bytes:
    from nacl.bindings import crypto_sign

    return bytes(crypto_sign(data, secret)[:SIG_SIZE])


def _public_verify(public: bytes, data: bytes, sig: bytes) -> bool:
    from nacl.bindings import crypto_sign_open
    from nacl.exceptions import BadSignatureError
    from nacl.exceptions import ValueError as NaclValueError

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
    """Write a new key with mode 0600; never overwrites, so a lost race keeps the first key.

    The key is written whole to a private temporary file and then hard-linked to its name (link refuses an
    existing name): a process that finds the name never reads a half-written, or empty, key."""
    pair = KeyPair.generate()
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, mode=0o700, exist_ok=True)
    tmp = os.path.join(folder, f".key-{os.urandom(8).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(base64.b64encode(pair.seed).decode("ascii") + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    finally:
        os.unlink(tmp)
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
