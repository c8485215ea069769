"""Checkpoints as C2SP tlog-checkpoint bodies in C2SP signed notes (https://c2sp.org/signed-note,
https://c2sp.org/tlog-checkpoint).

A note is UTF-8 text ending in a newline, a blank line, then one line per signature:
"— <key name> <base64(key hash ‖ Ed25519 signature)>". The key hash is the first 4 bytes of
SHA-256(key name ‖ "\\n" ‖ 0x01 ‖ public key), 0x01 being the Ed25519 signature type. A checkpoint's text is the
origin line, the tree size in decimal, the base64 root hash, then optional extension lines.
"""

from __future__ import annotations

import base64
import binascii
from typing import NamedTuple

from agentguard.ledger.errors import LedgerError
from agentguard.ledger.keys import KeyPair, PublicKey, verify
from agentguard.ledger.merkle import sha256

ED25519 = b"\x01"
DASH = "\u2014 "


def key_hash(name: str, public: bytes) -> bytes:
    return sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    """The `name+hash+base64(0x01‖key)` form other note tools read (for mirrors and witnesses)."""
    return f"{name}+{key_hash(name, public).hex()}+{base64.b64encode(ED25519 + public).decode()}"


def parse_verifier_key(vkey: str) -> tuple[str, PublicKey]:
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise LedgerError(f"not a verifier key (name+hash+key): {vkey!r}")
    name, hexhash, b64 = parts
    try:
        raw = base64.b64decode(b64, validate=True)
    except binascii.Error:
        raise LedgerError("the verifier key's key part is not base64") from None
    if len(raw) != 33 or raw[:1] != ED25519:
        raise LedgerError("the verifier key is not an Ed25519 key")
    _check_name(name)
    if key_hash(name, raw[1:]).hex() != hexhash:
        raise LedgerError("the verifier key's hash does not match its name and key")
    return name, PublicKey(raw[1:])


class NoteSignature(NamedTuple):
    """One signature line of a C2SP signed note."""

    name: str
    key_hash: bytes
    sig: bytes


class Note(NamedTuple):
    """A C2SP signed note: its text and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def verified_by(self, name: str, public: PublicKey) -> bool:
        want = key_hash(name, public.raw)
        data = self.text.encode()
        return any(s.name == name and s.key_hash == want and verify(public.raw, data, s.sig) for s in self.signatures)


def sign_note(text: str, name: str, pair: KeyPair) -> str:
    _check_text(text)
    _check_name(name)
    sig = pair.signer().sign(text.encode())
    blob = base64.b64encode(key_hash(name, pair.public.raw) + sig).decode()
    return f"{text}\n{DASH}{name} {blob}\n"


def parse_note(note: str) -> Note:
    """Split a note into text and signature lines; unparseable signature lines are an error."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise LedgerError("not a signed note: no blank line before the signatures, or no final newline")
    text, lines = note[: cut + 1], note[cut + 2 :].splitlines()
    _check_text(text)
    if not lines:
        raise LedgerError("the signed note has no signature")
    return Note(text, tuple(_parse_signature(line) for line in lines))


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(DASH):
        raise LedgerError(f"not a note signature line: {line!r}")
    parts = line[len(DASH) :].split(" ")
    if len(parts) != 2:
        raise LedgerError(f"a note signature line is '— name base64': {line!r}")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except binascii.Error:
        raise LedgerError(f"the note signature is not base64: {line!r}") from None
    if len(blob) < 5:
        raise LedgerError("the note signature is too short")
    return NoteSignature(parts[0], blob[:4], blob[4:])


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or text.startswith("\n"):
        raise LedgerError("a note's text is non-empty lines, each ending in a newline")


def _check_name(name: str) -> None:
    if not name or "+" in name or any(c.isspace() for c in name):
        raise LedgerError(f"a note key name must be non-empty, without spaces or '+': {name!r}")


class Checkpoint(NamedTuple):
    """A C2SP tlog checkpoint: origin, tree size and root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise LedgerError("a checkpoint is origin, size and root hash lines, each ending in a newline")
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isdigit() or (size != "0" and size.startswith("0")):
            raise LedgerError(f"the checkpoint's tree size is not a decimal number: {size!r}")
        try:
            raw = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise LedgerError("the checkpoint's root hash is not base64") from None
        if len(raw) != 32:
            raise LedgerError("the checkpoint's root hash is not 32 bytes")
        return cls(origin, int(size), raw, tuple(lines[3:-1]))


def open_checkpoint(note: str, name: str, public: PublicKey) -> Checkpoint:
    """Parse a signed checkpoint and check it is signed by `name`/`public`; raise LedgerError if not."""
    parsed = parse_note(note)
    if not parsed.verified_by(name, public):
        raise LedgerError(f"the checkpoint is not signed by {name} (key {public.key_id})")
    return Checkpoint.parse(parsed.text)
