"""helm: releases are installed, upgraded and rolled back (ordinary work) or uninstalled (destroys them)."""

from __future__ import annotations

from agentguard.analysis.infra.cli import effect, parse, unknown_words
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

VALUED = frozenset(
    """--kube-context -n --namespace --kubeconfig --kube-apiserver --kube-token --kube-as-user --kube-as-group
    --kube-ca-file --kube-tls-server-name --registry-config --repository-cache --repository-config
    --burst-limit --qps -f --values --set --set-string --set-file --set-json --set-literal --version --timeout
    -o --output --repo --description --post-renderer --post-renderer-args --username --password --ca-file
    --cert-file --key-file --kube-version --history-max --max --cascade --name-template -l --selector
    --filter --revision --label --labels --destination -d --api-versions -a --show-only -s --offset
    --time-format --untardir --keyring --hide-notes""".split()
)
READS = frozenset(
    "list ls status get history hist template show inspect search lint version env verify diff help completion".split()
)
BUILDS = frozenset("repo dependency dep package pull fetch plugin create".split())
UNINSTALL = frozenset({"uninstall", "delete", "del", "un"})


def helm(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, VALUED, optional_value=("--dry-run",))
    env = {"kube_context": p.opt("--kube-context"), "namespace": p.opt("-n", "--namespace")}
    verb = p.verb(0)
    if not verb or verb in READS:
        return [effect(Kind.READ, "helm releases", f"helm {verb or 'help'}", inv, env)]
    where = [p.opt_word("--kube-context"), p.opt_word("-n", "--namespace")]
    releases = p.words[1:] or ("release",)
    if verb in UNINSTALL:
        if p.dry_run():
            return [effect(Kind.READ, "helm releases", "dry run of an uninstall", inv, env)]
        return unknown_words([*p.positionals[1:], *where], "the release, namespace or context", inv) or [
            effect(
                Kind.CLUSTER_DESTROY, f"helm release {r}", "uninstalls a release and deletes its resources", inv, env
            )
            for r in releases
        ]
    if verb in ("install", "upgrade", "rollback"):
        if p.dry_run():
            return [effect(Kind.READ, "helm releases", f"dry run of helm {verb}", inv, env)]
        release = f"helm release {p.verb(1)}" if p.verb(1) else "helm release (generated name)"
        if verb == "upgrade" and p.flag("--force"):
            bad = unknown_words([*p.positionals[1:2], *where], "the release, namespace or context", inv)
            return bad or [
                effect(
                    Kind.CLUSTER_DESTROY,
                    release,
                    "upgrade --force deletes and recreates the release's resources",
                    inv,
                    env,
                )
            ]
        return [effect(Kind.CLOUD_WRITE, release, f"helm {verb}", inv, env)]
    if verb == "test":
        return [effect(Kind.EXEC_TEST, f"helm release {p.verb(1)}", "runs a release's test pods", inv, env)]
    if verb in BUILDS:
        if verb in ("repo", "plugin") and p.verb(1) in ("remove", "rm", "uninstall"):
            return [effect(Kind.EXEC_MUTATE, f"helm {verb}s", f"helm {verb} {p.verb(1)} removes it", inv, env)]
        kind = Kind.READ if p.verb(1) in ("list", "ls") else Kind.EXEC_BUILD
        return [effect(kind, "helm charts and repositories", f"helm {verb} {p.verb(1)}".strip(), inv, env)]
    if verb in ("push", "registry"):
        return [effect(Kind.CLOUD_WRITE, "chart registry", f"helm {verb}", inv, env)]
    return [Effect.unknown(f"helm {verb}: a plugin or sub-command agentguard does not know", inv.source)]
