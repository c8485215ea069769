"""Values the shell walker hands to command handlers.

A handler sees one simple command at a time, as an `Invocation`: its words already expanded (quotes removed,
`~` and known variables substituted), the working directory at that point of the command line, and what is
known about its standard input. Handlers turn that into `Effect`s through the `Context` they are given.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from agentguard.models import Effect, Kind

if TYPE_CHECKING:
    from collections.abc import Mapping


# Variables that name the account, cluster, database or environment a command acts on. The agent's own values
# count (the hook runs in its environment), so `AWS_PROFILE=prod` exported before the session is seen.
CONTEXT_VARIABLES = (
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "CLOUDSDK_CORE_PROJECT",
    "CLOUDSDK_ACTIVE_CONFIG_NAME", "AZURE_SUBSCRIPTION_ID", "ARM_SUBSCRIPTION_ID", "TF_WORKSPACE", "DOCKER_HOST",
    "DOCKER_CONTEXT", "DATABASE_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE", "MYSQL_HOST",
    "MYSQL_TCP_PORT", "MYSQL_DATABASE", "REDIS_URL", "MONGODB_URI", "RAILS_ENV", "RACK_ENV", "NODE_ENV",
    "DJANGO_SETTINGS_MODULE", "HEROKU_APP", "FLY_APP", "VAULT_ADDR",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word after expansion.

    `text` is its value with quotes removed; where a part could not be resolved (an unknown variable, a command
    substitution) `known` is False and `why` says what was missing. `glob` is the pattern to expand against the
    file system when the word has unquoted glob characters (quoted ones are escaped in it), else None.
    """

    text: str
    known: bool = True
    why: str = ""
    glob: str | None = None

    @classmethod
    def literal(cls, text: str) -> Word:
        return cls(text=text)


@dataclass(frozen=True, slots=True)
class Stdin:
    """What a command reads on standard input, as far as the command line shows it.

    origin: "none" (nothing redirected: the agent's terminal, usually empty), "literal" (heredoc, here-string,
    or piped from echo/printf of known text), "file" (`< file`, `cat file |`, text read when small),
    "network" (piped from curl/wget), "pipe" (piped from a command whose output is not known).
    """

    origin: str = "none"
    text: str | None = None
    path: str | None = None

    @property
    def known(self) -> bool:
        return self.text is not None


@dataclass(frozen=True, slots=True)
class Invocation:
    """One simple command, ready for a handler. argv[0] is the command name as written (maybe a path)."""

    words: tuple[Word, ...]
    cwd: str | None  # None when a `cd` could not be resolved
    source: str
    stdin: Stdin = field(default_factory=Stdin)
    # The environment that says where it runs: CONTEXT_VARIABLES as the shell has them (exported on the line,
    # or inherited from the agent's environment), then the command's own VAR=value prefixes, which win.
    assignments: tuple[tuple[str, str], ...] = ()  # value "" when unknown

    @property
    def argv(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.words)

    @property
    def name(self) -> str:
        """The command's base name: `/bin/rm` and `rm` are both `rm`."""
        return os.path.basename(self.words[0].text) if self.words else ""

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]

    def with_words(self, words: Sequence[Word], stdin: Stdin | None = None) -> Invocation:
        """The same invocation with other words: how wrappers such as sudo hand over the inner command."""
        return Invocation(
            words=tuple(words),
            cwd=self.cwd,
            source=self.source,
            stdin=self.stdin if stdin is None else stdin,
            assignments=self.assignments,
        )


@dataclass(frozen=True, slots=True)
class Target:
    """A path a command operand resolves to."""

    display: str  # as written (relative paths stay relative)
    path: str  # absolute, normalised, symlinks not followed
    real: str  # symlinks resolved
    exists: bool
    is_dir: bool
    size: int | None
    pattern: bool = False  # an unquoted glob that matched nothing


class Context(Protocol):
    """What the analyzer offers a command handler."""

    home: str
    project_root: str

    def targets(self, word: Word, cwd: str | None) -> list[Target] | None:
        """Resolve an operand to paths (globs expanded against the real file system, `~` expanded).
        None when its value is unknown: the handler then reports an unknown effect."""
        ...

    def file_effects(
        self,
        kind: Kind,
        word: Word,
        inv: Invocation,
        detail: str,
        *,
        recursive: bool = False,
    ) -> list[Effect]:
        """Effects of `kind` on every path `word` resolves to, or one unknown effect if it cannot resolve."""
        ...

    def shell(self, script: str, inv: Invocation, *, stdin: Stdin | None = None) -> list[Effect]:
        """Analyse a shell script given as text (bash -c, eval, a heredoc fed to sh), with inv's cwd."""
        ...

    def run(self, inv: Invocation) -> list[Effect]:
        """Analyse another command line given as words (what sudo, xargs or find -exec run)."""
        ...

    def read_text(self, path: str, cwd: str | None) -> str | None:
        """A small text file's content (scripts, SQL files), or None when missing, large or unreadable."""
        ...

    def agent_wrote(self, path: str) -> bool:
        """Whether the agent wrote or changed the absolute `path` earlier in this session."""
        ...

    def written(self, path: str) -> bool:
        """Whether an earlier command of this line writes, moves onto or links the absolute `path`: what it
        will hold when a later command reads it is then not what the file system holds now."""
        ...


Handler = Callable[[Invocation, Context], Iterable[Effect]]


def option_value(args: Sequence[Word], *names: str) -> str | None:
    """The value of the first option among `names` (`-c X`, `--file=X`, `-cX` for one-letter names)."""
    for i, word in enumerate(args):
        text = word.text
        for name in names:
            if text == name and i + 1 < len(args):
                return args[i + 1].text
            if name.startswith("--") and text.startswith(name + "="):
                return text[len(name) + 1 :]
            if len(name) == 2 and name[0] == "-" and text.startswith(name) and len(text) > 2 and text[1] != "-":
                return text[2:]
    return None


def has_flag(args: Sequence[Word], *names: str) -> bool:
    """True when any of `names` is given, including inside bundled short flags (`-rf` holds `-r` and `-f`)."""
    shorts = {n[1] for n in names if len(n) == 2 and n[0] == "-" and n[1] != "-"}
    longs = {n for n in names if n.startswith("--")}
    for word in args:
        text = word.text
        if text == "--":
            break
        name = text.split("=", 1)[0]
        if name in longs:
            return True
        if len(name) >= 5 and name.startswith("--") and any(n.startswith(name) for n in longs):
            return True  # GNU getopt takes an unambiguous prefix: `--rec` is `--recursive`
        if shorts and text.startswith("-") and not text.startswith("--") and shorts & set(text[1:]):
            return True
    return False


def context_of(pairs: Mapping[str, str | None]) -> dict[str, str]:
    """Drop empty entries so an effect's context only names what is known."""
    return {k: v for k, v in pairs.items() if v}
