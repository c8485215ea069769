"""Commands that delete or destroy file content: rm (and rmdir, unlink, rimraf), shred, truncate, dd, trash."""

from __future__ import annotations

from agentguard.analysis.files.common import (
    each,
    missing_operand,
    split_args,
)
from agentguard.analysis.types import Context, Invocation, Word, has_flag
from agentguard.models import Effect, Kind

RECURSIVE_REMOVERS = frozenset(["rimraf", "del", "del-cli", "trash-empty"])


def rm(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args)
    # rmdir only removes empty directories; rimraf and del-cli are `rm -rf` for node projects.
    recursive = has_flag(options, "-r", "-R", "--recursive") or inv.name in RECURSIVE_REMOVERS
    if not operands:
        return missing_operand(inv, "rm")
    detail = "deletes recursively" if recursive else "deletes"
    effects = each(ctx, Kind.FILE_DELETE, operands, inv, detail, recursive)
    if has_flag(options, "--no-preserve-root"):
        effects.append(Effect.make(Kind.SYSTEM_DESTROY, "/", "rm --no-preserve-root allows erasing /",
                                   source=inv.source))  # fmt: skip
    return effects


def shred(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args, frozenset({"-n", "--iterations", "-s", "--size"}))
    kind = Kind.FILE_DELETE if has_flag(options, "-u", "--remove") else Kind.FILE_OVERWRITE
    return each(ctx, kind, operands, inv, "shreds (unrecoverable)") or missing_operand(inv, "shred")


def truncate(inv: Invocation, ctx: Context) -> list[Effect]:
    _options, operands = split_args(inv.args, frozenset({"-s", "--size", "-r", "--reference"}))
    return each(ctx, Kind.FILE_OVERWRITE, operands, inv, "truncates") or missing_operand(inv, "truncate")


def dd(inv: Invocation, ctx: Context) -> list[Effect]:
    for word in inv.args:
        if word.text.startswith("of="):
            target = Word(word.text[3:], word.known, word.why, None)
            return ctx.file_effects(Kind.FILE_OVERWRITE, target, inv, "overwrites (dd)")
    return [Effect.make(Kind.READ, "dd", "copies to standard output", source=inv.source)]


def trash(inv: Invocation, ctx: Context) -> list[Effect]:
    _, operands = split_args(inv.args)
    if inv.name == "gio" and (not operands or operands[0].text not in ("trash", "remove")):
        return [Effect.make(Kind.EXEC_PROGRAM, "gio", "runs gio", source=inv.source)]
    words = operands[1:] if inv.name == "gio" else operands
    return each(ctx, Kind.FILE_MOVE, words, inv, "moves to the trash")
