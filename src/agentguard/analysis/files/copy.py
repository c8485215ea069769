"""Commands that move, copy, link, create or re-permission files: mv, cp, install, ln, tee, touch, chmod, rsync."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from agentguard.analysis import line_fs
from agentguard.analysis.files.common import (
    each,
    missing_operand,
    overwrite_if_exists,
    split_args,
)
from agentguard.analysis.paths import DEV_SINKS
from agentguard.analysis.types import Context, Invocation, Word, has_flag, option_value
from agentguard.models import Effect, Kind


def mv(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args, frozenset({"-t", "--target-directory", "-S", "--suffix"}))
    found = _sources_and_destination(options, operands)
    if found is None:
        return missing_operand(inv, "mv")
    sources, dest = found
    effects = each(ctx, Kind.FILE_MOVE, sources, inv, f"moves away (to {dest.text})")
    moved = ctx.targets(dest, inv.cwd)
    if len(sources) == 1 and moved and len(moved) == 1 and not moved[0].is_dir:  # later, dest holds its data
        effects = line_fs.mark(effects, line_fs.MOVED_TO, moved[0].path)
    if _leaves_project(ctx, dest, inv):  # a directory moved out of the project takes its whole tree with it
        effects = [dataclasses.replace(e, recursive=True) if e.is_dir or e.exists is False else e
                   for e in effects]  # fmt: skip
    if not has_flag(options, "-n", "--no-clobber"):
        effects += _destination(ctx, dest, sources, inv, "replaced by mv")
    return effects


def _sources_and_destination(options: list[Word], operands: list[Word]) -> tuple[list[Word], Word] | None:
    """`-t DIR SOURCE…` or `SOURCE… DEST` (mv, cp); None when there is nothing to move or copy to."""
    dest = option_value(options, "-t", "--target-directory")
    if dest is not None:
        return operands, Word.literal(dest)
    if len(operands) >= 2:
        return operands[:-1], operands[-1]
    return None


def _leaves_project(ctx: Context, dest: Word, inv: Invocation) -> bool:
    found = ctx.targets(dest, inv.cwd)
    root = ctx.project_root.rstrip("/") + "/"
    return found is None or any(not (t.path + "/").startswith(root) for t in found)


def cp(inv: Invocation, ctx: Context) -> list[Effect]:
    valued = frozenset({"-t", "--target-directory", "-S", "--suffix", "-m", "--mode", "-o", "-g"})
    options, operands = split_args(inv.args, valued)
    found = _sources_and_destination(options, operands)
    if found is None:
        return missing_operand(inv, inv.name)
    sources, dest = found
    reads = [Effect.make(Kind.READ, s.text, "copies from", source=inv.source) for s in sources]
    if has_flag(options, "-n", "--no-clobber"):
        return reads + ctx.file_effects(Kind.FILE_WRITE, dest, inv, "copies into")
    merged = [s for s in sources if s.text.rstrip("/").endswith("/.") or s.text in (".", "./")]  # `cp -r src/. d`
    detail = f"overwritten by {inv.name}"
    return reads + _destination(ctx, dest, sources, inv, detail) + _contents_into(ctx, merged, dest, inv, detail)


def _destination(ctx: Context, dest: Word, sources: Sequence[Word], inv: Invocation,
                 detail: str) -> list[Effect]:  # fmt: skip
    """A destination that exists as a file is overwritten; into a directory, the same names inside are."""
    found = ctx.targets(dest, inv.cwd)
    if found is None:
        return ctx.file_effects(Kind.FILE_OVERWRITE, dest, inv, detail)
    effects: list[Effect] = []
    for target in found:
        if target.is_dir and target.exists:
            for src in sources:
                name = src.text.rstrip("/").rsplit("/", 1)[-1]
                inner = Word(f"{target.path}/{name}", src.known, src.why)
                effects += overwrite_if_exists(ctx, inner, inv, detail)
        else:
            effects += overwrite_if_exists(ctx, Word.literal(target.path), inv, detail)
    return effects


def ln(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args, frozenset({"-t", "--target-directory", "-S", "--suffix"}))
    if len(operands) < 2:
        return missing_operand(inv, "ln")
    force = has_flag(options, "-f", "--force")
    kind = Kind.FILE_OVERWRITE if force else Kind.FILE_WRITE
    effects = ctx.file_effects(kind, operands[-1], inv, "replaced by a link" if force else "links")
    behind = _link_target(operands, has_flag(options, "-s", "--symbolic"), ctx, inv)
    return line_fs.mark(effects, line_fs.STANDS_FOR, behind) if behind and len(operands) == 2 else effects


def _link_target(operands: list[Word], symbolic: bool, ctx: Context, inv: Invocation) -> str | None:
    """The data the new name will stand for: a symlink's text resolves from the link's directory."""
    target, link = operands[0], operands[-1]
    found = ctx.targets(link, inv.cwd)
    if not target.known or not found or inv.cwd is None:
        return None
    where = found[0].path
    if found[0].is_dir and found[0].exists:
        where = os.path.join(where, os.path.basename(target.text.rstrip("/")))
    base = os.path.dirname(where) if symbolic else inv.cwd
    return os.path.normpath(os.path.join(base, os.path.expanduser(target.text)))


def tee(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args)
    # The terminal streams and the null device hold nothing to lose: `… | tee /dev/null` writes no file.
    operands = [w for w in operands if not (w.known and (w.text in DEV_SINKS or w.text.startswith("/dev/fd/")))]
    if has_flag(options, "-a", "--append"):
        return each(ctx, Kind.FILE_WRITE, operands, inv, "appends to")
    return [e for w in operands for e in overwrite_if_exists(ctx, w, inv, "overwritten by tee")]


def create(inv: Invocation, ctx: Context) -> list[Effect]:
    valued = frozenset({"-m", "--mode", "-d", "--date", "-r", "--reference", "-t", "-Z", "--context"})
    _, operands = split_args(inv.args, valued)
    if inv.name == "install":
        return cp(inv, ctx)
    return each(ctx, Kind.FILE_WRITE, operands, inv, "creates")


_MODE_LETTERS = frozenset("rwxXst")  # chmod's own flags are -c -f -v -R: none of these letters


def _is_mode(option: str) -> bool:
    """`-x`, `-wx,o-r`: a symbolic mode beginning with '-', not one of chmod's flags."""
    letters = set(option[1:])
    return bool(letters & _MODE_LETTERS) and letters <= _MODE_LETTERS | set(",ugoa+-=")


