"""Ledger fixtures: a real ledger folder per test (SQLite file, key files, anchor note)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentguard.ledger import Ledger
from agentguard.ledger.paths import LedgerPaths


@pytest.fixture
def folder(tmp_path: Path) -> LedgerPaths:
    return LedgerPaths(str(tmp_path / "ledger"))


@pytest.fixture
def ledger(folder: LedgerPaths) -> Iterator[Ledger]:
    opened = Ledger.at(folder, checkpoint_every=10)
    yield opened
    opened.close()
