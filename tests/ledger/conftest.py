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


@pytest.fixture(autouse=True)
def fresh_help_options() -> Iterator[None]:
    """click caches each command's --help option at first use, with the names of the context it ran in
    (`-h, --help` under the root group); tests/test_docs.py renders help without that parent, so undo it."""
    yield
    from agentguard.cli.ledger import ledger as group

    for command in (group, *group.commands.values()):
        command._help_option = None
