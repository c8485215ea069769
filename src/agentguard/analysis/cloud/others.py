"""The hook of the doctl, oci, ibmcloud, linode-cli and hcloud specs: `tool group… verb [names] [--options]`.

They share one reading, driven by each spec's data (spec/programs/cloud.toml: grammar, context, hook_args):
the first word (after the top group) with a verb in it is the command (`delete`, `instance-delete`,
`bulk-delete`, `rm`…, a destroying verb first), resource names follow it or come from `--…-id`/`--…-name`
options, and the tool's profile (`--context`, `--profile`, `--as-user`) goes into the context. Commands
without a verb that name a plural (`ibmcloud is instances`) list.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from agentguard.analysis.cloud.common import (
    ATTRIBUTE_PARTS,
    DESTROY_PARTS,
    READ_VERBS,
    REMOTE_SHELL_VERBS,
    Args,
    Grammar,
    Scope,
    effects,
    env_word,
    joined,
    local_write,
    parse,
    read,
    remote_shell,
    unknown,
)
from agentguard.analysis.spec.engine import Reading
from agentguard.analysis.spec.model import HookArg, Program
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

WRITE_PARTS = frozenset(
    """create update set add attach detach enable disable start stop restart reboot resize
    power reset restore resume suspend upload put mb cp mv copy move assign unassign apply deploy import export
    rename tag untag protect unprotect shutdown run invoke flush""".split()
)
NAME_SUFFIXES = ("-id", "-name", "-ids", "-names")
NAME_OPTIONS = ("--id", "--name", "--bucket", "--cluster", "--instance", "--label")


@dataclass(frozen=True, slots=True)
class Cli:
    name: str
    grammar: Grammar
    profile: tuple[str, ...] = ()  # options naming the account profile / context
    profile_env: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    region_env: tuple[str, ...] = ()
    local: frozenset[str] = frozenset()  # first words that only sign in or change local settings
    aliases: Mapping[str, str] = field(default_factory=dict)  # verb aliases (`doctl … d` is delete)
    remote_command: str | None = None  # option holding the command an `ssh` verb runs
    downloads: tuple[str, ...] = ()  # options of read verbs that name a local file written


def _parts(text: str) -> list[str]:
    return [p for p in re.split(r"[-_]", text.lower()) if p]


def _destroys(parts: list[str]) -> bool:
    hit = any(p in DESTROY_PARTS for p in parts)
    return hit and not (parts[0] in ("remove", "rm") and any(p in ATTRIBUTE_PARTS for p in parts))


def _find_verb(path: list[Word], aliases: Mapping[str, str]) -> tuple[int, str] | None:
    """Where the command's verb is (a destroying one first) and what it is after aliases."""
    start = 0 if len(path) == 1 else 1
    words = [(i, aliases.get(w.text, w.text)) for i, w in enumerate(path) if i >= start and w.known]
    first = next(((i, t) for i, t in words if _is_verb(t) or _destroys(_parts(t))), None)
    if first is not None and first[1] in REMOTE_SHELL_VERBS:  # what follows is the remote command, not a verb
        return first
    return next(((i, t) for i, t in words if _destroys(_parts(t))), None) or first


def _is_verb(text: str) -> bool:
    return text in REMOTE_SHELL_VERBS or any(p in READ_VERBS or p in WRITE_PARTS for p in _parts(text))


def _noun(verb: str) -> str:
    """`service-instance-delete` acts on a `service-instance`."""
    verbs = DESTROY_PARTS | READ_VERBS | WRITE_PARTS
    return "-".join(p for p in _parts(verb) if p not in verbs and p not in ("batch", "bulk"))


def _kind(verb: str, last: str) -> Kind:
    parts = _parts(verb)
    if _destroys(parts):
        return Kind.CLOUD_DESTROY
    if parts and (parts[0] in READ_VERBS or parts[-1] in READ_VERBS) and not any(p in WRITE_PARTS for p in parts):
        return Kind.READ
    if not verb and last.endswith("s"):  # `ibmcloud is instances`: a plural with no verb lists
        return Kind.READ
    return Kind.CLOUD_WRITE


