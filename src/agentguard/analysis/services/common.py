"""One table-driven reading for hosted-service CLIs (gh, heroku, vercel, vault, restic…).

These CLIs share a shape: a verb path (`gh release delete`, `heroku apps:destroy`, `vault kv metadata delete`)
then operands, with the account, app or repository given by an option or an environment variable. A tool is
described by a `Tool` record: which options take a value, how many words form the verb path, which options
and variables name where it happens, and a table of verb paths whose kind is not what the verb says.
Without a table entry the verb decides: a destroying verb (delete, destroy, rm, purge…) is
`service.destroy`, a reading verb (list, view, logs…) is a read, anything else is an ordinary `cloud.write`.
An operand of a destroying command that is computed at run time is an unknown effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from agentguard.analysis.infra.cli import Parsed, effect, env_of, parse, unknown_words
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

DESTROY_VERBS = frozenset(
    """delete destroy remove rm del purge prune drop wipe reset unset revoke forget rb erase uninstall
    deregister delete-asset delete-all destroy-all remove-all""".split()
)
READ_VERBS = frozenset(
    """list ls get view show status info logs log describe inspect whoami version help diff search cat stats
    history check verify tail read lookup members catalog find du stat tree head print snapshots browse
    checks watch ping capabilities audit-list current get-contexts""".split()
)

ACTION_VERBS = frozenset(
    """create set put add update edit merge clone restore cancel checkout deploy close reopen apply import push
    pull trigger enable disable rename sync fork archive comment review approve rerun upload scale write patch
    install""".split()
)

Table = Mapping[tuple[str, ...], tuple[Kind, str]]


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    valued: frozenset[str] = frozenset()
    depth: int = 2  # positional words that form the verb path
    colon: bool = False  # heroku-style `topic:verb` names
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # context key -> options
    env: Mapping[str, str] = field(default_factory=dict)  # context key -> environment variable
    table: Table = field(default_factory=dict)
    destroy_kind: Kind = Kind.SERVICE_DESTROY
    flags: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # flag -> (context key, value)
    destroys: frozenset[str] = frozenset()  # this tool's own destroying verbs (stripe's cancel, void)
    go_flags: bool = False  # `-address=x`, `-recurse`: single-dash long options, never letter clusters


@dataclass(frozen=True, slots=True)
class Reading:
    """What `read` made of a command line: the parse, the verb path, the operands and the context."""

    parsed: Parsed
    verbs: tuple[str, ...]
    operands: tuple[str, ...]
    context: dict[str, str | None]


def read(tool: Tool, inv: Invocation) -> Reading:
    p = parse(inv.args, tool.valued, optional_value=("--dry-run",), clusters=not tool.go_flags)
    words = p.words
    verbs = tuple(words[0].split(":")) if tool.colon and words else tuple(words[: tool.depth])
    consumed = 1 if tool.colon and words else len(verbs)
    context: dict[str, str | None] = {}
    for key, names in tool.context.items():
        context[key] = p.opt(*names) or context.get(key)
    for key, var in tool.env.items():
        context[key] = context.get(key) or env_of(inv, var)
    for flag, (key, value) in tool.flags.items():
        if p.flag(flag):
            context[key] = value
    return Reading(p, verbs, tuple(words[consumed:]), context)


def classify(tool: Tool, verbs: tuple[str, ...]) -> tuple[Kind, str]:
    """The table's entry for the longest prefix of the verb path, unless a destroying verb follows that prefix
    (a `("secrets",)` entry must not make `secrets delete` a read); else what the verbs say."""
    for length in range(len(verbs), 0, -1):
        found = tool.table.get(verbs[:length])
        if found is not None and not any(v in DESTROY_VERBS or v in tool.destroys for v in verbs[length:]):
            return found
        if found is not None:
            break
    said = f"{tool.name} {' '.join(verbs) if not tool.colon else ':'.join(verbs)}".strip()
    if any(v in DESTROY_VERBS or v in tool.destroys for v in verbs):
        return tool.destroy_kind, f"{said} deletes"
    if not verbs or any(v in READ_VERBS for v in verbs) or (tool.colon and len(verbs) == 1):
        return Kind.READ, said  # a bare heroku-style topic (`heroku apps`) lists
    return Kind.CLOUD_WRITE, said


def analyse(tool: Tool, inv: Invocation, noun: str = "", reading: Reading | None = None) -> list[Effect]:
    """Effects of a plain verb-path command: one effect naming the resource and where it is."""
    r = reading or read(tool, inv)
    if r.parsed.positionals and not r.parsed.positionals[0].known:
        return unknown_words(r.parsed.positionals[:1], f"the {tool.name} sub-command", inv)
    kind, detail = classify(tool, r.verbs)
    if kind.destructive and r.parsed.dry_run():
        return [effect(Kind.READ, target(tool, r, noun), f"dry run: {detail}", inv, r.context)]
    if kind.destructive:
        named = [w for w in r.parsed.positionals[1:]] + [w for _, w in r.parsed.options if w is not None]
        bad = unknown_words(named, f"what {tool.name} {' '.join(r.verbs)} deletes", inv)
        if bad:
            return bad
    return [effect(kind, target(tool, r, noun), detail, inv, r.context)]


def target(tool: Tool, r: Reading, noun: str = "") -> str:
    """`release v1.2 (repo o/r)`: the resource named by the verb path's noun and the operands, and where."""
    verbs = DESTROY_VERBS | READ_VERBS | ACTION_VERBS | tool.destroys
    nouns = [v for v in r.verbs if v not in verbs]
    what = noun or " ".join(nouns) or tool.name
    names = " ".join(r.operands)
    where = ", ".join(f"{k} {v}" for k, v in r.context.items() if v and v not in r.operands)
    return f"{what} {names}".strip() + (f" ({where})" if where else "")


def without(words: list[Word], options: tuple[str, ...]) -> list[Word]:
    """Drop the CLI's own `-a app` options from the inner command (heroku reads them anywhere before `--`)."""
    out: list[Word] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.text in options:
            skip = True
        elif not any(word.text.startswith(o + "=") for o in options if o.startswith("--")):
            out.append(word)
    return out


def command_after(inv: Invocation, verb: str, valued: frozenset[str]) -> list[Word]:
    """The command a `run`-style verb executes: the words after `verb`, less the CLI's own leading options."""
    args = list(inv.args)
    i = next((n for n, w in enumerate(args) if w.text == verb), len(args)) + 1
    while i < len(args) and args[i].text.startswith("-") and args[i].text != "--":
        i += 2 if args[i].text in valued else 1
    if i < len(args) and args[i].text == "--":
        i += 1
    return args[i:]


def sql_effects(
    inv: Invocation, ctx: Context, r: Reading, command: Word | None, file: Word | None, dialect: str, database: str
) -> list[Effect]:
    """SQL given inline, in a file or on stdin, judged by the SQL analyser."""
    bad = unknown_words([command, file], "the SQL", inv)
    if bad:
        return bad
    text = command.text if command else (ctx.read_text(file.text, inv.cwd) if file else inv.stdin.text)
    if text is None:
        if command is None and file is None and inv.stdin.origin == "none":
            return [effect(Kind.EXEC_PROGRAM, database, "opens an interactive SQL shell", inv, r.context)]
        return [Effect.unknown(f"SQL for {database} is not known before it runs", inv.source)]
    from agentguard.analysis.sql import effects_of_sql

    context = {k: v for k, v in r.context.items() if v}
    return effects_of_sql(text, dialect=dialect, target=database, context=context, source=inv.source)
