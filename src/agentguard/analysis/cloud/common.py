"""What the cloud CLIs share: option parsing, verb classes, the account/profile scope, effect building.

Every cloud CLI is `tool [globals] group… verb [operands] [--options]`. The verb decides the kind (a data table,
not code), the scope (profile, region, project, subscription…) goes into the effect's context so a policy can
single out production, and whatever is only known at run time becomes an explicit unknown effect where it
matters: in the target or scope of a destructive call, or as a word that might expand into options.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

# A verb (or the first dash-separated part of one, `describe-instances`) that only reads.
READ_VERBS = frozenset(
    """describe list ls la lsd lsl lsf lsjson get head show view info inspect status search find query scan select
    cat stat du tail logs log read wait help version whoami lookup check validate exists print browse count size
    diff explain tree preview estimate simulate verify detect filter decode generate sign signurl presign""".split()
)
# A part of a verb that destroys (`delete-bucket`, `instance-delete`, `bulk-delete`).
DESTROY_PARTS = frozenset(
    """delete del rm rmdir rmdirs remove destroy purge terminate deregister rb drop wipe erase truncate expunge
    rebuild reimage deletefile decommission undeploy invalidation invalidate""".split()
)
# Removing these from a resource changes it without destroying anything (`remove-tags`, `remove-iam-policy-binding`).
ATTRIBUTE_PARTS = frozenset({"tag", "tags", "label", "labels", "iam", "binding", "bindings", "metadata"})
# Running commands on remote machines: their text, when known, is analysed as shell code.
REMOTE_SHELL_VERBS = frozenset({"ssh", "send-command", "execute-command", "start-session", "run-command"})
# Options with which aws prints a template instead of calling anything.
SKELETON_OPTIONS = frozenset({"--generate-cli-skeleton", "--generate-full-command-json-input",
                              "--generate-param-json-input"})  # fmt: skip


def verb_kind(verb: str) -> Kind:
    """READ, CLOUD_DESTROY or CLOUD_WRITE for one verb: unrecognised verbs are writes (mutating, allowed)."""
    parts = [p for p in re.split(r"[-_]", verb.lower()) if p]
    if not parts:
        return Kind.CLOUD_WRITE
    first = parts[1] if parts[0] in ("batch", "bulk") and len(parts) > 1 else parts[0]
    if verb.lower() in READ_VERBS or first in READ_VERBS:
        return Kind.READ
    if any(p in DESTROY_PARTS for p in parts):
        attribute_only = parts[0] in ("remove", "rm") and any(p in ATTRIBUTE_PARTS for p in parts)
        return Kind.CLOUD_WRITE if attribute_only else Kind.CLOUD_DESTROY
    return Kind.CLOUD_WRITE


# ---- options --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Grammar:
    """How one CLI spells options. Unknown long options take the next word (`--zone us-east1`) unless it looks
    like an option, or (`unknown_valued=False`) unless they start with one of `valued_prefixes`; with `greedy`
    (aws, az, oci) they take every word up to the next option (`--ids a b`)."""

    valued: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)
    greedy: bool = False
    unknown_valued: bool = True
    valued_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Args:
    positional: tuple[Word, ...]
    options: tuple[tuple[str, tuple[Word, ...]], ...]
    loose: tuple[Word, ...]  # unquoted expansions only known at run time: may turn into several words or options

    def values(self, *names: str) -> tuple[Word, ...]:
        return tuple(v for name, vals in self.options if name in names for v in vals)

    def value(self, *names: str) -> Word | None:
        found = self.values(*names)
        return found[0] if found else None

    def text(self, *names: str) -> str | None:
        word = self.value(*names)
        return word.text if word is not None else None

    def given(self, *names: str) -> bool:
        """Exactly one of `names` is among the options (no bundled short flags): for help, whose false positive
        would let a call pass as a read."""
        return any(name in names for name, _ in self.options)

    def enabled(self, name: str, *shorts: str) -> bool:
        """A boolean flag that is on at the end of the line: `--dry-run=false` and a later `--no-dry-run` turn it
        off (a dry run must be certain before a call is taken for a read). Short spellings may be bundled."""
        letters = {s[1] for s in shorts}
        state = False
        for option, values in self.options:
            if option == name:
                state = not values or (values[0].known and values[0].text.lower() in ("true", "1", "yes"))
            elif option == "--no-" + name.removeprefix("--"):
                state = False
            elif not option.startswith("--") and letters & set(option[1:]):
                state = True
        return state

    def has(self, *names: str) -> bool:
        shorts = {n[1] for n in names if len(n) == 2 and n[0] == "-"}
        for name, _ in self.options:
            if name in names or (shorts and not name.startswith("--") and shorts & set(name[1:])):
                return True
        return False

    def option_words(self) -> tuple[Word, ...]:
        return tuple(v for _, vals in self.options for v in vals)


def is_option(word: Word) -> bool:
    text = word.text
    return len(text) > 1 and text[0] == "-" and not text[1:].replace(".", "").isdigit()


def parse(words: Sequence[Word], grammar: Grammar) -> Args:
    positional: list[Word] = []
    options: list[tuple[str, tuple[Word, ...]]] = []
    loose: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word.text == "--" and word.known:
            positional.extend(words[i:])
            break
        if not word.known and word.text[:1] in "$`":
            loose.append(word)
        if not is_option(word):
            positional.append(word)
            continue
        name, eq, value = word.text.partition("=") if word.text.startswith("--") else (word.text, "", "")
        name = grammar.aliases.get(name, name)
        if eq:
            options.append((name, (Word(value, word.known, word.why),)))
            continue
        taken = _values_taken(name, words[i:], grammar)
        options.append((name, tuple(words[i : i + taken])))
        i += taken
    return Args(tuple(positional), tuple(options), tuple(loose))


def _values_taken(name: str, rest: Sequence[Word], grammar: Grammar) -> int:
    if name in grammar.flags or name.startswith("--no-") or not rest:
        return 0
    if name in grammar.valued:
        return 1
    if not name.startswith("--") or is_option(rest[0]):
        return 0
    if not grammar.unknown_valued and not name.startswith(grammar.valued_prefixes):
        return 0
    if not grammar.greedy:
        return 1
    count = 0
    while count < len(rest) and not is_option(rest[count]):
        count += 1
    return count


# ---- scope (the context of an effect) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a call acts: context entries, plus the entries whose value is only known at run time."""

    context: tuple[tuple[str, str], ...] = ()
    unknown: tuple[str, ...] = ()

    def with_(self, key: str, word: Word | str | None) -> Scope:
        """This scope with `key` set (a later setting wins), unless `word` is None or empty."""
        if word is None or word == "":
            return self
        if isinstance(word, Word) and not word.known:
            return Scope(self.context, (*self.unknown, f"{key} ({word.why or word.text})"))
        text = word.text if isinstance(word, Word) else word
        kept = tuple((k, v) for k, v in self.context if k != key)
        return Scope((*kept, (key, text)), tuple(u for u in self.unknown if not u.startswith(key + " ")))


