"""Read every chunk of a snapshot back and check it against its BLAKE3 id."""

from __future__ import annotations

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
            for _, data in store.read_runs(entry):
                done += len(data)
                if progress is not None:
                    progress(done, entry.path)
            chunks += entry.chunk_count
    except (CorruptChunk, SnapshotError) as exc:
        return Verification(snapshot.id, False, chunks, done, str(exc))
    store.mark_verified(snapshot.id)
    return Verification(snapshot.id, True, chunks, done)
