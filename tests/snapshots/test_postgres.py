"""PostgreSQL snapshots against a real server (conftest.py starts one on loopback): pg_dump into the chunk
store, pg_restore back, the password never stored."""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_server import PostgresServer

from agentguard.snapshots import postgres as pg
from agentguard.snapshots.capture import take
from agentguard.snapshots.model import POSTGRES
from agentguard.snapshots.restore import restore
from agentguard.snapshots.store import SnapshotError, Store
from agentguard.snapshots.verify import verify

_names = itertools.count()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(str(tmp_path / "state"))
    yield opened
    opened.close()


@pytest.fixture
def shop(postgres_server: PostgresServer) -> str:
    """A fresh database with two tables: 2,000 items and 3 orders. Returns its name."""
    name = f"shop_{os.getpid()}_{next(_names)}"
    postgres_server.sql("postgres", f"CREATE DATABASE {name}")
    postgres_server.sql(
        name,
        "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric NOT NULL);"
        "INSERT INTO items (name, price) SELECT 'item ' || i, i * 1.5 FROM generate_series(1, 2000) i;"
        "CREATE TABLE orders (id serial PRIMARY KEY, item integer REFERENCES items(id), qty integer);"
        "INSERT INTO orders (item, qty) VALUES (1, 2), (5, 1), (7, 3);",
    )
    return name


def test_dump_drop_table_restore_brings_the_rows_back(postgres_server: PostgresServer, shop: str, store: Store) -> None:
    dsn = postgres_server.dsn(shop)
    snap = take(store, [], postgres=[dsn], reason="before the migration")
    (entry,) = snap.entries
    assert entry.type == POSTGRES and entry.database == shop and entry.size > 0
    postgres_server.sql(shop, "DROP TABLE orders; DELETE FROM items WHERE id > 10; CREATE TABLE junk (x int)")

    report = restore(store, snap.id, postgres_dsn=dsn)

    assert postgres_server.sql(shop, "SELECT count(*), sum(price) FROM items") == "2000|3001500.0"
    assert (
        postgres_server.sql(shop, "SELECT string_agg(item || 'x' || qty, ',' ORDER BY id) FROM orders") == "1x2,5x1,7x3"
    )
    # pg_restore --clean replaces what the dump holds; a table made after the snapshot stays (the safety dump
    # taken before the restore holds it too)
    assert postgres_server.sql(shop, "SELECT to_regclass('junk') IS NOT NULL") == "t"
    (check,) = report.databases
    assert check.integrity == "ok" and report.ok
    assert check.diff() == [("public.items", 10, 2000), ("public.junk", 0, 0), ("public.orders", None, 3)]
    safety = store.get(str(report.safety_snapshot))
    assert safety.pinned and [e.type for e in safety.entries] == [POSTGRES]
    assert verify(store, snap.id).ok and verify(store, safety.id).ok


def test_undo_of_the_restore_from_its_safety_dump(postgres_server: PostgresServer, shop: str, store: Store) -> None:
    dsn = postgres_server.dsn(shop)
    snap = take(store, [], postgres=[dsn])
    postgres_server.sql(shop, "UPDATE items SET price = 0 WHERE id <= 100")
    report = restore(store, snap.id, postgres_dsn=dsn)
    assert postgres_server.sql(shop, "SELECT count(*) FROM items WHERE price = 0") == "0"
    restore(store, str(report.safety_snapshot), postgres_dsn=dsn)
    assert postgres_server.sql(shop, "SELECT count(*) FROM items WHERE price = 0") == "100"


def test_the_password_is_never_stored(postgres_server: PostgresServer, shop: str, store: Store, tmp_path: Path) -> None:
    snap = take(store, [], postgres=[postgres_server.dsn(shop)])
    (entry,) = snap.entries
    assert entry.path == f"postgresql://agentguard:***@127.0.0.1:{postgres_server.port}/{shop}"
    assert snap.sources == (entry.path,)
    catalog = (tmp_path / "state" / "snapshots" / "catalog.db").read_bytes()
    assert b"s3cret" not in catalog
    for pack in (tmp_path / "state" / "snapshots" / "packs").iterdir():
        assert b"s3cret" not in pack.read_bytes()


def test_restore_to_the_captured_place_takes_the_password_from_the_environment(
    postgres_server: PostgresServer, shop: str, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    snap = take(store, [], postgres=[postgres_server.dsn(shop)])
    postgres_server.sql(shop, "TRUNCATE orders")
    with pytest.raises(SnapshotError, match="password"):
        restore(store, snap.id)  # the stored DSN has no password, and neither has the environment
    assert postgres_server.sql(shop, "SELECT count(*) FROM orders") == "0"  # nothing changed
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)
    restore(store, snap.id)
    assert postgres_server.sql(shop, "SELECT count(*) FROM orders") == "3"


