"""Helpers shared by the file-command handlers."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind


def split_args(args: Sequence[Word], valued: frozenset[str] = frozenset()) -> tuple[list[Word], list[Word]]:
    """Options and operands; after `--` everything is an operand. `valued` options swallow their value."""
    options: list[Word] = []
    operands: list[Word] = []
    i = 0
    while i < len(args):
        text = args[i].text
        if text == "--":
            operands.extend(args[i + 1 :])
            break
        if text.startswith("-") and text != "-" and args[i].known:
            options.append(args[i])
            if text in valued and i + 1 < len(args):
                options.append(args[i + 1])
                i += 1
        else:
            operands.append(args[i])
        i += 1
    return options, operands


def each(ctx: Context, kind: Kind, words: Sequence[Word], inv: Invocation, detail: str,
          recursive: bool = False) -> list[Effect]:  # fmt: skip
    return [e for w in words for e in ctx.file_effects(kind, w, inv, detail, recursive=recursive)]


def missing_operand(inv: Invocation, what: str) -> list[Effect]:
    return [Effect.make(Kind.READ, inv.name, f"{what}: no operand", source=inv.source)]


def overwrite_if_exists(ctx: Context, word: Word, inv: Invocation, detail: str) -> list[Effect]:
    found = ctx.targets(word, inv.cwd)
    if found and all(not t.exists for t in found):
        return ctx.file_effects(Kind.FILE_WRITE, word, inv, "creates")
    return ctx.file_effects(Kind.FILE_OVERWRITE, word, inv, detail)


def as_tree(effect: Effect) -> Effect:
    """`find DIR -exec CMD {} +` runs CMD on everything under DIR: an effect on DIR covers its whole tree."""
    return dataclasses.replace(effect, recursive=True) if effect.kind.value.startswith("file.") else effect


def regular_file(ctx: Context, word: Word, inv: Invocation) -> bool:
    found = ctx.targets(word, inv.cwd)
    return bool(found) and all(not t.is_dir and not t.real.startswith("/dev/") for t in found or [])