def run(cli: Cli, inv: Invocation, ctx: Context) -> list[Effect]:
    args = parse(inv.args, cli.grammar)
    scope = _scope(cli, inv, ctx, args)
    path = list(args.positional)
    if not path or args.given("--help", "-h", "--version") or path[0].text in ("help", "version"):
        return read(inv, cli.name, "shows help or version", scope)
    if path[0].known and path[0].text in cli.local:
        detail = f"{cli.name} {joined(path[:2]).replace(',', ' ')} (sign-in or local settings)"
        return [Effect.make(Kind.EXEC_PROGRAM, cli.name, detail, source=inv.source, context=dict(scope.context))]
    found = _find_verb(path, cli.aliases)
    end = found[0] if found else len(path)
    unresolved = next((w for w in path[: end + 1] if not w.known), None)
    if unresolved is not None:
        return unknown(inv, f"{cli.name} command only known at run time ({unresolved.why})")
    at, verb = found if found else (len(path), "")
    groups, names = [w.text for w in path[:at]], path[at + 1 :]
    detail = f"{cli.name} {' '.join(groups)} {path[at].text if found else ''}".strip()
    where = " ".join([*groups, _noun(verb)]).strip()
    if verb in REMOTE_SHELL_VERBS:
        command = args.value(cli.remote_command) if cli.remote_command else None
        if command is None and len(names) > 1:
            command = Word(" ".join(w.text for w in names[1:]), all(w.known for w in names[1:]))
        return remote_shell(inv, ctx, f"{' '.join(groups)} {names[0].text if names else '?'}", command, scope)
    kubeconfig = any("kubeconfig" in g for g in [*groups, verb]) or [w.text for w in path[-2:]] == ["cluster", "config"]
    if kubeconfig and verb not in ("show", "view", "kubeconfig-view"):
        path_word = args.value("--file", "--kubeconfig") or Word(os.path.join(ctx.home, ".kube", "config"))
        return local_write(inv, ctx, path_word, f"{detail} writes kubectl credentials")
    kind = _kind(verb, where)
    download = args.value(*cli.downloads) if cli.downloads and kind == Kind.READ else None
    if download is not None:  # `oci os object get --file out`: the response lands in a local file
        return [*read(inv, where, detail, scope), *local_write(inv, ctx, download, f"{detail} downloads here")]
    operands = tuple(names) or _name_options(args)
    target = f"{where} {joined(operands)}".strip() if operands else where or cli.name
    return effects(inv, kind, [target], detail, scope, operands=operands, args=args)


def _name_options(args: Args) -> tuple[Word, ...]:
    found = args.values(*NAME_OPTIONS)
    if found:
        return found
    return next((v for n, v in args.options if n.endswith(NAME_SUFFIXES) and v), ())


def _scope(cli: Cli, inv: Invocation, ctx: Context, args: Args) -> Scope:
    scope = Scope().with_("profile", args.value(*cli.profile) or env_word(inv, ctx, *cli.profile_env))
    return scope.with_("region", args.value(*cli.region) or env_word(inv, ctx, *cli.region_env))


def run_spec(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect]:
    """The hook of the doctl, oci, ibmcloud, linode-cli and hcloud specs (spec/programs/cloud.toml)."""
    return run(_cli(program), inv, ctx)


def _cli(program: Program) -> Cli:
    """The verb-search settings of a spec: its grammar and context from the spec, the rest from hook_args."""
    args = program.hook_args
    grammar = Grammar(
        valued=program.valued,
        flags=frozenset(_words(args, "switches")),
        aliases=_pairs(args, "option_aliases"),
        greedy=args.get("greedy") is True,
    )
    env = program.env
    return Cli(
        name=program.name,
        grammar=grammar,
        profile=program.context.get("profile", ()),
        profile_env=(env["profile"],) if "profile" in env else (),
        region=program.context.get("region", ()),
        region_env=(env["region"],) if "region" in env else (),
        local=frozenset(_words(args, "local")),
        aliases=_pairs(args, "verb_aliases"),
        remote_command=next(iter(_words(args, "remote_command")), None),
        downloads=_words(args, "downloads"),
    )


def _words(args: Mapping[str, HookArg], key: str) -> tuple[str, ...]:
    value = args.get(key)
    return tuple(value.split()) if isinstance(value, str) else ()


def _pairs(args: Mapping[str, HookArg], key: str) -> dict[str, str]:
    value = args.get(key)
    return dict(value) if isinstance(value, Mapping) else {}
