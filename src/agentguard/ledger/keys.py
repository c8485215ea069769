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
from collections.abc import Callable
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


Passphrase = Callable[[], str]  # asked only when a sealed key is read (a prompt, or the environment)
SEALED = "agentguard-sealed-key 1 argon2id"  # then opslimit, memlimit, salt and the secretbox, base64


def load_key(path: str, passphrase: Passphrase | None = None) -> KeyPair:
    """A key file: the seed in base64, or sealed with a passphrase (seal_key), which `passphrase` then gives."""
    text = _read_key(path)
    if text.startswith(SEALED):
        return KeyPair.from_seed(_unseal(text, path, passphrase))
    return KeyPair.from_seed(_b64(text, f"key file {path}"))


def is_sealed(path: str) -> bool:
    return _read_key(path).startswith(SEALED)


def seal_key(path: str, passphrase: str, *, current: str = "", ops: int | None = None,
             mem: int | None = None) -> KeyPair:  # fmt: skip
    """Rewrite a key file sealed with Argon2id + XSalsa20-Poly1305 (PyNaCl): reading the file then gives nothing
    without the passphrase. A sealed key is opened with `current` (its passphrase until now) first."""
    from nacl import pwhash
    from nacl.secret import SecretBox

    if not passphrase:
        raise LedgerError("an empty passphrase seals nothing: choose one")
    pair = load_key(path, lambda: current)
    ops = pwhash.argon2id.OPSLIMIT_INTERACTIVE if ops is None else ops
    mem = pwhash.argon2id.MEMLIMIT_INTERACTIVE if mem is None else mem
    salt = os.urandom(pwhash.argon2id.SALTBYTES)
    box = SecretBox(pwhash.argon2id.kdf(SecretBox.KEY_SIZE, passphrase.encode(), salt, opslimit=ops, memlimit=mem))
    sealed = base64.b64encode(bytes(box.encrypt(pair.seed))).decode("ascii")
    from agentguard.state import write_text_atomic

    write_text_atomic(path, f"{SEALED} {ops} {mem} {base64.b64encode(salt).decode('ascii')} {sealed}\n")
    return pair


def _unseal(text: str, path: str, passphrase: Passphrase | None) -> bytes:
    from nacl import pwhash
    from nacl.exceptions import CryptoError
    from nacl.secret import SecretBox

    if passphrase is None:
        raise LedgerError(f"the key {path} is sealed with a passphrase: give it when asked, or in "
                          "AGENTGUARD_ADMIN_PASSPHRASE")  # fmt: skip
    try:
        ops, mem, salt, sealed = text[len(SEALED) :].split()
        key = pwhash.argon2id.kdf(SecretBox.KEY_SIZE, passphrase().encode(), base64.b64decode(salt),
                                  opslimit=int(ops), memlimit=int(mem))  # fmt: skip
        return bytes(SecretBox(key).decrypt(base64.b64decode(sealed)))
    except CryptoError:
        raise LedgerError(f"wrong passphrase for the key {path}") from None
    except (ValueError, binascii.Error):
        raise LedgerError(f"the sealed key {path} is damaged") from None


def _read_key(path: str) -> str:
    try:
        with open(path, encoding="ascii") as handle:
            return handle.read().strip()
    except FileNotFoundError:
        raise LedgerError(f"no key at {path}: run `agentguard ledger list` once to create the ledger") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LedgerError(f"cannot read the key {path}: {exc}") from None


def create_key(path: str) -> KeyPair:
    """Write a new key with mode 0600; never overwrites, so a lost race keeps the first key, and a process that
    finds the name never reads a half-written (or empty) key: written whole, then linked to its name."""
    from agentguard.state import write_text_atomic

    pair = KeyPair.generate()
    write_text_atomic(path, base64.b64encode(pair.seed).decode("ascii") + "\n", exclusive=True)
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
        text = _read_key(path)  # a sealed key is named by its file's digest: renaming needs no passphrase
        name = sha256(text.encode()).hexdigest()[:16] if text.startswith(SEALED) else load_key(path).key_id
        old = f"{path}.{name}.old"
        if not os.path.exists(old):  # already there when a crash interrupted an earlier install
            os.link(path, old)
    os.replace(tmp, path)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise LedgerError(f"the {what} is not valid base64") from None
