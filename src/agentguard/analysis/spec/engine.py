"""One reading for every program spec: parse the arguments, find the verb path, name where it acts, judge it.

`read` splits a command line by the spec's grammar (which options take a value, how many words form the verb
path, which options and variables are context). `classify` takes the spec's entry for the longest prefix of
the verb path, unless a destroying verb follows that prefix (a `secrets` entry must not make `secrets delete` a
read); without an entry the shared vocabulary decides. `analyse` turns that into one effect naming the resource
and where it is, and fails closed on a run-time value in the verb or in what a destroying call names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from agentguard.analysis.infra.cli import Parsed, effect, env_of, parse, unknown_words
from agentguard.analysis.spec.model import Entry, Program
from agentguard.analysis.spec.vocabulary import ACTION_VERBS, DEPLOY_VERBS, DESTROY_VERBS, READ_VERBS, destroys, reads
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind


@dataclass(frozen=True, slots=True)
class Reading:
    """What `read` made of a command line: the parse, the verb path, the operands and the context."""

    parsed: Parsed
    verbs: tuple[str, ...]
    operands: tuple[str, ...]
    context: dict[str, str | None]


# A hook sees the reading first; None hands the command back to the generic reading.
Hook = Callable[[Program, Invocation, Context, Reading], list[Effect] | None]


def read(program: Program, inv: Invocation) -> Reading:
    p = parse(inv.args, program.valued, optional_value=("--dry-run",), clusters=not program.go_flags)
    words = p.words
    verbs = tuple(words[0].split(":")) if program.colon and words else tuple(words[: program.depth])
    consumed = 1 if program.colon and words else len(verbs)
    while not program.colon and consumed < len(words) and not any(_verb(program, v) for v in verbs):
        if not destroying(program, words[consumed]):
            break
        verbs, consumed = (*verbs, words[consumed]), consumed + 1  # `consul acl token delete`: nouns, then the verb
    if program.option_verbs:  # `dscl . -delete /Users/x`, `plutil -remove key f`: the verb is an option
        # An option taking a value is a parameter (`-u nginx`), unless its name destroys (`--delete-config x`).
        named = (name for name, _ in p.options if name not in program.valued or destroying(program, name.lstrip("-")))
        verbs += tuple(name.lstrip("-") for name in named)
    context: dict[str, str | None] = {}
    for key, names in program.context.items():
        context[key] = p.opt(*names) or context.get(key)
    for key, var in program.env.items():
        context[key] = context.get(key) or env_of(inv, var)
    for flag, (key, value) in program.flags.items():
        if p.flag(flag):
            context[key] = value
    return Reading(p, verbs, tuple(words[consumed:]), context)


def _verb(program: Program, word: str) -> bool:
    """A word of the vocabulary (or the program's own destroying verbs), not a noun or a name."""
    return destroying(program, word) or reads(word) or word in ACTION_VERBS or word in DEPLOY_VERBS


def destroying(program: Program, verb: str) -> bool:
    return destroys(verb) or verb in program.destroys


def entry_for(program: Program, verbs: tuple[str, ...]) -> Entry | None:
    """The entry for the longest prefix of the verb path, unless a destroying verb follows that prefix."""
    for length in range(len(verbs), 0, -1):
        found = program.entries.get(verbs[:length])
        if found is not None:
            return None if any(destroying(program, v) for v in verbs[length:]) else found
    return None


def classify(program: Program, verbs: tuple[str, ...]) -> tuple[Kind, str]:
    found = entry_for(program, verbs)
    if found is not None:
        return found.kind, found.detail
    said = f"{program.name} {' '.join(verbs) if not program.colon else ':'.join(verbs)}".strip()
    if any(destroying(program, v) for v in verbs):
        return program.destroy_kind, f"{said} deletes"
    if not verbs or any(reads(v) for v in verbs) or (program.colon and len(verbs) == 1):
        return Kind.READ, said  # a bare heroku-style topic (`heroku apps`) lists
    if any(v in DEPLOY_VERBS for v in verbs):
        return Kind.CLOUD_DEPLOY, f"{said} deploys"
    return program.default_kind, said


def explain(program: Program, inv: Invocation) -> str:
    """Which part of the spec decided: the entry, or the vocabulary word."""
    verbs = read(program, inv).verbs
    found = entry_for(program, verbs)
    where = f"spec {program.family}.toml [program.{program.name}]"
    if program.hook is not None:
        where = f"{where} (its hook {program.hook} may decide first)"
    if found is not None:
        return f"{where} commands {' '.join(found.path)!r}"
    word = next((v for v in verbs if destroying(program, v)), None)
    word = word or next((v for v in verbs if reads(v)), None)
    return f"{where} verb vocabulary ({word!r})" if word else f"{where} default (ordinary write)"


def analyse(program: Program, inv: Invocation, noun: str = "", reading: Reading | None = None) -> list[Effect]:
    """Effects of a plain verb-path command: one effect naming the resource and where it is."""
    r = reading or read(program, inv)
    if r.parsed.positionals and not r.parsed.positionals[0].known:
        return unknown_words(r.parsed.positionals[:1], f"the {program.name} sub-command", inv)
    kind, detail = classify(program, r.verbs)
    if kind.destructive and r.parsed.dry_run():
        return [effect(Kind.READ, target(program, r, noun), f"dry run: {detail}", inv, r.context)]
    if kind.destructive:
        named = [w for w in r.parsed.positionals[1:]] + [w for _, w in r.parsed.options if w is not None]
        bad = unknown_words(named, f"what {program.name} {' '.join(r.verbs)} deletes", inv)
        if bad:
            return bad
    return [effect(kind, target(program, r, noun), detail, inv, r.context)]


def target(program: Program, r: Reading, noun: str = "") -> str:
    """`release v1.2 (repo o/r)`: the resource named by the verb path's noun and the operands, and where."""
    verbs = DESTROY_VERBS | READ_VERBS | ACTION_VERBS | program.destroys
    nouns = [v for v in r.verbs if v not in verbs]
    what = noun or " ".join(nouns) or program.name
    names = " ".join(r.operands)
    where = ", ".join(f"{k} {v}" for k, v in r.context.items() if v and v not in r.operands)
    return f"{what} {names}".strip() + (f" ({where})" if where else "")


def run(program: Program, inv: Invocation, ctx: Context) -> list[Effect]:
    """The program's hook first (if it has one and it claims the command), then the generic reading."""
    r = read(program, inv)
    if any(name == "--help" for name, _ in r.parsed.options):  # `tool x delete --help` prints, deletes nothing
        return [effect(Kind.READ, program.name, " ".join([program.name, *r.verbs, "--help"]), inv, {})]
    if program.hook is not None:
        done = _hook(program.hook)(program, inv, ctx, r)
        if done is not None:
            return done
    return analyse(program, inv, reading=r)


def _hook(name: str) -> Hook:
    module, _, function = name.partition(":")
    found: Hook = getattr(importlib.import_module(module), function)
    return found
