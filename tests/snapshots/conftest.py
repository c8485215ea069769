"""Fixtures of the snapshot tests: a real PostgreSQL server on loopback, one per test session (pg_server.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pg_server import PostgresServer, running_server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_server() as server:
        yield server
