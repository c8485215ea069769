"""What every command family's tests check the same way: finding an effect, the registry, never crashing.

Imported by the family test files (pytest puts this folder on sys.path, as for tests/e2e's helpers).
"""

from __future__ import annotations

from collections.abc import Iterable

from agentguard.analysis import analyze_command, registry
from agentguard.models import Effect, Kind


def find(effects: tuple[Effect, ...], kind: Kind, target: str) -> Effect:
    """The effect of this kind on this target; the failure lists what there was instead."""
    found = [e for e in effects if e.kind == kind and e.target == target]
    assert found, f"no {kind.value} on {target!r} in {[(e.kind.value, e.target, e.detail) for e in effects]}"
    return found[0]


def assert_harmless(effects: Iterable[Effect]) -> None:
    """A benign command: nothing destructive and nothing unknown among its effects."""
    effects = list(effects)
    assert not [e for e in effects if e.kind.destructive or e.kind == Kind.UNKNOWN], effects


def assert_has_unknown(effects: Iterable[Effect]) -> None:
    """What cannot be known before the command runs is said as such, not guessed."""
    effects = list(effects)
    assert any(e.kind == Kind.UNKNOWN for e in effects), effects


def assert_registry_matches(module: str, handlers: Iterable[str]) -> None:
    """The registry routes exactly the names the family handles: none is missing, none is dead."""
    assert set(registry._FAMILIES[module]) == set(handlers)


def assert_never_crashes(command: str) -> None:
    """Odd argument mixes give effects, never an exception turned into `could not analyse`."""
    effects = analyze_command(command, "/tmp")
    assert effects and not [e for e in effects if "could not analyse" in e.detail]
