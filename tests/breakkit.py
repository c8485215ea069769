"""A ledger with a declared chain break, for the tests of what shows and resolves one (hosts, dashboard,
notifications): one helper, so they all break it the same way."""

from __future__ import annotations

import os

from agentguard.ledger import Actor, Ledger
from agentguard.ledger.breaks import breaks
from agentguard.state import Places


def broken_ledger() -> str:
    """A ledger whose anchor was deleted: the next start declares a break. Returns its id."""
    places = Places.from_env()
    with Ledger.open(places) as ledger:
        ledger.append("decision", Actor.agent("s0"), {"verdict": "allow"})
        ledger.checkpoint()
        anchor = ledger.paths.anchor
    os.unlink(anchor)
    with Ledger.open(places, declare_breaks=True) as ledger:
        (found,) = breaks(ledger)
    return found.id
