"""The typed form of a program spec (one `[program.NAME]` table of a TOML file in `programs/`).

A spec says what data can say about a sub-command CLI: its names, which options take a value, how many words
form the verb path, which options and variables name where it acts (profile, project, environment…), and the
verb paths whose kind is not what the shared verb vocabulary says. What data cannot say (embedded code, SQL,
an HTTP method) stays in a Python hook the spec names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agentguard.models import Kind

HookArg = str | bool | Mapping[str, str]


class SpecError(ValueError):
    """A program spec that cannot be read: the tests fail on it; the hook fails closed (unknown effect)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One verb path with a kind of its own (`heroku pg:copy` overwrites a database)."""

    path: tuple[str, ...]
    kind: Kind
    detail: str


@dataclass(frozen=True, slots=True)
class Program:
    name: str
    family: str  # the spec file it comes from, for `explain`
    aliases: tuple[str, ...] = ()
    valued: frozenset[str] = frozenset()
    depth: int = 2  # positional words that form the verb path
    colon: bool = False  # heroku-style `topic:verb` names
    go_flags: bool = False  # `-address=x`, `-recurse`: single-dash long options, never letter clusters
    option_verbs: bool = False  # verbs spelt as options (`dscl . -delete`, `spctl --remove`)
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # context key -> options
    env: Mapping[str, str] = field(default_factory=dict)  # context key -> environment variable
    flags: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # flag -> (context key, value)
    destroys: frozenset[str] = frozenset()  # this program's own destroying verbs (stripe's cancel, void)
    destroy_kind: Kind = Kind.SERVICE_DESTROY
    default_kind: Kind = Kind.CLOUD_WRITE  # a verb the vocabulary does not know (exec.program for OS tools)
    entries: Mapping[tuple[str, ...], Entry] = field(default_factory=dict)
    hook: str | None = None  # "module:function" for what data cannot say
    hook_args: Mapping[str, HookArg] = field(default_factory=dict)  # settings only the hook reads
    stop: tuple[str, ...] = ()  # examples the gate must stop (ask or deny): checked by tests
    allow: tuple[str, ...] = ()  # examples the gate must allow

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)
