"""find and fd: what they match, and what they delete or run on it."""

from __future__ import annotations

from collections.abc import Sequence

from agentguard.analysis.files.common import (
    as_tree,
    split_args,
)
from agentguard.analysis.types import Context, Invocation, Word, option_value
from agentguard.models import Effect, Kind


def find(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    pattern = find_pattern(args)
    texts = [w.text for w in args]
    effects: list[Effect] = []
    if "-delete" in texts:
        word = Word(pattern, glob=pattern) if pattern else Word("?", False, "find's roots are not known")
        # -delete removes a matched directory only once it is empty: a name pattern deletes what it matches,
        # not the trees under it; with no -name the whole root goes.
        # Each match is still part of a delete across a tree, judged as one (`find src -name '*.py' -delete`).
        whole = pattern is None or "/**/" not in pattern
        found = ctx.file_effects(Kind.FILE_DELETE, word, inv, "deletes what find matches", recursive=whole)
        effects += found if whole else [as_tree(e) for e in found]
    whole_tree = pattern is not None and "/**/" not in pattern  # no -name: {} is every path under the root
    for start in (i for i, t in enumerate(texts) if t in ("-exec", "-execdir", "-ok", "-okdir")):
        end = next((j for j in range(start + 1, len(texts)) if texts[j] in (";", "+")), len(texts))
        inner = args[start + 1 : end]
        if not inner:
            continue
        operand = Word(pattern, glob=pattern) if pattern else Word("?", False, "find's matches")
        words = [operand if w.text == "{}" else w for w in inner]
        if not any(w.text == "{}" for w in inner):
            words.append(operand)
        inner_effects = ctx.run(inv.with_words(words))
        effects += [as_tree(e) if whole_tree and e.path and (e.is_dir or e.exists is False) else e
                    for e in inner_effects]  # fmt: skip
    for i, text in enumerate(texts):
        if text in ("-fprint", "-fprint0", "-fprintf", "-fls") and i + 1 < len(args):
            effects += ctx.file_effects(Kind.FILE_OVERWRITE, args[i + 1], inv, "written by find")
    return effects or [Effect.make(Kind.READ, "find", "searches", source=inv.source)]


def find_pattern(args: Sequence[Word]) -> str | None:
    """A glob that stands for what `find ROOTS … -name PAT` prints: `ROOT/**/PAT` (ROOT itself if no -name).

    With `-o`, `-not` or `!` the names no longer bound what matches (`-path x -prune -o -delete` deletes
    everything else), so the whole ROOT stands for it; `-path` patterns match whole paths, not names.
    """
    roots: list[str] = []
    for word in args:
        if word.text.startswith(("-", "(", "!")) or word.text in (")",):
            break
        if not word.known:
            return None
        roots.append(word.text.rstrip("/") or "/")
    texts = [w.text for w in args]
    name = None
    if any(t in ("-o", "-or", "-not", "!") for t in texts):
        texts = []
    for flag in ("-name", "-iname"):
        if flag in texts and texts.index(flag) + 1 < len(args):
            value = args[texts.index(flag) + 1]
            name = value.text if value.known else "*"
            break
    root = roots[0] if roots else "."
    if len(roots) > 1:
        return None
    return f"{root}/**/{name}" if name else root


FD_VALUED = frozenset(["-e", "--extension", "-t", "--type", "-d", "--max-depth", "-E", "--exclude", "-S", "--size",
                       "--changed-within", "--changed-before", "-j", "--threads", "-g", "--glob", "--base-directory",
                       "--search-path", "-c", "--color", "-o", "--owner"])  # fmt: skip


def fd(inv: Invocation, ctx: Context) -> list[Effect]:
    """fd searches; `-x CMD` / `-X CMD` run CMD on what it finds, like `find -exec`."""
    args = list(inv.args)
    texts = [w.text for w in args]
    start = next((i for i, t in enumerate(texts) if t in ("-x", "--exec", "-X", "--exec-batch")), None)
    if start is None:
        return [Effect.make(Kind.READ, inv.name, "searches", source=inv.source)]
    search, inner = args[:start], args[start + 1 :]
    _opts, operands = split_args(search, FD_VALUED)
    ext = option_value(search, "-e", "--extension")
    root = operands[1].text if len(operands) > 1 else "."
    known = all(w.known for w in operands)
    if not known:
        found = Word("?", False, "fd's search is not known before it runs")
    elif ext and (not operands or operands[0].text in (".", "")):
        found = Word(f"{root}/**/*.{ext}", glob=f"{root}/**/*.{ext}")
    else:
        found = Word(root)  # a name pattern (regex) we do not evaluate: the whole tree stands for it
    words = [found if w.text == "{}" else w for w in inner]
    if not any(w.text == "{}" for w in inner):
        words.append(found)
    effects = ctx.run(inv.with_words(words))
    return [as_tree(e) if found.glob is None and e.path and (e.is_dir or e.exists is False) else e for e in effects]
