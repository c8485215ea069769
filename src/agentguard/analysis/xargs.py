"""xargs and GNU parallel: the command they run, with the operands they will read from stdin.

`find . -name '*.pyc' | xargs rm` removes what find prints, so the operand becomes find's pattern and is
resolved against the file system like a glob. Operands from a pipe whose content is unknown stay unknown.
"""

from __future__ import annotations

import shlex

from agentguard.analysis.types import Invocation, Word

# -i, -e, -l and --replace take their value only when attached (`-i{}`, `--replace=X`): never the next word.
_XARGS_VALUED = frozenset(
    "-a --arg-file -d --delimiter -E -I -L -n --max-args -P --max-procs -s --max-chars".split()
)  # fmt: skip
_PARALLEL_VALUED = frozenset(
    "-j --jobs -S --sshlogin --joblog --results -d --delimiter -a --arg-file --timeout --retries --delay "
    "-n --max-args".split()
)  # fmt: skip


def inner_commands(inv: Invocation) -> list[Invocation]:
    """The invocations xargs/parallel would run; `echo` when no command is given (xargs's default)."""
    valued = _XARGS_VALUED if inv.name == "xargs" else _PARALLEL_VALUED
    args = list(inv.args)
    i = 0
    replace: str | None = None
    delimiter: str | None = None  # None: blanks and quotes, as xargs splits by default
    while i < len(args) and args[i].text.startswith("-") and args[i].text != "-":
        text = args[i].text
        if text in ("-0", "--null"):
            delimiter = "\0"
        elif text in ("-d", "--delimiter") and i + 1 < len(args):
            delimiter = _unescape(args[i + 1].text)
        elif text.startswith("--delimiter="):
            delimiter = _unescape(text.split("=", 1)[1])
        elif text in ("-I", "--replace", "-i"):
            replace = args[i + 1].text if text == "-I" and i + 1 < len(args) else "{}"
        elif text.startswith(("-I", "-i")) and len(text) > 2:
            replace = text[2:]
        elif text.startswith("--replace="):
            replace = text.split("=", 1)[1] or "{}"
        i += 2 if text in valued else 1
    command = args[i:]
    if inv.name == "parallel" and replace is None:  # parallel's replacement string is {} without asking
        replace = "{}"
    if inv.name == "parallel" and ":::" in [w.text for w in command]:
        split = [w.text for w in command].index(":::")
        template, values = command[:split], [w for w in command[split + 1 :] if w.text != ":::"]
        return [_fill(inv, template, [v], "{}") for v in values] or [_fill(inv, template, [], "{}")]
    template = command or [Word.literal("echo")]
    if replace is not None and inv.stdin.text is not None:  # -I: each input line is one whole argument
        lines = [line.strip() for line in inv.stdin.text.splitlines() if line.strip()]
        return [_fill(inv, template, [Word.literal(line)], replace) for line in lines[:16]]
    return [_fill(inv, template, _operands(inv, delimiter), replace)]


def _unescape(delimiter: str) -> str:
    """xargs -d takes C escapes: `-d '\\n'` is a newline."""
    return {"\\n": "\n", "\\t": "\t", "\\0": "\0"}.get(delimiter, delimiter[:1])


def _operands(inv: Invocation, delimiter: str | None = None) -> list[Word]:
    stdin = inv.stdin
    if stdin.origin == "find" and stdin.path:
        return [Word(text=stdin.path, glob=stdin.path)]
    if stdin.text is not None and delimiter is not None:
        # -0 / -d: no quote or blank splitting; `echo 'rm -rf ~' | xargs -0 sh -c` runs the whole line as code
        return [Word.literal(t) for t in stdin.text.split(delimiter) if t.strip()]
    if stdin.text is not None:
        try:
            return [Word.literal(t) for t in shlex.split(stdin.text)]
        except ValueError:
            return [Word.literal(t) for t in stdin.text.split()]
    return [Word(text="?", known=False, why=f"{inv.name} reads its operands from a pipe")]


def _fill(inv: Invocation, template: list[Word], operands: list[Word], replace: str | None) -> Invocation:
    if replace is not None and any(replace in w.text for w in template):
        words: list[Word] = []
        for w in template:
            if replace not in w.text:
                words.append(w)
            elif w.text == replace:
                words.extend(operands)
            else:
                unknown = not all(o.known for o in operands)
                value = w.text.replace(replace, operands[0].text if operands else "")
                words.append(Word(text=value, known=not unknown, why="operand from a pipe"))
        return inv.with_words(words)
    return inv.with_words([*template, *operands])
