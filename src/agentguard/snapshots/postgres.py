"""PostgreSQL databases: `pg_dump --format=custom` streamed into the chunk store, `pg_restore` to bring it back.

The dump is uncompressed (`--compress=0`): the store compresses every blob itself, and an uncompressed dump
deduplicates against the last one, so a second snapshot of a database that barely changed stores little.
It is cut into content-defined chunks as it streams out of pg_dump, never written whole to disk.

The password never reaches the store or a command line: the entry keeps the DSN with the password masked,
and the tools get it through PGPASSWORD. A restore uses the DSN it is given, or the captured one without its
password (libpq then reads PGPASSWORD or ~/.pgpass).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from agentguard.snapshots.model import POSTGRES, Entry
from agentguard.snapshots.store import SnapshotError

CDC_MIN, CDC_AVG, CDC_MAX = 16 * 1024, 64 * 1024, 256 * 1024  # as for files (capture.py)
READ = 8 * 1024 * 1024  # bytes of the stream chunked at a time
MASK = "***"
_KEYWORD = re.compile(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
COUNT_ROWS = """
SELECT n.nspname || '.' || c.relname,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname),
                                            false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1
"""


@dataclass(frozen=True, slots=True)
class Dsn:
    """A connection string split into what may be shown and stored (`masked`, `public`) and the password."""

    public: str  # without the password: what a restore falls back to
    masked: str  # the password replaced by ***: what the store and the ledger keep
    password: str | None
    database: str

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env


def parse(dsn: str) -> Dsn:
    """A `postgresql://` URI or a `key=value` string. The database defaults to the user name, as in libpq."""
    if dsn.startswith(("postgresql://", "postgres://")):
        return _parse_uri(dsn)
    pairs = [(key, value) for key, value in _KEYWORD.findall(dsn)]
    fields = {key: value.strip("'") for key, value in pairs}
    password = fields.pop("password", None)
    public = " ".join(f"{key}={value}" for key, value in pairs if key != "password")
    masked = public + (f" password={MASK}" if password is not None else "")
    database = fields.get("dbname") or fields.get("user") or os.environ.get("PGDATABASE", "")
    return Dsn(public, masked, password, database)


def _parse_uri(dsn: str) -> Dsn:
    """The password may be in the user part or in the query (`?password=`); both are taken out."""
    parts = urlsplit(dsn)
    auth, at, hostport = parts.netloc.rpartition("@")
    user, colon, secret = auth.partition(":")
    query = parse_qsl(parts.query, keep_blank_values=True)
    in_query = [value for key, value in query if key == "password"]
    password = unquote(secret) if colon else (in_query[0] if in_query else None)
    query = [(key, value) for key, value in query if key != "password"]

    def uri(secret_shown: str | None, extra: list[tuple[str, str]]) -> str:
        login = user + (f":{secret_shown}" if secret_shown is not None else "") + at
        text = urlencode(query + extra, safe="/*", quote_via=quote) if in_query else parts.query
        return f"{parts.scheme}://{login}{hostport}{parts.path}" + (f"?{text}" if text else "")

    masked = uri(MASK, []) if colon else uri(None, [("password", MASK)] if in_query else [])
    database = unquote(parts.path.lstrip("/")) or unquote(user) or os.environ.get("PGDATABASE", "")
    return Dsn(uri(None, []), masked, password, database)


def tool(name: str) -> str:
    """A PostgreSQL client program: on PATH, or in Debian's versioned folders (the newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version, reverse=True)
    if not candidates:
        raise SnapshotError(f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)")
    return candidates[0]


def _version(path: str) -> int:
    digits = path.split("/")[4]
    return int(digits) if digits.isdigit() else 0


def dump(dsn: Dsn) -> Iterator[bytes]:
    """The custom-format dump of the database, in content-defined chunks, as pg_dump writes it.
    Raises SnapshotError when pg_dump fails (after the chunks it gave, which the caller then drops)."""
    command = [tool("pg_dump"), "--format=custom", "--compress=0", "--no-password", f"--dbname={dsn.public}"]
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dsn.env())  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    try:
        yield from stream_chunks(proc.stdout)
        error = proc.stderr.read().decode(errors="replace").strip()
        proc.wait()
    finally:
        if proc.poll() is None:  # the capture stopped reading: a dump nobody reads is stopped
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    if proc.returncode != 0:
        raise SnapshotError(f"pg_dump of {dsn.masked} failed: {error or f'exit {proc.returncode}'}")


def stream_chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """FastCDC over a stream: chunk what is read, keep the last (possibly cut short) chunk for the next read.
    The cut points are those of chunking the whole content at once: a cut depends only on bytes since the last."""
    import fastcdc

    pending = b""
    while True:
        data = stream.read(READ)
        pending += data
        if not pending:
            return
        if len(pending) <= CDC_MIN:
            if not data:
                yield pending
                return
            continue
        chunks = list(fastcdc.fastcdc(pending, min_size=CDC_MIN, avg_size=CDC_AVG, max_size=CDC_MAX, fat=False))
        keep = chunks if not data else chunks[:-1]
        for chunk in keep:
            yield pending[chunk.offset : chunk.offset + chunk.length]
        if not data:
            return
        last = chunks[-1]
        pending = pending[last.offset :]


def restore_dump(dsn: Dsn, path: str) -> None:
    """`pg_restore --clean --if-exists` of a verified dump file, in one transaction: all of it or none."""
    command = [tool("pg_restore"), "--clean", "--if-exists", "--single-transaction", "--no-password",
               f"--dbname={dsn.public}", path]  # fmt: skip
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=dsn.env(), check=False)
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()
        raise SnapshotError(f"pg_restore into {dsn.masked} failed, nothing changed: {error[:2000]}")


def row_counts(dsn: Dsn) -> tuple[tuple[str, int], ...]:
    """Exact rows per table (schema.table), for the restore diff. Raises SnapshotError when psql fails."""
    command = [tool("psql"), "--no-password", "--no-psqlrc", "-At", "-F", "\t", f"--dbname={dsn.public}",
               "-c", COUNT_ROWS]  # fmt: skip
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, env=dsn.env(), check=False)
    if done.returncode != 0:
        raise SnapshotError(f"cannot count rows in {dsn.masked}: {done.stderr.decode(errors='replace').strip()}")
    counts = []
    for line in done.stdout.decode().splitlines():
        name, _, count = line.partition("\t")
        counts.append((name, int(count or 0)))
    return tuple(counts)


def targets(entries: Iterable[Entry], dsn: str | None) -> dict[str, str]:
    """Entry path (masked DSN) → the DSN to restore it into: `dsn` when given (one PostgreSQL entry only),
    else the captured one without its password."""
    paths = [e.path for e in entries if e.type == POSTGRES]
    if dsn is not None and len(paths) != 1:
        raise SnapshotError(
            f"a PostgreSQL DSN to restore into needs exactly one database in the snapshot, not {len(paths)}"
        )
    return {path: dsn if dsn is not None else parse(path).public for path in paths}
