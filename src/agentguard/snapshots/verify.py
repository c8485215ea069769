"""Read every chunk of a snapshot back and check it against its BLAKE3 id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agentguard.snapshots.capture import Progress
from agentguard.snapshots.packs import CorruptChunk
from agentguard.snapshots.store import SnapshotError, Store


@dataclass(frozen=True, slots=True)
class Verification:
    snapshot: str
    ok: bool
    chunks: int
    bytes: int
    problem: str | None = None


def verify(store: Store, snapshot_id: str, progress: Progress | None = None) -> Verification:
    snapshot = store.get(snapshot_id)
    chunks = done = 0
    try:
        for entry in snapshot.entries:
            store.read_into(entry, _ignore, _shown(entry.path, done, progress))
            done += entry.size
            chunks += entry.chunk_count
    except (CorruptChunk, SnapshotError) as exc:
        return Verification(snapshot.id, False, chunks, done, str(exc))
    store.mark_verified(snapshot.id)
    return Verification(snapshot.id, True, chunks, done)


def _ignore(offset: int, data: memoryview) -> None:
    """Verifying only reads: every chunk is checked against its id on the way to here."""


def _shown(path: str, start: int, progress: Progress | None) -> Callable[[int], None]:
    done = start

    def advance(size: int) -> None:
        nonlocal done
        done += size
        if progress is not None:
            progress(done, path)

    return advance
