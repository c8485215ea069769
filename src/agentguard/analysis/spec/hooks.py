"""Hooks of the program specs in this package's own files: SQL handed to data-warehouse CLIs, goal lists
(maven) and option-spelt operations (pacman).

Each hook sees the spec's reading first and returns None to let the generic reading judge the command.
"""

from __future__ import annotations

import os

from agentguard.analysis.infra.cli import effect, with_context
from agentguard.analysis.services.common import sql_effects
from agentguard.analysis.spec.engine import Reading
from agentguard.analysis.spec.model import Program
from agentguard.analysis.spec.vocabulary import destroys, reads
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind


def bq(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """`bq query 'SQL'` (or SQL on stdin) is judged as SQL; other verbs by the vocabulary."""
    if r.verbs[:1] != ("query",):
        return None
    text = r.parsed.positionals[1] if len(r.parsed.positionals) > 1 else None
    where = f"BigQuery project {r.context.get('project') or '(default)'}"
    return sql_effects(inv, ctx, r, text, None, "bigquery", where)


def snowsql(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """`snowsql -q 'SQL'`, `-f file.sql` or SQL on stdin, judged as SQL."""
    query, file = r.parsed.opt_word("-q", "--query"), r.parsed.opt_word("-f", "--filename")
    where = f"Snowflake database {r.context.get('database') or '(default)'}"
    return sql_effects(inv, ctx, r, query, file, "snowflake", where)


def cockroach(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """`cockroach sql -e 'SQL'` (or -f, or stdin) is judged as SQL; node and cluster verbs by the vocabulary."""
    if r.verbs[:1] != ("sql",):
        return None
    query, file = r.parsed.opt_word("-e", "--execute"), r.parsed.opt_word("-f", "--file")
    where = f"CockroachDB database {r.context.get('database') or '(default)'}"
    return sql_effects(inv, ctx, r, query, file, "postgres", where)


MAVEN_PUBLISH = frozenset({"deploy", "release:perform", "deploy:deploy-file", "gpg:sign-and-deploy-file"})
MAVEN_TEST = frozenset({"test", "verify", "integration-test", "surefire:test", "checkstyle:check", "spotbugs:check"})


def maven(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """Maven goals are a list, not a verb path: publishing anywhere in it publishes."""
    goals = set(r.parsed.words)
    if goals & MAVEN_PUBLISH:
        goal = sorted(goals & MAVEN_PUBLISH)[0]
        detail = f"mvn {goal} publishes artifacts to a remote repository, which cannot be taken back"
        return [effect(Kind.SERVICE_DESTROY, "maven repository", detail, inv, r.context)]
    kind = Kind.EXEC_TEST if goals & MAVEN_TEST else Kind.EXEC_BUILD
    return [effect(kind, "maven project", f"mvn {' '.join(r.parsed.words)}".strip(), inv, r.context)]


def pacman(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """pacman's operation is its first option: -R removes, -S/-U install, -Q/-F/-Ss/-Si read."""
    ops = [name for name, _ in r.parsed.options if not name.startswith("--")]
    letters = "".join(name[1:] for name in ops)
    packages = " ".join(r.parsed.words) or "packages"
    if "R" in letters or r.parsed.flag("--remove"):
        return [effect(Kind.SERVICE_DESTROY, packages, f"{inv.name} removes packages", inv, r.context)]
    if "Q" in letters or "F" in letters or ("S" in letters and ("s" in letters or "i" in letters)):
        return [effect(Kind.READ, packages, f"{inv.name} queries packages", inv, r.context)]
    return [effect(Kind.EXEC_BUILD, packages, f"{inv.name} installs or updates packages", inv, r.context)]


# Names whose every call destroys (an alias of a program whose other names read: `rmmod` beside `modprobe`).
ALWAYS_DESTROYS = frozenset(
    "lvremove vgremove pvremove lvreduce vgreduce blkdiscard rmmod deluser delgroup nsupdate".split()
)


def always_destroys(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """lvremove, blkdiscard, rmmod, deluser…: no verb to read, the name is the verb (help aside)."""
    if inv.name not in ALWAYS_DESTROYS:
        return None
    if r.parsed.flag("--help", "-h", "--version", "-V"):
        return [effect(Kind.READ, inv.name, "prints help", inv, r.context)]
    names = " ".join(r.parsed.words) or "(none named)"
    return [effect(program.destroy_kind, names, f"{inv.name} destroys what it names", inv, r.context)]


def gradle(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """Gradle tasks are a list: a publish task anywhere publishes (to the local Maven cache excepted)."""
    tasks = [t.rsplit(":", 1)[-1] for t in r.parsed.words]
    published = [t for t in tasks if t.startswith(("publish", "upload")) and not t.endswith("MavenLocal")]
    if published:
        detail = f"gradle {published[0]} publishes artifacts to a remote repository, which cannot be taken back"
        return [effect(Kind.SERVICE_DESTROY, "gradle repository", detail, inv, r.context)]
    kind = Kind.EXEC_TEST if {"test", "check"} & set(tasks) else Kind.EXEC_BUILD
    return [effect(kind, "gradle project", f"gradle {' '.join(r.parsed.words)}".strip(), inv, r.context)]


def grpcurl(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """`grpcurl host svc.Service/DeleteUser`: the method name is the verb (`list`/`describe` read)."""
    method = r.parsed.words[1].rsplit("/", 1)[-1] if len(r.parsed.words) > 1 else ""
    kind = Kind.READ if not method or reads(method) or method in ("list", "describe") else Kind.CLOUD_WRITE
    if destroys(method):
        kind = program.destroy_kind
    host = r.parsed.words[0] if r.parsed.words else "?"
    return [effect(kind, f"gRPC {host} {method}".strip(), f"grpcurl calls {method or 'nothing'}", inv, r.context)]


def java(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """`java -jar jenkins-cli.jar delete-job x` is jenkins-cli: a jar named after a spec program is read as that
    program; any other Java program builds or runs code this cannot see into (as before the spec)."""
    from agentguard.analysis.spec.index import NAMES

    args = [w.text for w in inv.args]
    at = args.index("-jar") + 1 if "-jar" in args else 0
    jar = inv.args[at] if 0 < at < len(args) else None
    stem = os.path.basename(jar.text).removesuffix(".jar") if jar is not None and jar.known else ""
    if stem in NAMES and stem != inv.name:
        return ctx.run(inv.with_words([Word(stem), *inv.args[at + 1 :]]))
    return [effect(Kind.EXEC_BUILD, inv.name, "builds or installs", inv, {})]


def profile_exec(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    """`aws-vault exec prod -- aws s3 rb …`: the inner command runs under that profile, which goes into the
    context of its effects (so a production profile makes its destructive calls production's)."""
    if r.verbs[:1] != ("exec",) or not r.operands:
        return None
    profile = r.parsed.positionals[1]
    inner = list(r.parsed.rest) or list(r.parsed.positionals[2:])
    if not profile.known:
        return [Effect.unknown(f"the profile {inv.name} runs under is not known ({profile.why})", inv.source)]
    if not inner:
        return [effect(Kind.EXEC_PROGRAM, f"shell with profile {profile.text}", "opens a shell", inv, {})]
    return with_context(ctx.run(inv.with_words(inner)), {"profile": profile.text})
