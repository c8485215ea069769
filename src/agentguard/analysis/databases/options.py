"""Command-line option parsing shared by the database clients (valued options, bundled short flags)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from agentguard.analysis.databases.common import NO_VALUE
from agentguard.analysis.types import Word


@dataclass
class Parsed:
    """Options and operands in the order given. `items` holds (option, value) pairs; operands have option ""."""

    items: list[tuple[str, Word]] = field(default_factory=list)

    @property
    def operands(self) -> list[Word]:
        return [w for name, w in self.items if name == ""]

    def values(self, *names: str) -> list[Word]:
        return [w for name, w in self.items if name in names and w is not NO_VALUE]

    def value(self, *names: str) -> Word | None:
        found = self.values(*names)
        return found[-1] if found else None

    def text(self, *names: str) -> str | None:
        word = self.value(*names)
        return word.text if word is not None and word.known else None

    def has(self, *names: str) -> bool:
        return any(name in names for name, _ in self.items)


def parse_args(args: Sequence[Word], valued: str = "", *, single_dash_long: bool = False, optional: str = "") -> Parsed:
    """getopt-style parsing: `-c X`, `-cX`, bundled `-1tA`, `--long X`, `--long=X`; `optional` options take a
    value only when attached (mysql `-pSECRET`). With `single_dash_long` (sqlite3, duckdb) `-cmd` is one option
    and `--cmd` the same one."""
    valued_set, optional_set = frozenset(valued.split()), frozenset(optional.split())
    parsed = Parsed()
    i = 0
    while i < len(args):
        word, text = args[i], args[i].text
        if text == "--" and word.known:
            parsed.items.extend(("", w) for w in args[i + 1 :])
            break
        if not word.known or not text.startswith("-") or text == "-":
            parsed.items.append(("", word))
        elif text.startswith("--") or single_dash_long:
            i = _long_option(args, i, valued_set, parsed, single_dash_long)
        else:
            i = _short_options(args, i, valued_set, optional_set, parsed)
        i += 1
    return parsed


def _long_option(args: Sequence[Word], i: int, valued: frozenset[str], parsed: Parsed, single: bool) -> int:
    word = args[i]
    name, eq, value = word.text.partition("=")
    if single:
        name = "-" + name.lstrip("-")
    if eq:
        parsed.items.append((name, _part(word, value)))
    elif name in valued and i + 1 < len(args):
        parsed.items.append((name, args[i + 1]))
        return i + 1
    else:
        parsed.items.append((name, NO_VALUE))
    return i


def _short_options(
    args: Sequence[Word], i: int, valued: frozenset[str], optional: frozenset[str], parsed: Parsed
) -> int:
    word = args[i]
    text = word.text
    for j in range(1, len(text)):
        name, rest = "-" + text[j], text[j + 1 :]
        if name in valued:
            if rest:
                parsed.items.append((name, _part(word, rest)))
            elif i + 1 < len(args):
                parsed.items.append((name, args[i + 1]))
                return i + 1
            else:
                parsed.items.append((name, NO_VALUE))
            return i
        if name in optional:
            parsed.items.append((name, _part(word, rest) if rest else NO_VALUE))
            return i
        parsed.items.append((name, NO_VALUE))
    return i


def _part(word: Word, text: str) -> Word:
    return Word(text=text, known=word.known, why=word.why)
