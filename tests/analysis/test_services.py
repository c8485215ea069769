"""Hosted services (forges, platforms, secret stores, queues, backups, payments, object stores), end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from families import assert_harmless, assert_has_unknown, assert_never_crashes, assert_registry_matches, find
from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.analysis import analyze_command
from agentguard.analysis.services import HANDLERS
from agentguard.models import Effect, Kind, Verdict

SD = Kind.SERVICE_DESTROY


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    (tmp_path / "cmds.txt").write_text("ls s3://bucket\n# cleanup\nrm 's3://bucket/tmp/*'\n")
    (tmp_path / "drop.sql").write_text("DROP TABLE sessions;\n")
    return tmp_path


def run(command: str, cwd: Path) -> tuple[Effect, ...]:
    return analyze_command(command, str(cwd))


DESTRUCTIVE = [
    # forges
    pytest.param("gh repo delete owner/x --yes", SD, "repo owner/x", {"repo": "owner/x"}, id="gh-repo-delete"),
    pytest.param("gh repo delete --yes", SD, "repository (the current one)", {}, id="gh-repo-delete-current"),
    pytest.param(
        "gh release delete v1.2 -R o/r --yes", SD, "release v1.2 (repo o/r)", {"repo": "o/r"}, id="gh-release-delete"
    ),
    pytest.param(
        "GH_REPO=o/r gh secret delete TOKEN", SD, "secret TOKEN (repo o/r)", {"repo": "o/r"}, id="gh-secret-delete"
    ),
    pytest.param("gh variable delete REGION", SD, "variable REGION", {}, id="gh-variable-delete"),
    pytest.param("gh run delete 123", SD, "run 123", {}, id="gh-run-delete"),
    pytest.param("gh api -X DELETE repos/o/r", SD, "API repos/o/r", {}, id="gh-api-delete"),
    pytest.param(
        "gh api --method=DELETE /repos/o/r/git/refs/heads/x",
        SD,
        "API /repos/o/r/git/refs/heads/x",
        {},
        id="gh-api-method-delete",
    ),
    pytest.param(
        "gh api graphql -f query='mutation { deleteRepository(input:{}) { clientMutationId } }'",
        SD,
        "GraphQL API",
        {},
        id="gh-graphql-delete",
    ),
    pytest.param("gh repo archive acme/app -y", SD, "repo acme/app", {"repo": "acme/app"}, id="gh-repo-archive"),
    pytest.param("gh repo edit o/r --visibility public", SD, "repository o/r", {"repo": "o/r"}, id="gh-make-public"),
    pytest.param("glab repo delete grp/x", SD, "repo grp/x", {"repo": "grp/x"}, id="glab-repo-delete"),
    pytest.param(
        "glab variable delete TOKEN -R grp/x",
        SD,
        "variable TOKEN (repo grp/x)",
        {"repo": "grp/x"},
        id="glab-variable-delete",
    ),
    # platforms
    pytest.param(
        "heroku apps:destroy myapp --confirm myapp", SD, "apps myapp", {"app": "myapp"}, id="heroku-apps-destroy"
    ),
    pytest.param(
        "heroku pg:reset DATABASE_URL -a prod-app",
        SD,
        "pg DATABASE_URL (app prod-app)",
        {"app": "prod-app"},
        id="heroku-pg-reset",
    ),
    pytest.param(
        "heroku addons:destroy heroku-postgresql -a x",
        SD,
        "addons heroku-postgresql (app x)",
        {"app": "x"},
        id="heroku-addons-destroy",
    ),
    pytest.param("heroku config:unset KEY -a x", SD, "config KEY (app x)", {"app": "x"}, id="heroku-config-unset"),
    pytest.param(
        "heroku pg:backups:restore b101 -a x", SD, "pg backups b101 (app x)", {"app": "x"}, id="heroku-backup-restore"
    ),
    pytest.param(
        "HEROKU_APP=shop heroku ps:scale web=0", SD, "dynos web=0 (app shop)", {"app": "shop"}, id="heroku-scale-zero"
    ),
    pytest.param("vercel remove my-app --yes", SD, "my-app", {}, id="vercel-remove"),
    pytest.param(
        "vercel env rm KEY production --scope team",
        SD,
        "env KEY production (account team)",
        {"account": "team"},
        id="vercel-env-rm",
    ),
    pytest.param("netlify sites:delete abc", SD, "sites abc", {}, id="netlify-sites-delete"),
    pytest.param("netlify env:unset KEY --site s1", SD, "env KEY (app s1)", {"app": "s1"}, id="netlify-env-unset"),
    pytest.param(
        'netlify api deleteSite --data \'{"site_id": "x"}\'', SD, "netlify API deleteSite", {}, id="netlify-api-delete"
    ),
    pytest.param("fly apps destroy myapp", SD, "apps myapp", {}, id="fly-apps-destroy"),
    pytest.param(
        "flyctl volumes destroy vol_123 -a x", SD, "volumes vol_123 (app x)", {"app": "x"}, id="flyctl-volume-destroy"
    ),
    pytest.param("fly destroy myapp --yes", SD, "myapp", {}, id="fly-destroy"),
    pytest.param(
        "fly machine destroy --force 148e -a x", SD, "machine 148e (app x)", {"app": "x"}, id="fly-machine-destroy"
    ),
    pytest.param("fly scale count 0 -a x", SD, "machines 0 (app x)", {"app": "x"}, id="fly-scale-zero"),
    pytest.param(
        "fly ssh console -a x -C 'rm -rf /data'", SD, "/data (in a machine of x)", {"app": "x"}, id="fly-ssh-rm"
    ),
    pytest.param(
        "firebase firestore:delete --all-collections -P prod",
        SD,
        "every Firestore collection (project prod)",
        {"project": "prod"},
        id="firebase-firestore-all",
    ),
    pytest.param("firebase firestore:delete users -r", SD, "firestore users", {}, id="firebase-firestore-path"),
    pytest.param("firebase database:remove /users", SD, "database /users", {}, id="firebase-database-remove"),
    pytest.param(
        "firebase database:set /config data.json", SD, "database /config data.json", {}, id="firebase-database-set"
    ),
    pytest.param(
        "firebase hosting:disable -P shop",
        SD,
        "hosting (project shop)",
        {"project": "shop"},
        id="firebase-hosting-disable",
    ),
    pytest.param("firebase functions:delete api", SD, "functions api", {}, id="firebase-functions-delete"),
    pytest.param("wrangler delete --name api", SD, "wrangler (app api)", {"app": "api"}, id="wrangler-delete"),
    pytest.param("wrangler kv namespace delete --namespace-id abc", SD, "kv namespace", {}, id="wrangler-kv-ns"),
    pytest.param("wrangler kv key delete k1 --binding CACHE", SD, "kv key k1", {}, id="wrangler-kv-key"),
    pytest.param("wrangler r2 bucket delete assets", SD, "r2 bucket assets", {}, id="wrangler-r2-bucket"),
    pytest.param("wrangler d1 delete mydb", SD, "d1 mydb", {}, id="wrangler-d1-delete"),
    pytest.param("wrangler queues delete jobs", SD, "queues jobs", {}, id="wrangler-queues-delete"),
    pytest.param("railway down", SD, "down", {}, id="railway-down"),
    pytest.param("railway environment delete staging", SD, "environment staging", {}, id="railway-env-delete"),
    # secret stores, queues, backups, payments, object stores
    pytest.param("vault kv delete secret/app", SD, "kv secret/app", {}, id="vault-kv-delete"),
    pytest.param("vault kv destroy -versions=1,2 secret/app", SD, "kv secret/app", {}, id="vault-kv-destroy"),
    pytest.param("vault kv metadata delete secret/app", SD, "kv metadata secret/app", {}, id="vault-metadata-delete"),
    pytest.param("vault secrets disable kv/", SD, "secrets kv/", {}, id="vault-secrets-disable"),
    pytest.param(
        "VAULT_ADDR=https://vault.prod:8200 vault delete secret/x",
        SD,
        "secret/x (host https://vault.prod:8200)",
        {"host": "https://vault.prod:8200"},
        id="vault-delete",
    ),
    pytest.param("vault token revoke -self", SD, "token", {}, id="vault-token-revoke"),
    pytest.param("vault operator seal", SD, "operator seal", {}, id="vault-seal"),
    pytest.param("consul kv delete -recurse app/", SD, "consul keys under app/", {}, id="consul-kv-recurse"),
    pytest.param("consul kv delete app/x", SD, "kv app/x", {}, id="consul-kv-delete"),
    pytest.param("consul snapshot restore backup.snap", SD, "snapshot backup.snap", {}, id="consul-restore"),
    pytest.param(
        "kafka-topics --bootstrap-server b:9092 --delete --topic orders",
        SD,
        "topic orders",
        {"host": "b:9092"},
        id="kafka-delete",
    ),
    pytest.param(
        "kafka-topics.sh --delete --topic '.*' --bootstrap-server b:9092",
        SD,
        "topics matching .*",
        {"host": "b:9092"},
        id="kafka-delete-pattern",
    ),
    pytest.param(
        "restic forget --prune --keep-last 3",
        SD,
        "restic repository (from the environment)",
        {},
        id="restic-forget-prune",
    ),
    pytest.param(
        "restic -r /srv/backup forget abc123",
        SD,
        "restic repository /srv/backup: snapshots abc123",
        {"repo": "/srv/backup"},
        id="restic-forget",
    ),
    pytest.param(
        "RESTIC_REPOSITORY=s3:prod restic prune",
        SD,
        "restic repository s3:prod",
        {"repo": "s3:prod"},
        id="restic-prune",
    ),
    pytest.param("borg delete /backup::arch1", SD, "borg archive arch1", {"repo": "/backup"}, id="borg-delete"),
    pytest.param("borg delete /backup", SD, "borg repository /backup", {"repo": "/backup"}, id="borg-delete-repo"),
    pytest.param(
        "borg prune --keep-daily 7 /backup", SD, "borg repository /backup", {"repo": "/backup"}, id="borg-prune"
    ),
    pytest.param(
        "stripe customers delete cus_123 --live",
        SD,
        "customers cus_123 (env production)",
        {"env": "production"},
        id="stripe-delete-live",
    ),
    pytest.param("stripe subscriptions cancel sub_1", SD, "subscriptions sub_1", {}, id="stripe-cancel"),
    pytest.param("stripe delete /v1/customers/cus_1", SD, "stripe object /v1/customers/cus_1", {}, id="stripe-raw"),
    pytest.param(
        "doppler secrets delete API_KEY -p shop -c prd",
        SD,
        "secrets API_KEY (project shop, env prd)",
        {"project": "shop", "env": "prd"},
        id="doppler-secrets-delete",
    ),
    pytest.param("s5cmd rm 's3://bucket/*'", SD, "s3://bucket/*", {}, id="s5cmd-rm"),
    pytest.param("s5cmd --profile prod rb s3://bucket", SD, "bucket s3://bucket", {"profile": "prod"}, id="s5cmd-rb"),
    pytest.param("s5cmd sync --delete dist/ s3://site/", SD, "dist/, s3://site/", {}, id="s5cmd-sync-delete"),
    pytest.param("s5cmd run cmds.txt", SD, "s3://bucket/tmp/*", {}, id="s5cmd-run-file"),
    pytest.param("mc rm --recursive --force prod/bucket", SD, "prod/bucket", {"host": "prod"}, id="mc-rm"),
    pytest.param("mc rb --force prod/bucket", SD, "prod/bucket", {"host": "prod"}, id="mc-rb"),
    pytest.param("mc mirror --remove ./site prod/web", SD, "./site, prod/web", {"host": "prod"}, id="mc-mirror"),
]


@pytest.mark.parametrize(("command", "kind", "target", "context"), DESTRUCTIVE)
def test_destructive(command: str, kind: Kind, target: str, context: dict[str, str], cwd: Path) -> None:
    effect = find(run(command, cwd), kind, target)
    assert kind.destructive
    assert dict(effect.context).items() >= context.items()


BENIGN = [
    pytest.param("gh pr list", Kind.READ, "pr", id="gh-pr-list"),
    pytest.param("gh pr view 12 --json title", Kind.READ, "pr 12", id="gh-pr-view"),
    pytest.param("gh pr checkout 12", Kind.GIT_WRITE, "pr 12", id="gh-pr-checkout"),
    pytest.param("gh pr create --title x --body y", Kind.CLOUD_WRITE, "pr", id="gh-pr-create"),
    pytest.param("gh pr merge 12 --squash", Kind.CLOUD_WRITE, "pr 12", id="gh-pr-merge"),
    pytest.param("gh issue list -R o/r", Kind.READ, "issue (repo o/r)", id="gh-issue-list"),
    pytest.param("gh run view 123 --log", Kind.READ, "run 123", id="gh-run-view"),
    pytest.param("gh secret list", Kind.READ, "secret", id="gh-secret-list"),
    pytest.param("gh api repos/o/r/pulls", Kind.READ, "API repos/o/r/pulls", id="gh-api-get"),
    pytest.param("gh api repos/o/r/issues -f title=x", Kind.CLOUD_WRITE, "API repos/o/r/issues", id="gh-api-post"),
    pytest.param("gh api graphql -f query='query { viewer { login } }'", Kind.READ, "GraphQL API", id="gh-graphql"),
    pytest.param("gh repo clone o/r", Kind.GIT_WRITE, "repo o/r", id="gh-repo-clone"),
    pytest.param("gh auth status", Kind.READ, "auth", id="gh-auth-status"),
    pytest.param("glab mr list", Kind.READ, "mr", id="glab-mr-list"),
    pytest.param("glab ci status", Kind.READ, "ci", id="glab-ci-status"),
    pytest.param("heroku logs --tail -a x", Kind.READ, "heroku (app x)", id="heroku-logs"),
    pytest.param("heroku apps", Kind.READ, "apps", id="heroku-apps"),
    pytest.param("heroku config:get KEY -a x", Kind.READ, "config KEY (app x)", id="heroku-config-get"),
    pytest.param("heroku config:set KEY=1 -a x", Kind.CLOUD_WRITE, "config KEY=1 (app x)", id="heroku-config-set"),
    pytest.param("heroku pg:info -a x", Kind.READ, "pg (app x)", id="heroku-pg-info"),
    pytest.param("heroku ps:scale web=2 -a x", Kind.CLOUD_WRITE, "ps web=2 (app x)", id="heroku-scale"),
    pytest.param("vercel --prod", Kind.CLOUD_DEPLOY, "vercel deployment (production)", id="vercel-prod"),
    pytest.param("vercel", Kind.CLOUD_DEPLOY, "vercel deployment", id="vercel-deploy"),
    pytest.param("vercel ls", Kind.READ, "vercel", id="vercel-ls"),
    pytest.param("vercel logs my-app.vercel.app", Kind.READ, "my-app.vercel.app", id="vercel-logs"),
    pytest.param("netlify deploy --prod", Kind.CLOUD_DEPLOY, "netlify (env production)", id="netlify-deploy"),
    pytest.param("netlify status", Kind.READ, "netlify", id="netlify-status"),
    pytest.param("fly status -a x", Kind.READ, "fly (app x)", id="fly-status"),
    pytest.param("fly deploy", Kind.CLOUD_DEPLOY, "fly", id="fly-deploy"),
    pytest.param("fly logs -a x", Kind.READ, "fly (app x)", id="fly-logs"),
    pytest.param("firebase deploy --only hosting", Kind.CLOUD_DEPLOY, "firebase", id="firebase-deploy"),
    pytest.param("firebase projects:list", Kind.READ, "projects", id="firebase-projects"),
    pytest.param("wrangler deploy", Kind.CLOUD_DEPLOY, "wrangler", id="wrangler-deploy"),
    pytest.param("wrangler tail", Kind.READ, "wrangler", id="wrangler-tail"),
    pytest.param("wrangler kv key list --binding CACHE", Kind.READ, "kv key", id="wrangler-kv-list"),
    pytest.param("railway logs", Kind.READ, "railway", id="railway-logs"),
    pytest.param("railway up", Kind.CLOUD_DEPLOY, "up", id="railway-up"),
    pytest.param("vault kv get secret/app", Kind.READ, "kv secret/app", id="vault-kv-get"),
    pytest.param("vault kv put secret/app k=v", Kind.CLOUD_WRITE, "kv secret/app k=v", id="vault-kv-put"),
    pytest.param("vault status", Kind.READ, "vault", id="vault-status"),
    pytest.param("consul kv get -recurse app/", Kind.READ, "kv app/", id="consul-kv-get"),
    pytest.param("consul members", Kind.READ, "consul", id="consul-members"),
    pytest.param("kafka-topics --list --bootstrap-server b:9092", Kind.READ, "topic (all)", id="kafka-list"),
    pytest.param(
        "kafka-topics --create --topic t --bootstrap-server b:9092", Kind.CLOUD_WRITE, "topic t", id="kafka-create"
    ),
    pytest.param("restic snapshots", Kind.READ, "restic repository (from the environment)", id="restic-snapshots"),
    pytest.param(
        "restic forget --keep-last 3 --dry-run",
        Kind.READ,
        "restic repository (from the environment)",
        id="restic-forget-dry-run",
    ),
    pytest.param("restic backup src", Kind.CLOUD_WRITE, "restic repository (from the environment)", id="restic-bk"),
    pytest.param("borg list /backup", Kind.READ, "borg repository /backup", id="borg-list"),
    pytest.param("borg create /backup::today src", Kind.CLOUD_WRITE, "borg archive today", id="borg-create"),
    pytest.param("borg prune -n --keep-daily 7 /backup", Kind.READ, "borg repository /backup", id="borg-prune-n"),
    pytest.param("stripe customers list", Kind.READ, "customers", id="stripe-list"),
    pytest.param("stripe listen --forward-to localhost:3000", Kind.EXEC_PROGRAM, "listen", id="stripe-listen"),
    pytest.param(
        "stripe trigger payment_intent.succeeded",
        Kind.CLOUD_WRITE,
        "payment_intent.succeeded",
        id="stripe-trigger",
    ),
    pytest.param("doppler secrets get API_KEY", Kind.READ, "secrets API_KEY", id="doppler-get"),
    pytest.param("doppler run -- ls", Kind.READ, "ls", id="doppler-run"),
    pytest.param("s5cmd ls s3://bucket", Kind.READ, "s3://bucket", id="s5cmd-ls"),
    pytest.param("s5cmd cp dist/ s3://site/", Kind.CLOUD_WRITE, "dist/, s3://site/", id="s5cmd-cp"),
    pytest.param("s5cmd --dry-run rm 's3://bucket/*'", Kind.READ, "s3://bucket/*", id="s5cmd-dry-run"),
    pytest.param("mc ls prod/bucket", Kind.READ, "prod/bucket (host prod)", id="mc-ls"),
    pytest.param("mc cp a.txt prod/bucket/", Kind.CLOUD_WRITE, "cp a.txt prod/bucket/ (host prod)", id="mc-cp"),
    pytest.param("mc", Kind.EXEC_PROGRAM, "files", id="midnight-commander"),
    pytest.param("mc ~/src /tmp", Kind.EXEC_PROGRAM, "files", id="midnight-commander-dirs"),
]


@pytest.mark.parametrize(("command", "kind", "target"), BENIGN)
def test_benign(command: str, kind: Kind, target: str, cwd: Path) -> None:
    effects = run(command, cwd)
    find(effects, kind, target)
    assert_harmless(effects)


UNKNOWN = [
    pytest.param('gh repo delete "$REPO" --yes', id="gh-unknown-repo"),
    pytest.param('gh api -X "$METHOD" repos/o/r', id="gh-unknown-method"),
    pytest.param('heroku apps:destroy "$APP"', id="heroku-unknown-app"),
    pytest.param('heroku pg:psql -a x -c "$SQL"', id="heroku-unknown-sql"),
    pytest.param('vault kv delete "secret/$NAME"', id="vault-unknown-path"),
    pytest.param("kafka-topics --delete --topic $(cat topic.txt)", id="kafka-unknown-topic"),
    pytest.param('s5cmd rm "$PREFIX/*"', id="s5cmd-unknown"),
    pytest.param("s5cmd run < cmds.txt", id="s5cmd-run-stdin"),
    pytest.param('mc rm --recursive --force "$TARGET"', id="mc-unknown"),
    pytest.param('fly ssh console -C "$CMD"', id="fly-unknown-command"),
    pytest.param('wrangler d1 execute db --command "$SQL"', id="wrangler-unknown-sql"),
]


@pytest.mark.parametrize("command", UNKNOWN)
def test_unknown(command: str, cwd: Path) -> None:
    assert_has_unknown(run(command, cwd))


INNER = [
    pytest.param("heroku run rails db:reset -a prod-app", Kind.DB_RESET, {"app": "prod-app"}, id="heroku-run-rails"),
    pytest.param("heroku pg:psql -a x -c 'DROP TABLE users'", Kind.DB_DROP, {"app": "x"}, id="heroku-psql-c"),
    pytest.param("heroku pg:psql -a x -f drop.sql", Kind.DB_DROP, {"app": "x"}, id="heroku-psql-file"),
    pytest.param(
        "wrangler d1 execute mydb --command 'DROP TABLE users' --remote",
        Kind.DB_DROP,
        {"database": "mydb"},
        id="wrangler-d1-sql",
    ),
    pytest.param("doppler run -p shop -- rm -rf build", Kind.FILE_DELETE, {"project": "shop"}, id="doppler-run-rm"),
    pytest.param(
        "railway run -e prod -- psql -c 'TRUNCATE orders'", Kind.DB_TRUNCATE, {"env": "prod"}, id="railway-run-psql"
    ),
]


@pytest.mark.parametrize(("command", "kind", "context"), INNER)
def test_inner_commands_are_analysed(command: str, kind: Kind, context: dict[str, str], cwd: Path) -> None:
    found = [e for e in run(command, cwd) if e.kind == kind]
    assert found, run(command, cwd)
    assert dict(found[0].context).items() >= context.items()


def test_heroku_run_files_are_on_the_dyno(cwd: Path) -> None:
    effects = run("heroku run -a x -- rm -rf /app/tmp", cwd)
    inner = find(effects, Kind.FILE_DELETE, "/app/tmp (in a one-off dyno of x)")
    assert inner.path is None


DECISIONS = [
    pytest.param("gh pr list", Verdict.ALLOW, id="gh-pr-list"),
    pytest.param("gh pr create --fill", Verdict.ALLOW, id="gh-pr-create"),
    pytest.param("gh repo delete o/r --yes", Verdict.ASK, id="gh-repo-delete"),
    pytest.param("heroku logs -a shop", Verdict.ALLOW, id="heroku-logs"),
    pytest.param("heroku apps:destroy -a shop-prod --confirm shop-prod", Verdict.DENY, id="heroku-prod-destroy"),
    pytest.param("heroku pg:reset -a staging", Verdict.ASK, id="heroku-staging-reset"),
    pytest.param("heroku run rails db:reset -a prod-app", Verdict.DENY, id="heroku-run-prod-reset"),
    pytest.param("stripe customers delete cus_1 --live", Verdict.DENY, id="stripe-live-delete"),
    pytest.param("vercel --prod", Verdict.DENY, id="vercel-prod-deploy"),  # a deploy into production
    pytest.param("vercel deploy", Verdict.ALLOW, id="vercel-preview-deploy"),
    pytest.param("fly volumes destroy vol_1 -a prod-db", Verdict.DENY, id="fly-prod-volume"),
    pytest.param("vault kv get secret/x", Verdict.ALLOW, id="vault-get"),
    pytest.param("restic forget --prune --keep-last 1", Verdict.ASK, id="restic-forget"),
]


@pytest.mark.parametrize(("command", "verdict"), DECISIONS)
def test_decisions(decide, command: str, verdict: Verdict) -> None:  # type: ignore[no-untyped-def]
    assert decide(command).verdict == verdict


def test_every_registered_name_has_a_handler() -> None:
    assert_registry_matches("agentguard.analysis.services", HANDLERS)


WORDS = [
    "delete",
    "destroy",
    "-a",
    "prod",
    "apps:destroy",
    "repo",
    "api",
    "-X",
    "DELETE",
    "graphql",
    "-f",
    "query=mutation{deleteX}",
    "run",
    "--",
    "rm",
    "-rf",
    "/",
    "$X",
    "$(y)",
    "kv",
    "-recurse",
    "--prune",
    "::",
    "a::b",
    "--live",
    "ssh",
    "console",
    "-C",
    "d1",
    "execute",
    "--command",
    "DROP TABLE t",
    "-",
    "",
]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(HANDLERS)), st.lists(st.sampled_from(WORDS), max_size=7))
def test_handlers_never_crash(name: str, words: list[str]) -> None:
    assert_never_crashes(" ".join([name, *words]))
