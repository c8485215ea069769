"""What a command prints, when that can be known without running it.

A pipeline stage's output only matters when the next stage runs code (`| sh`, `| python`, `| xargs rm`): known
text is analysed, downloaded text is remote code, and anything else is unknown. A command substitution's output
matters where it names a path (`rm -rf "$(pwd)"`, `> "log-$(date +%F)"`).
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence

from agentguard.analysis.types import Context, Stdin, Word

ECHOES = frozenset({"echo", "printf"})
FETCHERS = frozenset(["curl", "wget", "fetch", "http", "https", "aria2c", "lwp-request", "GET", "xh"])
DATE_FORMAT = re.compile(r"(?:%[YmdHMSFTjuVGgyebBaAsz]|[-_.:T0-9A-Za-z])+")


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
    if stdin.origin == "network":
        return stdin
    if stdin.text is None:
        return Stdin("pipe")
    decoded = decode_base64(stdin.text)
    return Stdin("literal", decoded) if decoded is not None else Stdin("pipe")


def decode_base64(text: str) -> str | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def substitution_output(text: str, cwd: str | None, tmpdir: str | None) -> str | None:
    """What a substitution (its source `text`) prints when that is certain beforehand: `$(pwd)` is the cwd,
    `$(mktemp)` a new temp path, `$(date +%F)` the date. (`$(which X)` is only known as a command name: see
    dispatch.py.)"""
    words = (text[2:-1] if text.startswith("$(") else text[1:-1]).split()
    if words and words[0] == "pwd" and all(w in ("-L", "-P") for w in words[1:]) and cwd is not None:
        return os.path.realpath(cwd) if "-P" in words else cwd
    if words[:1] == ["mktemp"]:
        return _mktemp_output(words[1:], tmpdir)
    options = ECHO_OPTIONS.fullmatch(words[1] if len(words) > 1 else "")
    if words[:1] == ["echo"] and not options and all(PLAIN_WORD.fullmatch(w) for w in words[1:]):
        return " ".join(words[1:])  # `$(echo rm -rf x)`: plain words, printed as they are
    return _date_output(words)


PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:=+,@%-]+")  # no quote, $, glob, brace or escape
ECHO_OPTIONS = re.compile(r"-[neE]+")  # echo's own options change what it prints


def _mktemp_output(args: list[str], tmpdir: str | None) -> str | None:
    """`$(mktemp)` / `$(mktemp -d)`: a fresh name in the temp dir (the X's stand for random letters)."""
    names = [a for a in args if not a.startswith("-")]
    if any(a not in ("-d", "-q", "-u", "-t", "--directory", "--quiet", "--dry-run") for a in args if
           a.startswith("-")) or len(names) > 1 or any("/" in n for n in names):  # fmt: skip
        return None
    return os.path.join(tmpdir or "/tmp", names[0] if names else "tmp.XXXXXXXXXX")


def _date_output(words: list[str]) -> str | None:
    """`$(date +%F)` in a file name: the time now stands for the time it runs (same shape, same directory).
    Only plain `+FORMAT` (and -u) with a format that cannot make a path separator or a quote."""
    import time

    options = [w for w in words[1:] if w != "-u"]
    if words[:1] != ["date"] or len(options) != 1 or not options[0].startswith("+"):
        return None
    fmt = options[0][1:].strip("'\"")
    if not DATE_FORMAT.fullmatch(fmt):
        return None
    now = time.gmtime() if "-u" in words else time.localtime()
    return str(int(time.time())) if fmt == "%s" else time.strftime(fmt, now)