def test_a_second_dump_of_an_unchanged_database_stores_little(
    postgres_server: PostgresServer, shop: str, store: Store
) -> None:
    postgres_server.sql(shop, "INSERT INTO items (name, price) SELECT md5(i::text), i FROM generate_series(1, 30000) i")
    first = take(store, [], postgres=[postgres_server.dsn(shop)])
    postgres_server.sql(shop, "UPDATE orders SET qty = 9 WHERE id = 1")
    second = take(store, [], postgres=[postgres_server.dsn(shop)])
    assert first.stored_bytes > 300_000
    assert second.stored_bytes < first.stored_bytes / 4


@pytest.mark.parametrize(
    "dsn",
    [
        pytest.param("postgresql://agentguard:wrong@127.0.0.1:{port}/{db}", id="wrong-password"),
        pytest.param("postgresql://agentguard:s3cret%20pass@127.0.0.1:{port}/no_such_db", id="no-such-database"),
    ],
)
def test_a_failed_dump_is_no_snapshot(postgres_server: PostgresServer, shop: str, store: Store, dsn: str) -> None:
    with pytest.raises(SnapshotError, match="pg_dump of postgresql://agentguard:\\*\\*\\*@"):
        take(store, [], postgres=[dsn.format(port=postgres_server.port, db=shop)])
    assert store.list() == []


def test_cli_snapshot_and_restore(postgres_server: PostgresServer, shop: str, agentguard_home: Path) -> None:
    dsn = postgres_server.dsn(shop)

    def cli(*args: str) -> dict[str, object]:
        done = subprocess.run([sys.executable, "-m", "agentguard", *args, "--json"], capture_output=True, text=True,
                              env={**os.environ, "AGENTGUARD_HOME": str(agentguard_home)}, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout.splitlines()[-1]))

    taken = cli("snapshot", "--postgres", dsn, "--reason", "before the migration")
    assert taken["databases"] == 1 and taken["sources"] == [pg.parse(dsn).masked]
    postgres_server.sql(shop, "DROP TABLE orders")
    restored = cli("restore", str(taken["id"]), "--postgres", dsn)
    assert restored["ok"] is True and restored["safety_snapshot"]
    assert postgres_server.sql(shop, "SELECT count(*) FROM orders") == "3"


# ---- no server needed -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dsn", "masked", "public", "password", "database"),
    [
        pytest.param("postgresql://u:p%40ss@h:5433/db?sslmode=require", "postgresql://u:***@h:5433/db?sslmode=require",
                     "postgresql://u@h:5433/db?sslmode=require", "p@ss", "db", id="uri"),
        pytest.param("postgres://u@h/db", "postgres://u@h/db", "postgres://u@h/db", None, "db", id="uri-no-password"),
        pytest.param("postgresql://u:pw@h", "postgresql://u:***@h", "postgresql://u@h", "pw", "u", id="uri-no-db"),
        pytest.param("host=h dbname=shop user=u password='a b'", "host=h dbname=shop user=u password=***",
                     "host=h dbname=shop user=u", "a b", "shop", id="keywords"),
        pytest.param("dbname=shop", "dbname=shop", "dbname=shop", None, "shop", id="keywords-no-password"),
        pytest.param("postgresql://u@[::1]:5432/db?password=x&sslmode=disable",
                     "postgresql://u@[::1]:5432/db?sslmode=disable&password=***",
                     "postgresql://u@[::1]:5432/db?sslmode=disable", "x", "db", id="uri-password-in-query-ipv6"),
        pytest.param("postgresql:///db?host=/run/postgresql", "postgresql:///db?host=/run/postgresql",
                     "postgresql:///db?host=/run/postgresql", None, "db", id="uri-socket"),
    ],
)  # fmt: skip
def test_dsn_parts(dsn: str, masked: str, public: str, password: str | None, database: str) -> None:
    parsed = pg.parse(dsn)
    assert (parsed.masked, parsed.public, parsed.password, parsed.database) == (masked, public, password, database)


def test_streamed_chunks_cut_where_whole_content_chunking_cuts(monkeypatch: pytest.MonkeyPatch) -> None:
    import fastcdc

    data = os.urandom(3_000_000) + b"\x00" * 700_000 + os.urandom(500_000)
    cuts = fastcdc.fastcdc(data, min_size=pg.CDC_MIN, avg_size=pg.CDC_AVG, max_size=pg.CDC_MAX)
    whole = [data[c.offset : c.offset + c.length] for c in cuts]
    monkeypatch.setattr(pg, "READ", 300_001)  # reads that end mid-chunk
    streamed = list(pg.stream_chunks(io.BytesIO(data)))
    assert streamed == whole and len(whole) > 20
    assert list(pg.stream_chunks(io.BytesIO(b"tiny"))) == [b"tiny"]
    assert list(pg.stream_chunks(io.BytesIO(b""))) == []