def perms(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args, frozenset({"--reference", "--from"}))
    recursive = has_flag(options, "-R", "--recursive")
    # `chmod -x f` takes away a permission: a mode that looks like an option, so every operand is a file.
    mode_first = inv.name == "chmod" and any(_is_mode(o.text) for o in options)
    referenced = any(o.text.startswith("--reference") for o in options)
    targets = operands if referenced or mode_first else operands[1:]
    detail = f"changes {'owner' if inv.name != 'chmod' else 'permissions'}" + (" recursively" if recursive else "")
    return each(ctx, Kind.FILE_PERMS, targets, inv, detail, recursive)


ACL_VALUED = frozenset({"-m", "-M", "-x", "-X", "--modify", "--modify-file", "--remove", "--remove-file", "--set",
                        "--set-file", "--mask"})  # fmt: skip


def setfacl(inv: Invocation, ctx: Context) -> list[Effect]:
    """`setfacl -R -m u:app:rwx DIR`: who may read and write, like chmod; every operand is a file."""
    options, operands = split_args(inv.args, ACL_VALUED)
    recursive = has_flag(options, "-R", "--recursive")
    detail = "changes access control lists" + (" recursively" if recursive else "")
    return each(ctx, Kind.FILE_PERMS, operands, inv, detail, recursive)


