"""Shared parsing for sub-command CLIs (kubectl, docker, terraform, gh, heroku…).

These tools take global options anywhere, a verb path (`kubectl rollout undo`, `heroku apps:destroy`,
`gh repo delete`), options that may or may not take a value, and operands. `parse` splits the arguments
once, knowing which options take a value, so a handler can ask for the verb path, an option's value or the
operands without tripping over `-n prod` before the verb. Unknown words (`"$NS"`) are kept as words, so the
handler can fail closed on the ones that matter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from agentguard.analysis.spec.model import Entry
from agentguard.analysis.types import Invocation, Word
from agentguard.models import Effect, Kind

DRY_RUN_OFF = frozenset({"none", "false", "0"})


@dataclass(frozen=True, slots=True)
class Parsed:
    """Arguments split into options (name, value) and positional words; `rest` is what follows `--`."""

    positionals: tuple[Word, ...]
    options: tuple[tuple[str, Word | None], ...]
    rest: tuple[Word, ...] = ()
    dashdash: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(w.text for w in self.positionals)

    def verb(self, index: int) -> str:
        return self.positionals[index].text if index < len(self.positionals) else ""

    def opt(self, *names: str) -> str | None:
        """The last value given for any of `names` (later options win, as with most CLIs)."""
        found: str | None = None
        for name, value in self.options:
            if name in names and value is not None:
                found = value.text
        return found

    def opt_word(self, *names: str) -> Word | None:
        found: Word | None = None
        for name, value in self.options:
            if name in names and value is not None:
                found = value
        return found

    def opts(self, *names: str) -> list[Word]:
        return [value for name, value in self.options if name in names and value is not None]

    def flag(self, *names: str) -> bool:
        """True when any of `names` is present and not switched off (`--force=false`)."""
        for name, value in self.options:
            if name in names and (value is None or value.text.lower() not in ("false", "0")):
                return True
        return False

    def dry_run(self, *names: str) -> bool:
        for name, value in self.options:
            if name in (names or ("--dry-run",)) and (value is None or value.text.lower() not in DRY_RUN_OFF):
                return True
        return False


def parse(
    args: Sequence[Word],
    valued: Iterable[str] = (),
    *,
    stop_after: int | None = None,
    optional_value: Iterable[str] = (),
    clusters: bool = True,
) -> Parsed:
    """Split `args`. Options in `valued` take the next word unless given as `--opt=value` or `-nvalue`.

    `stop_after`: after that many positionals, everything else is `rest` (docker run IMAGE CMD…).
    `optional_value`: options whose value is only ever attached (`--dry-run=client`).
    `clusters`: `-it` is `-i -t`; off for Go-style tools where `-check` is one option, not `-c -h -e -c -k`.
    """
    takes = frozenset(valued)
    attached_only = frozenset(optional_value)
    positionals: list[Word] = []
    options: list[tuple[str, Word | None]] = []
    i = 0
    while i < len(args):
        word = args[i]
        text = word.text
        if stop_after is not None and len(positionals) >= stop_after:
            return Parsed(tuple(positionals), tuple(options), tuple(args[i:]))
        if text == "--":
            return Parsed(tuple(positionals), tuple(options), tuple(args[i + 1 :]), dashdash=True)
        if text.startswith("--") and len(text) > 2:
            name, eq, value = text.partition("=")
            if eq:
                options.append((name, Word(value, word.known, word.why)))
            elif name in takes and name not in attached_only and i + 1 < len(args):
                options.append((name, args[i + 1]))
                i += 1
            else:
                options.append((name, None))
        elif text.startswith("-") and len(text) > 1 and word.known:
            i += _short(args, i, takes, options) if clusters else _single(args, i, takes, options)
        else:
            positionals.append(word)
        i += 1
    return Parsed(tuple(positionals), tuple(options))


def _single(args: Sequence[Word], i: int, takes: frozenset[str], options: list[tuple[str, Word | None]]) -> int:
    """A Go-style option: `-name`, `-name=value` or `-name value` (when it takes one); never a cluster."""
    name, eq, value = args[i].text.partition("=")
    if eq:
        options.append((name, Word(value, args[i].known, args[i].why)))
        return 0
    if name in takes and i + 1 < len(args):
        options.append((name, args[i + 1]))
        return 1
    options.append((name, None))
    return 0


def _short(args: Sequence[Word], i: int, takes: frozenset[str], options: list[tuple[str, Word | None]]) -> int:
    """Record a short option cluster (`-it`, `-nprod`, `-n prod`, `-auto-approve`); returns words consumed - 1."""
    text = args[i].text
    if text in takes:
        options.append((text, args[i + 1] if i + 1 < len(args) else None))
        return 1
    if "=" in text:  # terraform-style single-dash long options: -var-file=x, -chdir=dir
        name, _, value = text.partition("=")
        options.append((name, Word(value)))
        return 0
    if len(text) > 2 and text[:2] in takes:
        options.append((text[:2], Word(text[2:])))
        return 0
    options.append((text, None))
    for letter in text[1:] if len(text) > 2 and text[1:].isalpha() else ():
        name = "-" + letter
        if name in takes:  # `-itv /:/x`: the last letter of a cluster may take the next word
            options.append((name, args[i + 1] if i + 1 < len(args) else None))
            return 1
        options.append((name, None))
    return 0


def effect(kind: Kind, target: str, detail: str, inv: Invocation, context: Mapping[str, str | None]) -> Effect:
    return Effect.make(kind, target, detail, source=inv.source, context={k: v for k, v in context.items() if v})


def unknown_words(words: Iterable[Word | None], what: str, inv: Invocation) -> list[Effect]:
    """One unknown effect when a word that decides the target (a name, a namespace) is computed at run time."""
    for word in words:
        if word is not None and not word.known:
            why = f" ({word.why})" if word.why else ""
            return [Effect.unknown(f"{what} is not known before it runs{why}", source=inv.source)]
    return []


def env_of(inv: Invocation, name: str) -> str | None:
    """A VAR=value prefix of this command (`TF_WORKSPACE=prod terraform destroy`); "" (unknown) reads as None."""
    for key, value in inv.assignments:
        if key == name:
            return value or None
    return None


def with_context(effects: Iterable[Effect], extra: Mapping[str, str | None]) -> list[Effect]:
    """Add where it happens (app, namespace, container) to effects an inner command produced."""
    pairs = {k: v for k, v in extra.items() if v}
    out = []
    for e in effects:
        if e.kind == Kind.UNKNOWN or not pairs:
            out.append(e)
            continue
        merged = dict(e.context)
        for key, value in pairs.items():
            merged.setdefault(key, value)
        out.append(dataclasses.replace(e, context=tuple(sorted(merged.items()))))
    return out


def match_table(words: Sequence[str], table: Mapping[tuple[str, ...], Entry]) -> tuple[Kind, str] | None:
    """The kind and detail of the spec entry for the longest prefix of `words`."""
    for length in range(min(len(words), 4), 0, -1):
        found = table.get(tuple(words[:length]))
        if found is not None:
            return found.kind, found.detail
    return None


R = Kind.READ


def tabled(
    tool: str,
    table: Mapping[tuple[str, ...], Entry],
    p: Parsed,
    inv: Invocation,
    env: dict[str, str | None],
    fallback: Kind,
    default: str | None = None,
    label: str | None = None,
) -> list[Effect]:
    """The table reading of the local-cluster and VM specs (spec/programs/infra.toml): the entry for the longest
    verb prefix, else `fallback`; the target names the cluster or VM (`label`) or the operands."""
    words = p.words
    found = match_table(words, table)
    verb = " ".join(words[:2]) or "help"
    if found is None:  # a verb the table does not name: ordinary work on the operands
        found = (fallback, f"{tool} {words[0]}") if words else (R, f"{tool} help")
    kind, detail = found
    depth = next((n for n in range(4, 0, -1) if tuple(words[:n]) in table), 1)
    names = list(p.positionals[depth:])
    if kind.destructive:
        bad = unknown_words(names, f"what {tool} {verb} acts on", inv)
        if bad:
            return bad
    if kind == R:
        return [effect(kind, tool, detail, inv, env)]
    shown = label or ", ".join(w.text for w in names) or default or "default"
    return [effect(kind, f"{tool} {shown}", detail, inv, env)]
