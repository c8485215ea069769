"""What a pipeline stage writes to the next one, when that can be known without running it.

Only matters when the next stage runs code (`| sh`, `| python`, `| xargs rm`): known text is analysed,
downloaded text is remote code, and anything else is unknown.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from agentguard.analysis.types import Context, Stdin, Word

ECHOES = frozenset({"echo", "printf"})
FETCHERS = frozenset(["curl", "wget", "fetch", "http", "https", "aria2c", "lwp-request", "GET", "xh"])


def stdout_of(words: Sequence[Word], stdin: Stdin, ctx: Context, cwd: str | None) -> Stdin:
    if not words or not words[0].known:
        return Stdin("pipe")
    name = os.path.basename(words[0].text)
    args = list(words[1:])
    if name in ECHOES:
        return _echo(name, args)
    if name in FETCHERS:
        url = next((w.text for w in args if "://" in w.text or w.text.startswith("www.")), None)
        return Stdin("network", path=url)
    if name == "cat":
        return _cat(args, stdin, ctx, cwd)
    if name in ("base64", "openssl") and any(w.text in ("-d", "--decode", "-D") for w in args):
        return _decoded(stdin)
    if name == "find":
        from agentguard.analysis.files import find_pattern

        pattern = find_pattern(args)
        return Stdin("find", path=pattern) if pattern else Stdin("pipe")
    return Stdin("network" if stdin.origin == "network" else "pipe", path=stdin.path)


def _echo(name: str, args: list[Word]) -> Stdin:
    if not all(w.known for w in args):
        return Stdin("pipe")
    texts = [w.text for w in args]
    if name == "echo":
        escapes = False
        while texts and texts[0] in ("-n", "-e", "-E", "-ne", "-en"):
            escapes = escapes or "e" in texts[0]
            texts = texts[1:]
        text = " ".join(texts) + "\n"
        return Stdin("literal", text.encode().decode("unicode_escape", "replace") if escapes else text)
    if not texts:
        return Stdin("literal", "")
    fmt, rest = texts[0], texts[1:]
    if "%" not in fmt:
        return Stdin("literal", fmt.encode().decode("unicode_escape", "replace"))
    return Stdin("literal", " ".join(rest) + "\n")


def _cat(args: list[Word], stdin: Stdin, ctx: Context, cwd: str | None) -> Stdin:
    files = [w for w in args if not w.text.startswith("-") or w.text == "-"]
    if not files or files == [Word.literal("-")]:
        return stdin
    texts: list[str] = []
    for word in files:
        text = ctx.read_text(word.text, cwd) if word.known else None
        if text is None:
            return Stdin("pipe")
        texts.append(text)
    return Stdin("file", "".join(texts), files[0].text)


def _decoded(stdin: Stdin) -> Stdin:
    from agentguard.analysis.shell import decode_base64

    if stdin.origin == "network":
        return stdin
    if stdin.text is None:
        return Stdin("pipe")
    decoded = decode_base64(stdin.text)
    return Stdin("literal", decoded) if decoded is not None else Stdin("pipe")
