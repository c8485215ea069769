"""Hosting platforms: heroku, vercel, netlify, fly, firebase, wrangler (Cloudflare), railway, render.

Deploys are ordinary cloud writes (with `env=production` when `--prod` says so); destroying apps, volumes,
databases, sites and stored data is `service.destroy`. Commands these CLIs run on the platform or with its
secrets (`heroku run`, `fly ssh console -C`, `railway run`) are analysed, and SQL given to `heroku pg:psql`
or `wrangler d1 execute` is read like any other SQL.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import effect, unknown_words, with_context
from agentguard.analysis.infra.inside import relocate, run_inside
from agentguard.analysis.services.common import command_after, sql_effects, without
from agentguard.analysis.spec.engine import Reading, target
from agentguard.analysis.spec.model import Program
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

W, R, D = Kind.CLOUD_WRITE, Kind.READ, Kind.SERVICE_DESTROY
BUILD, X = Kind.EXEC_BUILD, Kind.EXEC_PROGRAM

# vercel's own commands: any other first word is a path to deploy (`vercel ./site`).
VERCEL_COMMANDS = frozenset(
    """alias bisect build certs curl deploy dev dns domains env git help init inspect link list ls login logout
    logs project projects promote pull redeploy remove rm rollback switch teams whoami blob cache integration
    microfrontends target telemetry install mcp open api""".split()
)


def heroku(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs == ("run",) or r.verbs[:2] == ("run", "detached"):
        return _heroku_run(program, inv, ctx, r)
    if r.verbs == ("pg", "psql"):
        return sql_effects(
            inv,
            ctx,
            r,
            r.parsed.opt_word("-c", "--command"),
            r.parsed.opt_word("-f", "--file"),
            "postgres",
            f"heroku database {r.operands[0] if r.operands else 'DATABASE_URL'}",
        )
    if r.verbs == ("ps", "scale") and any(w.endswith("=0") for w in r.operands):
        return [effect(D, target(program, r, "dynos"), "scales dynos to zero: the app stops", inv, r.context)]
    return None


def _heroku_run(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect]:
    words = without(command_after(inv, "run", program.valued), ("-a", "--app", "-r", "--remote"))
    if words and words[0].text == "detached":
        words = words[1:]
    if not words:
        return [effect(X, f"dyno ({r.context.get('app') or 'app'})", "heroku run", inv, r.context)]
    where = f"a one-off dyno of {r.context.get('app') or 'the app'}"
    return [
        effect(X, where, "runs a command on the platform", inv, r.context),
        *run_inside(words, inv, ctx, where, persistent=False, context=r.context),
    ]


def vercel(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    first = r.verbs[0] if r.verbs else ""
    if not first or first == "deploy" or (first not in VERCEL_COMMANDS and r.parsed.positionals[0].known):
        return [
            effect(
                Kind.CLOUD_DEPLOY,
                f"vercel deployment{' (production)' if r.context.get('env') else ''}",
                "deploys",
                inv,
                r.context,
            )
        ]
    return None


def netlify(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs == ("api",) and r.operands:
        method = r.operands[0]
        kind = D if method.lower().startswith("delete") else R if method.lower().startswith(("get", "list")) else W
        return [effect(kind, f"netlify API {method}", f"netlify api {method}", inv, r.context)]
    return None


def fly(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs[:2] == ("ssh", "console") and r.parsed.opt_word("-C", "--command") is not None:
        command = r.parsed.opt_word("-C", "--command")
        if command is None or not command.known:
            return unknown_words([command], "the command run on the machine", inv)
        where = f"a machine of {r.context.get('app') or 'the app'}"
        moved = relocate(ctx.shell(command.text, inv), where, context=r.context, destroy_kind=D)
        return [effect(X, where, "runs a command on a machine", inv, r.context), *moved]
    if r.verbs[:2] == ("scale", "count") and r.operands[:1] == ("0",):
        return [effect(D, target(program, r, "machines"), "scales to zero machines: the app stops", inv, r.context)]
    return None


def firebase(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs == ("firestore", "delete") and r.parsed.flag("--all-collections"):
        return [
            effect(D, target(program, r, "every Firestore collection"), "deletes all Firestore data", inv, r.context)
        ]
    return None


def wrangler(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs[:2] == ("d1", "execute"):
        context = {
            **r.context,
            "database": r.verbs[2] if len(r.verbs) > 2 else None,
            "env": r.context.get("env") or ("local" if r.parsed.flag("--local") else None),
        }
        reading = Reading(r.parsed, r.verbs, r.operands, context)
        name = f"D1 database {context['database'] or '?'}"
        return sql_effects(
            inv, ctx, reading, r.parsed.opt_word("--command"), r.parsed.opt_word("--file"), "sqlite", name
        )
    return None


def railway(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    if r.verbs[:1] == ("run",):
        inner = command_after(inv, "run", program.valued)
        if inner:
            return with_context(ctx.run(inv.with_words(inner)), r.context)
    if r.verbs == ("variables",) and r.parsed.opt("--set"):
        return [effect(W, target(program, r), "sets variables", inv, r.context)]
    return None