def env_word(inv: Invocation, ctx: Context, *names: str) -> Word | None:
    """The value of the first environment variable among `names` set on this command line: a `VAR=x cmd` prefix
    first, then an earlier `export VAR=x` the walker tracked. None when it is not set there."""
    for name in names:
        for key, value in reversed(inv.assignments):
            if key == name:
                return Word(value) if value else Word(f"${name}", known=False, why=f"${name} is set at run time")
    variables = getattr(ctx, "variables", None)
    if isinstance(variables, Mapping):
        for name in names:
            if name in variables:
                value = variables[name]
                return Word(value) if value else Word(f"${name}", known=False, why=f"${name} is set at run time")
    return None


# ---- effects --------------------------------------------------------------------------------------------


# Options that switch off what stands between a resource and its loss (Replit: remove the safety, then the data).
SAFEGUARD_OFF = frozenset({
    "--no-deletion-protection", "--deletion-protection=false", "--no-backup", "--no-enable-backup",
    "--no-disable-api-termination", "--no-enable-termination-protection", "--no-enable-deletion-protection",
    "--enable-purge-protection=false", "--no-enable-point-in-time-recovery", "--backup-retention-period=0",
    "--retention-days=0", "Status=Suspended",
})  # fmt: skip


def safeguard_off(args: Sequence[Word]) -> str | None:
    """The option, if any, that turns a resource's protection off (`--backup-retention-period 0` too)."""
    texts = [w.text for w in args]
    for i, text in enumerate(texts):
        joined = f"{text}={texts[i + 1]}" if i + 1 < len(texts) and not texts[i + 1].startswith("-") else text
        for candidate in (text, joined, text.split(",")[0]):
            if candidate in SAFEGUARD_OFF or candidate.lower() in SAFEGUARD_OFF:
                return candidate
    return None


