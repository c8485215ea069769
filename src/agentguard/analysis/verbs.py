"""The verbs in an unmodelled program's words: does it look like it destroys or changes something?

A CLI nobody modelled (`fastly backend delete`, `rabbitmqctl delete_vhost`, `velero backup delete`) says what
it does in its words. Rather than allow every program we do not know, its subcommands and options are split into
tokens (`delete_vhost` → delete, vhost; `--reset-offsets` → reset, offsets) and a destroying or mutating verb
among them makes the command `exec.mutate` (asked by default). Read verbs, `--help` and `--version` stay reads.
Values (`--name delete-me`), paths and URLs are not verbs: only subcommand words and option names are looked at.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentguard.analysis.types import Invocation, Word
from agentguard.models import Effect, Kind

DESTROY_VERBS = frozenset(
    """delete del rm remove destroy drop purge truncate wipe erase kill terminate reset revoke uninstall undeploy
    rollback prune archive clean flush force shred nuke clear unregister deregister disable detach evict expunge
    obliterate unpublish unlink stop quit halt shutdown overwrite zap deactivate cancel rotate break compact
    decommission retire discard demote forget unset flushall flushdb dropdb rmtree""".split()
)
# Verbs that only read. (Not `logs`: it names the object as often as the action, `app logs truncate`.)
READ_VERBS = frozenset("list ls get describe show status help version info inspect view whoami search find".split())
HELP_FLAGS = frozenset(["--help", "-h", "--version", "-V", "help"])
_TOKEN = re.compile(r"[A-Za-z]+")
# A camel-case verb run together with its object: `deleteUser`, `forceReset`.
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


# Verbs strong enough to count inside a program's own name (`kafka-delete-records`) or glued to a prefix
# (`lvremove`, `vgremove`, `autoremove`).
STRONG_VERBS = ("delete", "remove", "destroy", "purge", "truncate", "wipe", "erase", "uninstall", "revoke",
                "terminate", "nuke", "shred", "drop", "prune")  # fmt: skip


def glued(token: str) -> str | None:
    """`lvremove` → remove: a strong verb at the end of a longer token."""
    return next((v for v in STRONG_VERBS if token.endswith(v) and len(token) > len(v) + 1), None)


def tokens(text: str) -> list[str]:
    """`--delete-config` → [delete, config]; `delete_vhost` → [delete, vhost]; `deleteUser` → [delete, user]."""
    out: list[str] = []
    for part in _TOKEN.findall(text):
        out += [t.lower() for t in _CAMEL.findall(part)] or [part.lower()]
    return out


def verb_words(args: Sequence[Word]) -> list[str]:
    """The words that can be verbs: option names and operands that look like subcommands, not values or paths."""
    out: list[str] = []
    for word in args:
        text = word.text
        if not word.known or not text:
            continue
        if text.startswith("-"):
            out.append(text.split("=", 1)[0])
        elif re.fullmatch(r"[A-Za-z][A-Za-z0-9_:-]*", text):  # not `archive.7z`, `a/b`: file names
            out.append(text)
        elif re.fullmatch(r"[\w.]+/[A-Z][A-Za-z0-9]*", text):  # an RPC method: `pkg.Users/DeleteUser`
            out.append(text.rsplit("/", 1)[1])
    return out


def destroying_verb(args: Sequence[Word]) -> str | None:
    """The first destroying or mutating verb among the words, unless the command only asks for help."""
    words = verb_words(args)
    if any(w in HELP_FLAGS for w in words):
        return None
    for word in words:
        found = next((t for t in tokens(word) if t in DESTROY_VERBS or t in READ_VERBS or glued(t)), None)
        if found is not None and glued(found) and found not in READ_VERBS:
            return word
        if found in DESTROY_VERBS:
            return word
        if found is not None and not word.startswith("-"):  # `velero backup describe x`: the first verb decides
            return None
    return None


def unmodelled(inv: Invocation) -> Effect | None:
    """`exec.mutate` for a program no handler models whose words name a destroying verb, else None."""
    verb = destroying_verb(inv.args)
    named = next((t for t in tokens(inv.name) if t in STRONG_VERBS or glued(t)), None)
    if verb is None and named is not None and not any(w.text in HELP_FLAGS for w in inv.args):
        verb = inv.name  # `kafka-delete-records …`, `lvremove vg/x`: the program is named for what it does
    if verb is None:
        return None
    return Effect.make(Kind.EXEC_MUTATE, f"{inv.name} {verb}",
                       f"runs a program agentguard does not model, with the verb {verb!r}",
                       source=inv.source)  # fmt: skip


def unmodelled_list(inv: Invocation) -> list[Effect]:
    found = unmodelled(inv)
    return [found] if found is not None else []
