"""Hosting platforms: heroku, vercel, netlify, fly, firebase, wrangler (Cloudflare), railway, render.

Deploys are ordinary cloud writes (with `env=production` when `--prod` says so); destroying apps, volumes,
databases, sites and stored data is `service.destroy`. Commands these CLIs run on the platform or with its
secrets (`heroku run`, `fly ssh console -C`, `railway run`) are analysed, and SQL given to `heroku pg:psql`
or `wrangler d1 execute` is read like any other SQL.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import effect, unknown_words, with_context
from agentguard.analysis.infra.inside import relocate, run_inside
from agentguard.analysis.services.common import (
    Reading,
    Tool,
    analyse,
    command_after,
    read,
    sql_effects,
    target,
    without,
)
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

W, R, D = Kind.CLOUD_WRITE, Kind.READ, Kind.SERVICE_DESTROY
BUILD, X = Kind.EXEC_BUILD, Kind.EXEC_PROGRAM

HEROKU = Tool(
    name="heroku",
    colon=True,
    valued=frozenset(
        "-a --app -r --remote --confirm -t --team -s --space -n --num -d --dyno -e --env -x "
        "--size --type -p --process -c --command -f --file -o --output".split()
    ),
    context={"app": ("-a", "--app", "--confirm")},
    env={"app": "HEROKU_APP"},
    table={
        ("create",): (W, "creates an app"),
        ("login",): (W, "logs in"),
        ("logout",): (W, "logs out"),
        ("restart",): (W, "restarts dynos"),
        ("rollback",): (W, "rolls back a release"),
        ("open",): (R, "opens the app"),
        ("pg", "backups", "restore"): (D, "restores a backup over a database"),
        ("pg", "copy"): (D, "overwrites the target database with a copy"),
        ("pg", "push"): (D, "overwrites a remote database with a local one"),
        ("pg", "pull"): (W, "copies a remote database into a new local one"),
        ("pg", "backups", "capture"): (W, "captures a backup"),
        ("domains", "clear"): (D, "removes all domains"),
        ("redis", "cli"): (X, "opens a redis shell"),
        ("ps", "exec"): (X, "opens a shell on a dyno"),
    },
)
VERCEL = Tool(
    name="vercel",
    valued=frozenset(
        "-t --token -S --scope -T --team -A --local-config -Q --global-config --cwd -e --env -b "
        "--build-env -m --meta --regions --target --environment".split()
    ),
    context={"account": ("-S", "--scope", "-T", "--team"), "env": ("--target", "--environment")},
    flags={"--prod": ("env", "production")},
    table={
        ("pull",): (BUILD, "pulls project settings"),
        ("build",): (BUILD, "builds"),
        ("dev",): (X, "dev server"),
        ("env", "pull"): (BUILD, "writes environment variables to a local file"),
        ("open",): (R, "opens"),
    },
)
VERCEL_COMMANDS = frozenset(
    """alias bisect build certs curl deploy dev dns domains env git help init inspect link list ls login logout
    logs project projects promote pull redeploy remove rm rollback switch teams whoami blob cache integration
    microfrontends target telemetry install mcp open api""".split()
)
NETLIFY = Tool(
    name="netlify",
    colon=True,
    valued=frozenset(
        "--site --auth --context --filter -d --dir -f --functions -m --message --alias "
        "--account-slug -n --name --data".split()
    ),
    context={"app": ("--site",), "env": ("--context",)},
    flags={"--prod": ("env", "production")},
    table={
        ("deploy",): (W, "deploys"),
        ("dev",): (X, "dev server"),
        ("serve",): (X, "serves"),
        ("build",): (BUILD, "builds"),
        ("link",): (W, "links a site"),
        ("unlink",): (W, "unlinks"),
        ("init",): (W, "creates a site"),
        ("login",): (W, "logs in"),
        ("switch",): (W, "switches account"),
    },
)
FLY = Tool(
    name="fly",
    valued=frozenset(
        "-a --app -c --config -r --region -t --access-token -o --org -i --image --vm-size --count "
        "-C --command --machine --process-group --size -n --name -e --env --strategy --build-arg "
        "--dockerfile -s --select-ignored --user -u".split()
    ),
    context={"app": ("-a", "--app")},
    env={"app": "FLY_APP"},
    table={
        ("destroy",): (D, "destroys an app"),
        ("ips", "release"): (D, "releases an IP address"),
        ("deploy",): (W, "deploys"),
        ("launch",): (W, "creates an app"),
        ("proxy",): (X, "proxies a port"),
        ("console",): (X, "opens a console"),
        ("postgres", "connect"): (X, "opens psql"),
        ("pg", "connect"): (X, "opens psql"),
        ("open",): (R, "opens the app"),
        ("dashboard",): (R, "opens"),
        ("doctor",): (R, "checks"),
        ("releases",): (R, "lists releases"),
        ("sftp",): (X, "sftp session"),
    },
)
FIREBASE = Tool(
    name="firebase",
    colon=True,
    valued=frozenset(
        "-P --project --only --except --token --account -m --message --instance --database --data "
        "-d --import --site -s --format --config -c".split()
    ),
    context={"project": ("-P", "--project")},
    env={"project": "GCLOUD_PROJECT"},
    table={
        ("hosting", "disable"): (D, "takes the hosting site offline"),
        ("database", "set"): (D, "overwrites the data at a path"),
        ("deploy",): (W, "deploys"),
        ("emulators",): (X, "runs emulators"),
        ("serve",): (X, "serves"),
        ("init",): (W, "initialises"),
        ("use",): (W, "selects a project"),
        ("login",): (W, "logs in"),
        ("logout",): (W, "logs out"),
        ("auth", "export"): (BUILD, "exports users to a file"),
        ("open",): (R, "opens the console"),
    },
)
WRANGLER = Tool(
    name="wrangler",
    depth=3,
    valued=frozenset(
        "-c --config -e --env --name --binding --namespace-id --command --file --account-id "
        "--compatibility-date --message --tag --version-id --jurisdiction --script-name".split()
    ),
    context={"env": ("-e", "--env"), "app": ("--name",)},
    env={"account": "CLOUDFLARE_ACCOUNT_ID"},
    table={
        ("delete",): (D, "deletes a Worker"),
        ("deploy",): (W, "deploys a Worker"),
        ("publish",): (W, "deploys a Worker"),
        ("dev",): (X, "dev server"),
        ("login",): (W, "logs in"),
        ("logout",): (W, "logs out"),
        ("types",): (BUILD, "generates types"),
        ("init",): (BUILD, "scaffolds"),
        ("generate",): (BUILD, "scaffolds"),
        ("d1", "export"): (R, "exports a D1 database"),
        ("d1", "migrations", "apply"): (W, "applies D1 migrations"),
        ("rollback",): (W, "rolls back"),
    },
)
RAILWAY = Tool(
    name="railway",
    valued=frozenset("-s --service -e --environment -p --project --set -d --detach-ignored".split()),
    context={"app": ("-s", "--service"), "env": ("-e", "--environment")},
    env={"env": "RAILWAY_ENVIRONMENT"},
    table={
        ("down",): (D, "removes the latest deployment"),
        ("up",): (W, "deploys"),
        ("deploy",): (W, "deploys"),
        ("redeploy",): (W, "redeploys"),
        ("shell",): (X, "opens a shell with the service's variables"),
        ("connect",): (X, "opens a database shell"),
        ("ssh",): (X, "opens a shell in the service"),
        ("variables",): (R, "lists variables"),
    },
)
RENDER = Tool(
    name="render",
    valued=frozenset("-o --output -r --resource".split()),
    table={("psql",): (X, "opens psql"), ("ssh",): (X, "opens a shell"), ("services",): (R, "lists services")},
)


def heroku(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(HEROKU, inv)
    if r.verbs == ("run",) or r.verbs[:2] == ("run", "detached"):
        return _heroku_run(inv, ctx, r)
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
        return [effect(D, target(HEROKU, r, "dynos"), "scales dynos to zero: the app stops", inv, r.context)]
    return analyse(HEROKU, inv, reading=r)


def _heroku_run(inv: Invocation, ctx: Context, r: Reading) -> list[Effect]:
    words = without(command_after(inv, "run", HEROKU.valued), ("-a", "--app", "-r", "--remote"))
    if words and words[0].text == "detached":
        words = words[1:]
    if not words:
        return [effect(X, f"dyno ({r.context.get('app') or 'app'})", "heroku run", inv, r.context)]
    where = f"a one-off dyno of {r.context.get('app') or 'the app'}"
    return [
        effect(X, where, "runs a command on the platform", inv, r.context),
        *run_inside(words, inv, ctx, where, persistent=False, context=r.context),
    ]


def vercel(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(VERCEL, inv)
    first = r.verbs[0] if r.verbs else ""
    if not first or first == "deploy" or (first not in VERCEL_COMMANDS and r.parsed.positionals[0].known):
        return [
            effect(W, f"vercel deployment{' (production)' if r.context.get('env') else ''}", "deploys", inv, r.context)
        ]
    return analyse(VERCEL, inv, reading=r)


def netlify(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(NETLIFY, inv)
    if r.verbs == ("api",) and r.operands:
        method = r.operands[0]
        kind = D if method.lower().startswith("delete") else R if method.lower().startswith(("get", "list")) else W
        return [effect(kind, f"netlify API {method}", f"netlify api {method}", inv, r.context)]
    return analyse(NETLIFY, inv, reading=r)


def fly(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(FLY, inv)
    if r.verbs[:2] == ("ssh", "console") and r.parsed.opt_word("-C", "--command") is not None:
        command = r.parsed.opt_word("-C", "--command")
        if command is None or not command.known:
            return unknown_words([command], "the command run on the machine", inv)
        where = f"a machine of {r.context.get('app') or 'the app'}"
        moved = relocate(ctx.shell(command.text, inv), where, context=r.context, destroy_kind=D)
        return [effect(X, where, "runs a command on a machine", inv, r.context), *moved]
    if r.verbs[:2] == ("scale", "count") and r.operands[:1] == ("0",):
        return [effect(D, target(FLY, r, "machines"), "scales to zero machines: the app stops", inv, r.context)]
    return analyse(FLY, inv, reading=r)


def firebase(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(FIREBASE, inv)
    if r.verbs == ("firestore", "delete") and r.parsed.flag("--all-collections"):
        return [
            effect(D, target(FIREBASE, r, "every Firestore collection"), "deletes all Firestore data", inv, r.context)
        ]
    return analyse(FIREBASE, inv, reading=r)


def wrangler(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(WRANGLER, inv)
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
    return analyse(WRANGLER, inv, reading=r)


def railway(inv: Invocation, ctx: Context) -> list[Effect]:
    r = read(RAILWAY, inv)
    if r.verbs[:1] == ("run",):
        inner = command_after(inv, "run", RAILWAY.valued)
        if inner:
            return with_context(ctx.run(inv.with_words(inner)), r.context)
    if r.verbs == ("variables",) and r.parsed.opt("--set"):
        return [effect(W, target(RAILWAY, r), "sets variables", inv, r.context)]
    return analyse(RAILWAY, inv, reading=r)


def render(inv: Invocation, ctx: Context) -> list[Effect]:
    return analyse(RENDER, inv)