def effects(
    inv: Invocation,
    kind: Kind,
    targets: Sequence[str],
    detail: str,
    scope: Scope,
    *,
    operands: Collection[Word] = (),
    args: Args | None = None,
) -> list[Effect]:
    """One effect per target, plus unknown effects for what a policy would need but cannot see: an operand or
    the scope of a destructive call, or a word that could expand into options of any mutating call."""
    context = dict(scope.context)
    if kind == Kind.CLOUD_WRITE and (switched := safeguard_off(inv.args)) is not None:
        kind, detail = Kind.CLOUD_DESTROY, f"{detail}, turning a safeguard off ({switched})"
    out = [Effect.make(kind, t, detail, source=inv.source, context=context) for t in targets or ["?"]]
    if kind.destructive:
        for word in operands:
            if not word.known:
                out.append(Effect.unknown(f"{detail}: target not known ({word.why or word.text})", inv.source))
        for entry in scope.unknown:
            out.append(Effect.unknown(f"{detail}: cannot tell if this is production: {entry}", inv.source))
    if kind != Kind.READ and args is not None:
        for word in args.loose:
            if word not in operands or not kind.destructive:
                out.append(Effect.unknown(f"{word.text} may expand to more options ({word.why})", inv.source))
    return out


def read(inv: Invocation, target: str, detail: str, scope: Scope = Scope()) -> list[Effect]:
    return [Effect.make(Kind.READ, target, detail, source=inv.source, context=dict(scope.context))]


def unknown(inv: Invocation, reason: str) -> list[Effect]:
    return [Effect.unknown(reason, inv.source)]


def first_unknown(words: Iterable[Word]) -> Word | None:
    return next((w for w in words if not w.known), None)


def joined(words: Iterable[Word]) -> str:
    return ",".join(w.text for w in words)


def remote_shell(inv: Invocation, ctx: Context, host: str, command: Word | None, scope: Scope) -> list[Effect]:
    """ssh-like calls: a program on another machine. Its command, when given and known, is analysed as shell
    code (paths then read as local ones: a stricter view than the truth, never a laxer one)."""
    base = Effect.make(Kind.EXEC_PROGRAM, host, "runs commands on a remote machine", source=inv.source,
                       context=dict(scope.context))  # fmt: skip
    if command is None:
        return [base]
    if not command.known:
        return [base, *unknown(inv, f"the remote command is not known ({command.why})")]
    # The remote effects happen where the call points: under a production profile they are production's.
    inner = ctx.shell(command.text, inv)
    return [
        base,
        *(replace(e, context=tuple(sorted({**dict(scope.context), **dict(e.context)}.items()))) for e in inner),
    ]


def local_write(inv: Invocation, ctx: Context, word: Word, detail: str, *, recursive: bool = False) -> list[Effect]:
    """A download onto a local path: an overwrite when something is there already, else a new file."""
    if word.text == "-":
        return [Effect.make(Kind.READ, "standard output", "prints to standard output", source=inv.source)]
    found = ctx.targets(word, inv.cwd)
    kind = Kind.FILE_OVERWRITE if found and any(t.exists for t in found) else Kind.FILE_WRITE
    return ctx.file_effects(kind, word, inv, detail, recursive=recursive)


def local_delete(inv: Invocation, ctx: Context, word: Word, detail: str) -> list[Effect]:
    return ctx.file_effects(Kind.FILE_DELETE, word, inv, detail, recursive=True)
