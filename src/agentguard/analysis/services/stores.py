"""Secret stores, queues, payments and object stores: vault, consul, doppler, kafka-topics, stripe, s5cmd
and the hook of mc (MinIO client; `mc` with no MinIO verb is Midnight Commander, a file manager).

Deleting secrets, keys, topics, objects and buckets is `service.destroy` (backups are in backups.py).
"""

from __future__ import annotations

import re
import shlex

from agentguard.analysis.infra.cli import effect, env_of, parse, unknown_words, with_context
from agentguard.analysis.infra.inside import relocate
from agentguard.analysis.services.common import command_after
from agentguard.analysis.spec.engine import Reading, analyse, target
from agentguard.analysis.spec.model import Program
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

W, R, D = Kind.CLOUD_WRITE, Kind.READ, Kind.SERVICE_DESTROY
BUILD, X = Kind.EXEC_BUILD, Kind.EXEC_PROGRAM


def consul(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs[:1] == ("exec",):
        words = command_after(inv, "exec", program.valued)
        if words:
            return relocate(ctx.run(inv.with_words(words)), "consul nodes", destroy_kind=D, context=r.context)
    if r.verbs[:1] == ("lock",):
        words = command_after(inv, "lock", program.valued)[1:]
        return with_context(ctx.run(inv.with_words(words)), r.context) if words else []
    effects = analyse(program, inv, reading=r)
    if r.verbs[:2] == ("kv", "delete") and r.parsed.flag("-recurse"):
        prefix = " ".join(r.operands) or "(every key)"
        return [
            effect(D, f"consul keys under {prefix}", "consul kv delete -recurse", inv, r.context) if e.kind == D else e
            for e in effects
        ]
    return effects


def doppler(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs[:1] == ("run",):
        command = r.parsed.opt_word("--command")
        if command is not None:
            return unknown_words([command], "the command", inv) or with_context(ctx.shell(command.text, inv), r.context)
        words = command_after(inv, "run", program.valued)
        if words:
            return with_context(ctx.run(inv.with_words(words)), r.context)
    return None


def stripe(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    key = r.parsed.opt("--api-key") or ""
    if key.startswith(("sk_live", "rk_live")):
        r.context["env"] = "production"
    if r.verbs[:1] == ("delete",):
        return [
            effect(D, f"stripe object {' '.join(r.verbs[1:] + r.operands)}", "stripe DELETE request", inv, r.context)
        ]
    return None


def kafka_topics(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(
        inv.args,
        {
            "--bootstrap-server",
            "--zookeeper",
            "--topic",
            "--partitions",
            "--replication-factor",
            "--config",
            "--command-config",
            "--delete-config",
            "--replica-assignment",
        },
    )
    env = {"host": p.opt("--bootstrap-server", "--zookeeper")}
    topic = p.opt_word("--topic")
    pattern = topic is not None and bool(re.search(r"[*+?\[\]|^$]|\.\*", topic.text))
    shown = f"topics matching {topic.text}" if topic and pattern else f"topic {topic.text if topic else '(all)'}"
    if p.flag("--delete"):
        return unknown_words([topic], "the topic", inv) or [
            effect(D, shown, "deletes Kafka topics and their messages", inv, env)
        ]
    if p.flag("--create", "--alter"):
        return [effect(W, shown, "creates or alters a topic", inv, env)]
    return [effect(R, shown, "lists or describes topics", inv, env)]


S5CMD_READS = frozenset("ls cat du head version help".split())


def s5cmd(inv: Invocation, ctx: Context, depth: int = 0) -> list[Effect]:
    g = parse(
        inv.args,
        {
            "--endpoint-url",
            "--profile",
            "--credentials-file",
            "--numworkers",
            "-r",
            "--retry-count",
            "--log",
            "--request-payer",
        },
        stop_after=1,
    )
    env = {"profile": g.opt("--profile") or env_of(inv, "AWS_PROFILE"), "host": g.opt("--endpoint-url")}
    verb = g.verb(0)
    p = parse(
        g.rest,
        {
            "--storage-class",
            "--content-type",
            "--cache-control",
            "--expires",
            "--sse",
            "--sse-kms-key-id",
            "--acl",
            "--exclude",
            "--include",
            "--concurrency",
            "--part-size",
        },
    )
    objects = ", ".join(p.words) or "objects"
    if g.flag("--dry-run") or p.flag("--dry-run") or not verb or verb in S5CMD_READS:
        return [effect(R, objects, f"s5cmd {verb or 'help'}", inv, env)]
    if verb == "run":
        return _s5cmd_run(p.positionals, inv, ctx, env, depth)
    if verb in ("rm", "rb") or (verb == "sync" and p.flag("--delete")):
        what = "bucket " if verb == "rb" else ""
        detail = {"rm": "deletes objects", "rb": "deletes a bucket"}.get(
            verb, "sync --delete deletes objects missing from the source"
        )
        return unknown_words(p.positionals, "the objects", inv) or [effect(D, f"{what}{objects}", detail, inv, env)]
    return [effect(W, objects, f"s5cmd {verb}", inv, env)]


def _s5cmd_run(
    files: tuple[Word, ...], inv: Invocation, ctx: Context, env: dict[str, str | None], depth: int
) -> list[Effect]:
    """`s5cmd run commands.txt`: every line is an s5cmd command; read the file when it is small."""
    text = ctx.read_text(files[0].text, inv.cwd) if files and files[0].known and depth == 0 else None
    if text is None:
        return [Effect.unknown("s5cmd run: the commands come from a file or stdin agentguard cannot read", inv.source)]
    effects: list[Effect] = []
    for line in text.splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            return [Effect.unknown(f"s5cmd run: cannot parse line {line!r}", inv.source)]
        if words:
            effects += s5cmd(inv.with_words([Word("s5cmd"), *map(Word, words)]), ctx, depth + 1)
    return with_context(effects, env)


MC_VERBS = frozenset(
    """alias admin anonymous batch cp cat diff du encrypt event find get head idp ilm legalhold license ls mb
    mirror mv od ping pipe put quota rb ready replicate retention rm share sql stat support tag tree undo update
    version watch cors""".split()
)


def mc(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if not r.verbs or r.verbs[0] not in MC_VERBS:
        return [effect(X, "files", "Midnight Commander (file manager) or an unknown mc command", inv, {})]
    paths = [w for w in r.parsed.words[1:] if "/" in w and not w.startswith((".", "/", "~"))]  # alias/bucket
    r.context["host"] = paths[0].split("/", 1)[0] if paths else None
    verb = r.verbs[0]
    if verb in ("rm", "rb") or (verb == "mirror" and r.parsed.flag("--remove", "--overwrite")):
        detail = {
            "rm": "deletes objects" + (" recursively" if r.parsed.flag("--recursive", "-r") else ""),
            "rb": "deletes a bucket" + (" and everything in it" if r.parsed.flag("--force") else ""),
        }.get(verb, "mirror --remove deletes objects missing from the source")
        bad = unknown_words(r.parsed.positionals[1:], "the objects", inv)
        return bad or [effect(D, ", ".join(r.parsed.words[1:]) or "objects", detail, inv, r.context)]
    if verb in ("ls", "cat", "diff", "du", "find", "head", "stat", "tree", "ping", "ready", "version", "get", "od"):
        return [effect(R, target(program, r), f"mc {verb}", inv, r.context)]
    return None
