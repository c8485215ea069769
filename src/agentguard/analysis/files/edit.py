"""In-place editors: sed -i, awk (-i inplace, system()), vim/ex/ed/emacs, patch, sort -o."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentguard.analysis.files.common import (
    each,
    overwrite_if_exists,
    split_args,
)
from agentguard.analysis.types import Context, Invocation, Word, option_value
from agentguard.models import Effect, Kind


def sed(inv: Invocation, ctx: Context) -> list[Effect]:
    in_place = any(
        w.text == "--in-place" or w.text.startswith("--in-place=")
        or (w.text.startswith("-") and not w.text.startswith("--") and "i" in w.text[1:].split("e")[0])
        for w in inv.args
    )  # fmt: skip
    if not in_place:
        return [Effect.make(Kind.READ, "sed", "filters text", source=inv.source)]
    valued = frozenset({"-e", "--expression", "-f", "--file", "-l", "--line-length"})
    options, operands = split_args(inv.args, valued)
    has_script = any(o.text in ("-e", "--expression", "-f", "--file") for o in options)
    files = operands if has_script else operands[1:]
    effects = each(ctx, Kind.FILE_OVERWRITE, files, inv, "edits in place")
    suffix = _sed_backup_suffix(inv.args) or ""
    if suffix and "*" not in suffix and "/" not in suffix:
        for word in files:
            effects += overwrite_if_exists(ctx, Word(word.text + suffix, word.known, word.why), inv,
                                            "replaced by sed's backup copy")  # fmt: skip
    return effects


def _sed_backup_suffix(args: Sequence[Word]) -> str | None:
    """The backup suffix of `sed -i.bak` / `--in-place=.bak` (GNU: attached only)."""
    for word in args:
        text = word.text
        if text.startswith("--in-place="):
            return text.split("=", 1)[1] or None
        if text.startswith("-i") and len(text) > 2 and not text.startswith("--"):
            return text[2:]
    return None


EDITOR_VALUED = frozenset(["-c", "--cmd", "-S", "-u", "-i", "-T", "-w", "-W", "--eval", "-f", "--funcall", "-l",
                           "--load", "--listen"])  # fmt: skip


def editor(inv: Invocation, ctx: Context) -> list[Effect]:
    """vim, ex, ed, emacs …: scripted (`vim -c '%d|wq' f`, `ed -s f <<< …`) or not, they may rewrite every file
    they are given. Ordinary files stay ordinary work; the policy judges a protected one."""
    files: list[Word] = []
    skip = False
    for word in inv.args:
        text = word.text
        if skip:
            skip = False
        elif text in EDITOR_VALUED or (text.startswith("-") and not text.startswith("--") and text.endswith("c")):
            skip = True  # `-c CMD`, bundled `-sc CMD`
        elif not text.startswith(("-", "+")):
            files.append(word)
    if not files:
        return [Effect.make(Kind.EXEC_PROGRAM, inv.name, "starts an editor", source=inv.source)]
    return each(ctx, Kind.FILE_OVERWRITE, files, inv, f"may be rewritten by {inv.name}")


AWK_VALUED = frozenset({"-F", "-v", "-f", "-i", "--include", "-l", "--load", "--field-separator", "--assign"})

AWK_STRING = r'"((?:[^"\\]|\\.)*)"'

AWK_SYSTEM = re.compile(r"\bsystem\s*\(\s*" + AWK_STRING + r"\s*\)")

AWK_PIPE = re.compile(r"\|&?\s*" + AWK_STRING)

AWK_REDIRECT = re.compile(r">>?\s*" + AWK_STRING)


def awk(inv: Invocation, ctx: Context) -> list[Effect]:
    """awk reads, unless it edits in place (`-i inplace`), runs commands (`system("…")`, `print | "cmd"`) or
    writes files (`print > "f"`): string literals there are analysed; anything computed is unknown."""
    args = list(inv.args)
    texts = [w.text for w in args]
    in_place = any(texts[i] in ("-i", "--include") and i + 1 < len(texts) and texts[i + 1] == "inplace"
                   for i in range(len(texts)))  # fmt: skip
    program: Word | None = None
    files: list[Word] = []
    i = 0
    while i < len(args):
        text = texts[i]
        if text in AWK_VALUED:
            if text == "-f" and i + 1 < len(args):
                script = ctx.read_text(args[i + 1].text, inv.cwd) if args[i + 1].known else None
                program = Word.literal(script) if script is not None else Word("?", False, "awk program file")
            i += 2
            continue
        if text.startswith("-") and text != "-":
            i += 1
            continue
        if program is None:
            program = args[i]
        elif "=" not in text:
            files.append(args[i])
        i += 1
    effects = _awk_program(program, inv, ctx) if program is not None else []
    if in_place:
        effects += each(ctx, Kind.FILE_OVERWRITE, files, inv, "edits in place (awk -i inplace)")
    return effects or [Effect.make(Kind.READ, inv.name, "filters text", source=inv.source)]


def _awk_program(program: Word, inv: Invocation, ctx: Context) -> list[Effect]:
    if not program.known:
        return [Effect.unknown(f"awk program not known before it runs ({program.why})", inv.source)]
    text = program.text
    effects: list[Effect] = []
    commands = AWK_SYSTEM.findall(text) + AWK_PIPE.findall(text)
    calls = len(re.findall(r"\bsystem\s*\(", text)) + len(re.findall(r"\|&?\s*[^|\s]", text))
    if calls > len(commands):
        effects.append(Effect.unknown("awk runs a command it computes at run time", inv.source))
    for command in commands:
        effects += ctx.shell(command.replace('\\"', '"'), inv)
    for target in AWK_REDIRECT.findall(text):
        effects += overwrite_if_exists(ctx, Word.literal(target), inv, "written by awk")
    return effects


def patch(inv: Invocation, ctx: Context) -> list[Effect]:
    """`patch FILE` edits FILE in place (the patch comes on stdin or -i); with no FILE it edits the files the
    patch names, in the working tree."""
    valued = frozenset({"-i", "--input", "-p", "--strip", "-d", "--directory", "-o", "--output", "-r", "-B",
                        "-F", "--fuzz", "-D", "-V", "-z", "--suffix"})  # fmt: skip
    _options, operands = split_args(inv.args, valued)
    out = option_value(inv.args, "-o", "--output")
    if out is not None and out != "-":
        return overwrite_if_exists(ctx, Word.literal(out), inv, "written by patch")
    if operands:
        return ctx.file_effects(Kind.FILE_OVERWRITE, operands[0], inv, "patched in place")
    return [Effect.make(Kind.FILE_WRITE, "working tree", "applies a patch", source=inv.source)]


def sort(inv: Invocation, ctx: Context) -> list[Effect]:
    out = option_value(inv.args, "-o", "--output")
    if out is None:
        return [Effect.make(Kind.READ, "sort", "sorts", source=inv.source)]
    return overwrite_if_exists(ctx, Word.literal(out), inv, "overwritten by sort -o")
