"""What every mirror shares: the Mirror protocol, its errors, checkpoint-note checks, and the helpers that
publish to all mirrors and read the newest anchor back from them."""

from __future__ import annotations

import base64
import contextlib
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from agentguard.errors import AgentGuardError
from agentguard.ledger.errors import LedgerError

_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_FILE = re.compile(r"([0-9]{20})\.note")
CHECKPOINTS = "checkpoints"  # folder of one file per tree size, in dir and git mirrors alike
LATEST = "latest"  # pointer file naming the newest checkpoint file, for people and other tools
MAX_NOTE = 1 << 16  # a note is a few hundred bytes; anything far bigger is not one


class MirrorError(LedgerError):
    """A mirror could not store or return a checkpoint; the message names the mirror."""


@dataclass(frozen=True, slots=True)
class MirrorFailure:
    mirror: str  # Mirror.name
    error: str


class MirrorsFailed(MirrorError):
    """Some mirrors could not be read, or disagree: no trustworthy anchor can be named."""

    def __init__(self, failures: Sequence[MirrorFailure]) -> None:
        super().__init__("; ".join(f"{f.mirror}: {f.error}" for f in failures))
        self.failures = tuple(failures)


class Mirror(Protocol):
    name: str  # "dir:/path", "git:/path", "http:https://host/path": what a failure record names

    def publish(self, note: str, size: int) -> None: ...

    def latest(self) -> str | None: ...


def note_size(note: str) -> int:
    """The tree size of a C2SP signed checkpoint note; MirrorError if the text is not one."""
    body, sep, signatures = note.partition("\n\n")
    lines = body.split("\n")
    if not sep or not note.endswith("\n") or len(lines) < 3 or not lines[0]:
        raise MirrorError("not a signed checkpoint note (origin, size, root hash, blank line, signatures)")
    if not _SIZE.fullmatch(lines[1]):
        raise MirrorError(f"checkpoint note: bad tree size line {lines[1][:40]!r}")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        root = b""
    if len(root) != 32:
        raise MirrorError("checkpoint note: the third line is not a base64 SHA-256 root hash")
    sig_lines = signatures.removesuffix("\n").split("\n")
    if not all(line.startswith("\u2014 ") for line in sig_lines):
        raise MirrorError("checkpoint note: signature lines must start with '\u2014 '")
    return int(lines[1])


def _check(note: str, size: int, name: str) -> None:
    if note_size(note) != size:
        raise MirrorError(f"{name}: the note says tree size {note_size(note)}, the caller {size}")


def _admit(name: str, size: int, note: str, held: str | None, newest: int | None) -> bool:
    """Whether `note` must be written: not when held already or superseded; MirrorError on a fork."""
    if held is not None:
        if held == note:
            return False
        raise MirrorError(f"{name}: holds a different checkpoint for tree size {size}: the ledger forked")
    return newest is None or size > newest


def _file_name(size: int) -> str:
    return f"{CHECKPOINTS}/{size:020d}.note"


def _newest(names: Iterable[str]) -> int | None:
    sizes = [int(m.group(1)) for n in names if (m := _FILE.fullmatch(os.path.basename(n)))]
    return max(sizes, default=None)


@contextlib.contextmanager
def _locked(path: str) -> Iterator[None]:
    """An exclusive advisory lock on `path` (created if missing), held for the block."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


@dataclass(frozen=True, slots=True)
class PublishReport:
    size: int
    published: tuple[str, ...]  # mirror names
    failed: tuple[MirrorFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failed


def publish_all(mirrors: Sequence[Mirror], note: str, size: int) -> PublishReport:
    """Publish to every mirror; one failing (for any reason) never stops the others."""
    done: list[str] = []
    failed: list[MirrorFailure] = []
    for mirror in mirrors:
        try:
            mirror.publish(note, size)
        except Exception as exc:  # a broken mirror is recorded, never fatal to the rest
            failed.append(_failure(mirror, exc))
        else:
            done.append(mirror.name)
    return PublishReport(size=size, published=tuple(done), failed=tuple(failed))


@dataclass(frozen=True, slots=True)
class Anchor:
    size: int
    note: str
    mirror: str


@dataclass(frozen=True, slots=True)
class AnchorReport:
    anchors: tuple[Anchor, ...]  # one per mirror that holds a note
    failed: tuple[MirrorFailure, ...]  # mirrors that could not be read, and disagreements between mirrors

    @property
    def newest(self) -> Anchor | None:
        return max(self.anchors, key=lambda a: a.size, default=None)


def read_anchors(mirrors: Sequence[Mirror]) -> AnchorReport:
    anchors: list[Anchor] = []
    failed: list[MirrorFailure] = []
    for mirror in mirrors:
        try:
            note = mirror.latest()
            if note is not None:
                anchors.append(Anchor(size=note_size(note), note=note, mirror=mirror.name))
        except Exception as exc:  # an unreadable mirror is recorded by the caller
            failed.append(_failure(mirror, exc))
    bodies: dict[int, Anchor] = {}
    for anchor in anchors:
        # Same size, different signed body (origin, size, root): two histories; extra cosignatures are fine.
        seen = bodies.setdefault(anchor.size, anchor)
        if seen.note.partition("\n\n")[0] != anchor.note.partition("\n\n")[0]:
            failed.append(MirrorFailure(anchor.mirror, f"disagrees with {seen.mirror} on tree size {anchor.size}"))
    return AnchorReport(anchors=tuple(anchors), failed=tuple(failed))


def newest_anchor(mirrors: Sequence[Mirror]) -> tuple[int, str] | None:
    """(size, note) of the highest checkpoint any mirror holds; None when none holds one.

    Raises MirrorsFailed when a mirror cannot be read or two disagree: skipping one silently could hide the
    very rollback the anchor is there to catch. A caller that accepts a degraded check uses read_anchors.
    """
    report = read_anchors(mirrors)
    if report.failed:
        raise MirrorsFailed(report.failed)
    newest = report.newest
    return None if newest is None else (newest.size, newest.note)


def _failure(mirror: Mirror, exc: Exception) -> MirrorFailure:
    name = getattr(mirror, "name", type(mirror).__name__)
    message = exc.message if isinstance(exc, AgentGuardError) else f"{type(exc).__name__}: {exc}"
    return MirrorFailure(mirror=str(name), error=message.removeprefix(f"{name}: "))