def rsync(inv: Invocation, ctx: Context) -> list[Effect]:
    valued = frozenset({"-e", "--rsh", "--exclude", "--include", "--filter", "-f", "--backup-dir"})
    options, operands = split_args(inv.args, valued)
    if len(operands) < 2:
        return [Effect.make(Kind.READ, "rsync", "lists", source=inv.source)]
    dest = operands[-1]
    if has_flag(options, "-n", "--dry-run") or any(o.text.startswith("-") and not o.text.startswith("--")
                                                   and "n" in o.text for o in options):  # fmt: skip
        return [Effect.make(Kind.READ, dest.text, "rsync --dry-run only lists", source=inv.source)]
    remote = ":" in dest.text.split("/", 1)[0]
    if any(o.text == "--remove-source-files" for o in options):
        return each(ctx, Kind.FILE_DELETE, operands[:-1], inv, "deletes the files it copies "
                     "(rsync --remove-source-files)", recursive=True)  # fmt: skip
    if remote:  # what it sends is network.send (network.py); nothing here changes
        return [Effect.make(Kind.READ, dest.text, "copies to a remote host", source=inv.source)]
    deleting = any(o.text.startswith("--delete") for o in options)
    if deleting:
        return ctx.file_effects(Kind.FILE_DELETE, dest, inv, "deletes files missing from the source "
                                "(rsync --delete)", recursive=True)  # fmt: skip
    # rsync writes into the destination directory (`/dest/` is not replaced, its files are): `/dest/*`, so that
    # `rsync -a src/ /` reaches `/*` while `rsync -a /src/ /dest/` is judged by where /dest is.
    into = Word.literal(dest.text.rstrip("/") + "/*") if dest.text.endswith("/") else dest
    merged = [s for s in operands[:-1] if s.text.endswith("/")]  # `rsync -a src/ dest`: src's contents
    return ctx.file_effects(Kind.FILE_OVERWRITE, into, inv, "overwritten by rsync") + _contents_into(
        ctx, merged, dest, inv, "overwritten by rsync"
    )


MAX_LISTED = 2000  # entries of a source tree listed to see which names a merge copy lands on


def _contents_into(ctx: Context, sources: Sequence[Word], dest: Word, inv: Invocation, detail: str) -> list[Effect]:
    """A directory's contents merged into `dest` (`cp -r src/. dest`, `rsync -a src/ dest`): each file lands
    at the same relative name in dest, so `src/.claude/settings.json` is judged as `dest/.claude/settings.json`.
    A source that is not an existing directory, or holds too much to list, adds nothing here."""
    if inv.cwd is None or not dest.known:
        return []
    effects: list[Effect] = []
    for source in sources:
        root = os.path.join(inv.cwd, os.path.expanduser(source.text))
        names = _listed(root) if source.known and os.path.isdir(root) else None
        for name in names or ():
            effects += overwrite_if_exists(ctx, Word.literal(os.path.join(dest.text, name)), inv, detail)
    return effects


def _listed(root: str) -> list[str] | None:
    names: list[str] = []
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            names.append(os.path.relpath(os.path.join(folder, name), root))
            if len(names) > MAX_LISTED:
                return None
    return names


SPLIT_VALUED = frozenset({"-a", "-b", "-C", "-l", "-n", "-t", "--suffix-length", "--bytes", "--line-bytes",
                          "--lines", "--number", "--separator", "--additional-suffix", "--filter"})  # fmt: skip


def split(inv: Invocation, ctx: Context) -> list[Effect]:
    """coreutils `split [FILE [PREFIX]]` writes PREFIXaa, PREFIXab…; more operands, or a sub-command shape
    (`split segments delete beta`), is Split.io's CLI, whose destroying verbs the vocabulary judges."""
    from agentguard.analysis import verbs

    _, operands = split_args(inv.args, SPLIT_VALUED)
    if len(operands) > 2 or any(w.text.startswith("--workspace") for w in inv.args):
        return verbs.unmodelled_list(inv) or [Effect.make(Kind.EXEC_PROGRAM, "split", "runs Split.io's CLI",
                                                          source=inv.source)]  # fmt: skip
    prefix = operands[1].text if len(operands) == 2 else "x"
    return ctx.file_effects(Kind.FILE_WRITE, Word(prefix + "*", glob=prefix + "*"), inv, "split writes pieces")
