"""Snapshots: protected data saved before a destructive action the gate lets through, restored in one command.

    capture.take(store, paths)       files by FastCDC chunks, SQLite page by page (sqlite_live)
    restore.restore(store, id)       verify → pinned safety snapshot → atomic swap → integrity and row counts
    retention.prune(store, policy)   keep-last / daily / weekly; never a pinned or the newest verified one

Chunks are zstd-compressed in pack files and addressed by their BLAKE3 hash, checked on every read.
"""
