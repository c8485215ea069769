"""What a snapshot records: frozen entries (files, directories, links, SQLite databases) and the snapshot itself.

A file's content is a list of chunk ids: BLAKE3 digests of the raw chunks, kept packed as 32-byte strings
(a 100 MB database has 25,000 pages; hex JSON for them would cost more than the pages that changed).
A SQLite database is stored as its pages as of one transaction (read in place, or from a backup-API copy), one
chunk per page, so an incremental snapshot stores only the pages that changed; its row counts per table are
kept for the restore diff.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

FILE, DIRECTORY, SYMLINK, SQLITE = "file", "dir", "symlink", "sqlite"
POSTGRES = "postgres"  # a pg_dump custom-format dump; `path` is the DSN with its password masked
DIGEST = 32  # BLAKE3 output bytes


@dataclass(frozen=True, slots=True)
class Entry:
    """One path as it was: its type, metadata and (for files and databases) its chunks in order."""

    path: str  # absolute
    type: str  # FILE | DIRECTORY | SYMLINK | SQLITE
    mode: int = 0o644
    mtime_ns: int = 0
    size: int = 0
    chunks: bytes = b""  # concatenated BLAKE3 digests, DIGEST bytes each
    link: str | None = None  # symlink target
    row_counts: tuple[tuple[str, int], ...] = ()  # SQLite, PostgreSQL: rows per table when captured
    database: str = ""  # PostgreSQL: the database name
    places: bytes = b""  # where each chunk lives in the store (packs.pack_places); empty: ask the catalog

    def chunk_ids(self) -> Iterator[bytes]:
        for i in range(0, len(self.chunks), DIGEST):
            yield self.chunks[i : i + DIGEST]

    @property
    def chunk_count(self) -> int:
        return len(self.chunks) // DIGEST

    def to_json(self) -> dict[str, Any]:
        """Metadata only: the chunk list is stored apart, in binary (see `chunks`)."""
        out: dict[str, Any] = {"path": self.path, "type": self.type, "mode": self.mode, "mtime_ns": self.mtime_ns}
        if self.type in (FILE, SQLITE, POSTGRES):
            out["size"] = self.size
            out["chunks"] = self.chunk_count
        if self.link is not None:
            out["link"] = self.link
        if self.row_counts:
            out["row_counts"] = dict(self.row_counts)
        if self.database:
            out["database"] = self.database
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], chunks: bytes = b"", places: bytes = b"") -> Entry:
        return cls(
            path=str(data["path"]),
            type=str(data["type"]),
            mode=int(data.get("mode", 0o644)),
            mtime_ns=int(data.get("mtime_ns", 0)),
            size=int(data.get("size", 0)),
            chunks=chunks,
            link=data.get("link"),
            row_counts=tuple(sorted((str(k), int(v)) for k, v in (data.get("row_counts") or {}).items())),
            database=str(data.get("database", "")),
            places=places,
        )


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A saved state of some paths. `sources` are the paths asked for; `entries` everything under them.

    `missing` lists sources that did not exist when captured. A restore puts back what the snapshot holds and
    deletes nothing it does not hold: a missing source, or a file made later inside a saved folder, is left as
    it is. `pinned` snapshots (safety snapshots before a restore) are never pruned.
    """

    id: str
    created: str  # UTC, ISO 8601
    sources: tuple[str, ...]
    entries: tuple[Entry, ...]
    reason: str = ""
    pinned: bool = False
    missing: tuple[str, ...] = ()
    stored_bytes: int = 0  # compressed bytes this snapshot added to the store
    seconds: float = 0.0
    origin: tuple[tuple[str, str], ...] = ()  # e.g. the command and session that triggered it

    @property
    def size(self) -> int:
        return sum(e.size for e in self.entries)

    def manifest(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "missing": list(self.missing),
            "entries": [e.to_json() for e in self.entries],
            "origin": dict(self.origin),
        }

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "sources": list(self.sources),
            "files": sum(1 for e in self.entries if e.type in (FILE, SQLITE)),
            "databases": sum(1 for e in self.entries if e.type in (SQLITE, POSTGRES)),
            "size": self.size,
            "stored_bytes": self.stored_bytes,
            "seconds": round(self.seconds, 3),
            "pinned": self.pinned,
            "reason": self.reason,
            "missing": list(self.missing),
        }
