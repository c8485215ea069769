"""kubectl, oc (OpenShift) and k9s: which verbs read the cluster, change it, or destroy what runs on it.

Global options (`--context`, `-n`) may come before or after the verb, so arguments are parsed once with the
table of options that take a value. The kube context and namespace go into every effect's context, so
`--context prod-eu delete deploy api` meets the production markers. A name, namespace or context computed at
run time (`delete ns "$NS"`) is an unknown effect when the command would destroy something.
"""

from __future__ import annotations

import os
import re

from agentguard.analysis.infra.cli import Parsed, effect, env_of, parse, unknown_words
from agentguard.analysis.infra.inside import run_inside
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

VALUED = frozenset(
    """-n --namespace --context --cluster --user --kubeconfig -s --server --token --as --as-group --as-uid
    --request-timeout --certificate-authority --client-certificate --client-key --tls-server-name --cache-dir
    -l --selector -o --output -f --filename -c --container --field-selector --grace-period --timeout --replicas
    --current-replicas -p --patch --patch-file --type --image -k --kustomize --sort-by --template --chunk-size
    --since --since-time --tail -L --label-columns --cascade --field-manager --pod-running-timeout --for --port
    --address --target-port --name --env --restart --overrides --min --max --cpu-percent --to-revision
    --revision --subresource --resource-version --raw --prune-allowlist --limits --requests --serviceaccount
    --max-log-requests --profile --image-pull-policy -v --v --vmodule --log-file --filename --selector
    --password --username --protocol --external-ip --generator --schedule --from --from-file --from-literal
    --from-env-file --docker-server --docker-username --docker-password --docker-email --cert --key --role
    --clusterrole --group --verb --resource --resource-name --namespace --all-containers""".split()
)
READS = frozenset(
    """get describe logs log top explain api-resources api-versions version cluster-info diff wait events
    kustomize completion help options certificate-status whoami status process projects""".split()
)
WRITES = frozenset(
    """create apply patch label annotate set expose run autoscale edit cordon uncordon rollout certificate
    new-app new-build start-build cancel-build import-image tag login logout new-project project image
    policy secrets idle ctx ns rollback""".split()
)
LOCAL = {
    "port-forward": "forwards a local port to the cluster",
    "proxy": "runs a local proxy to the API server",
    "debug": "starts a debugging container",
    "attach": "attaches to a running container",
    "krew": "manages kubectl plugins",
    "plugin": "lists or runs kubectl plugins",
}
ALIASES = {
    "po": "pod",
    "pods": "pod",
    "deploy": "deployment",
    "deployments": "deployment",
    "svc": "service",
    "services": "service",
    "ns": "namespace",
    "namespaces": "namespace",
    "project": "namespace",
    "projects": "namespace",
    "pvc": "persistentvolumeclaim",
    "persistentvolumeclaims": "persistentvolumeclaim",
    "pv": "persistentvolume",
    "persistentvolumes": "persistentvolume",
    "sts": "statefulset",
    "statefulsets": "statefulset",
    "ds": "daemonset",
    "daemonsets": "daemonset",
    "cm": "configmap",
    "configmaps": "configmap",
    "secrets": "secret",
    "no": "node",
    "nodes": "node",
    "crd": "customresourcedefinition",
    "crds": "customresourcedefinition",
    "jobs": "job",
    "cronjobs": "cronjob",
    "cj": "cronjob",
    "ing": "ingress",
    "ingresses": "ingress",
    "rs": "replicaset",
    "replicasets": "replicaset",
    "sa": "serviceaccount",
    "serviceaccounts": "serviceaccount",
}
TYPED = frozenset({"create", "patch", "label", "annotate", "set", "expose", "autoscale", "edit"})
CONFIG_READS = frozenset({"view", "get-contexts", "current-context", "get-clusters", "get-users"})


def kubectl(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, VALUED, optional_value=("--dry-run",))
    env = _context(p, inv)
    verb = p.verb(0)
    if not verb:
        return [effect(Kind.READ, inv.name, "shows help", inv, env)]
    if not p.positionals[0].known:
        return unknown_words(p.positionals[:1], f"the {inv.name} sub-command", inv)
    if verb == "adm" and inv.name == "oc":
        return _adm(p, inv, env)
    handler = _VERBS.get(verb)
    if handler is not None:
        return handler(p, inv, ctx, env)
    if verb in READS:
        return [effect(Kind.READ, "cluster", f"{inv.name} {verb}", inv, env)]
    if verb in WRITES:
        return [effect(Kind.CLOUD_WRITE, _written(p, verb, env), f"{inv.name} {verb} changes the cluster", inv, env)]
    if verb in LOCAL:
        return [effect(Kind.EXEC_PROGRAM, "cluster", LOCAL[verb], inv, env)]
    return [Effect.unknown(f"{inv.name} {verb}: a plugin or sub-command agentguard does not know", inv.source)]


def _written(p: Parsed, verb: str, env: dict[str, str | None]) -> str:
    """What an ordinary write names: `deployment api` for TYPE NAME verbs, nodes for cordon, else the cluster."""
    if verb in TYPED:
        return _described(p, 2 if verb == "set" else 1, env)
    if verb in ("cordon", "uncordon"):
        return ", ".join(f"node {n}" for n in p.words[1:]) or "nodes"
    return "cluster"


def _context(p: Parsed, inv: Invocation) -> dict[str, str | None]:
    """Where it happens. A kubeconfig file named on the line (`KUBECONFIG=~/.kube/prod.yaml`) is kept by its
    file name; a KUBECONFIG inherited from the environment is not known here, so it is left out."""
    namespace = "all namespaces" if p.flag("-A", "--all-namespaces") else p.opt("-n", "--namespace")
    config = p.opt("--kubeconfig") or env_of(inv, "KUBECONFIG")
    return {
        "kube_context": p.opt("--context") or p.opt("--cluster"),
        "namespace": namespace,
        "kubeconfig": os.path.basename(config.rstrip("/")) if config else None,
    }


def _guard(p: Parsed, inv: Invocation, operands: tuple[Word, ...]) -> list[Effect]:
    """Unknown effect when a word that decides what is destroyed, or where, is computed at run time."""
    where = [p.opt_word("--context"), p.opt_word("-n", "--namespace"), p.opt_word("--cluster")]
    return unknown_words(
        [*operands, *where, *p.opts("-f", "--filename", "-l", "--selector")], "the resource, namespace or context", inv
    )


def _objects(p: Parsed, start: int) -> str:
    """`deployment api, deployment web` from `deploy api web` or `deploy/api svc/web`."""
    words = tuple(w for w in p.words[start:] if "=" not in w and not w.endswith("-"))  # not key=value:Effect
    if not words:
        return ""
    if any("/" in w for w in words):
        return ", ".join(_object(*w.split("/", 1)) if "/" in w else w for w in words)
    kinds = words[0].split(",")
    if len(words) == 1:
        return ", ".join(_plural(k) for k in kinds)
    return ", ".join(_object(k, name) for k in kinds for name in words[1:])


def _object(kind: str, name: str) -> str:
    return f"{ALIASES.get(kind.lower(), kind.lower())} {name}"


def _plural(kind: str) -> str:
    base = ALIASES.get(kind.lower(), kind.lower())
    if base == "all":  # `kubectl delete all --all`: every common resource type
        return "resources"
    return base + ("es" if base.endswith("s") else "s")


def _described(p: Parsed, start: int, env: dict[str, str | None]) -> str:
    words = p.words[start:]
    files = [w.text for w in p.opts("-f", "--filename", "-k", "--kustomize")]
    selector = p.opt("-l", "--selector")
    if files:
        target = "resources in " + ", ".join(files)
    elif p.flag("--all") and words:
        target = "all " + ", ".join(_plural(k) for k in words[0].split(","))
    elif selector and words:
        target = f"{', '.join(_plural(k) for k in words[0].split(','))} with labels {selector}"
    else:
        target = _objects(p, start) or "resources"
    return target + (f" (namespace {env['namespace']})" if env.get("namespace") else "")


def _delete(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    if p.dry_run():
        return [effect(Kind.READ, _described(p, 1, env), "dry run of a delete", inv, env)]
    bad = _guard(p, inv, p.positionals[1:])
    if bad:
        return bad
    kinds = p.verb(1).split(",")
    if kinds and ALIASES.get(kinds[0].lower(), kinds[0].lower()) == "namespace" and len(p.positionals) > 2:
        return [
            effect(
                Kind.CLUSTER_DESTROY,
                f"namespace {name}",
                "deletes a namespace and everything in it",
                inv,
                {**env, "namespace": name},
            )
            for name in p.words[2:]
        ]
    detail = "deletes cluster resources" + (" across all namespaces" if p.flag("-A", "--all-namespaces") else "")
    return [effect(Kind.CLUSTER_DESTROY, _described(p, 1, env), detail, inv, env)]


def _drain(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    if p.dry_run():
        return [effect(Kind.READ, "nodes", "dry run of a drain", inv, env)]
    nodes = p.words[1:] or ("nodes",)
    return _guard(p, inv, p.positionals[1:]) or [
        effect(Kind.CLUSTER_DESTROY, f"node {n}", "drains a node: evicts every pod on it", inv, env) for n in nodes
    ]


def _changes(p: Parsed, inv: Invocation, destroy: str | None, env: dict[str, str | None]) -> list[Effect]:
    """A write that becomes destructive with one option (replace --force, apply --prune, scale to 0)."""
    if p.dry_run():
        return [effect(Kind.READ, _described(p, 1, env), f"dry run of {inv.name} {p.verb(0)}", inv, env)]
    if destroy is None:
        return [
            effect(Kind.CLOUD_WRITE, _described(p, 1, env), f"{inv.name} {p.verb(0)} changes the cluster", inv, env)
        ]
    return _guard(p, inv, p.positionals[1:]) or [effect(Kind.CLUSTER_DESTROY, _described(p, 1, env), destroy, inv, env)]


def _replace(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    return _changes(p, inv, "deletes and recreates resources (replace --force)" if p.flag("--force") else None, env)


def _apply(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    if p.flag("--prune"):
        return _changes(p, inv, "deletes every resource not in the manifests (apply --prune)", env)
    return _changes(
        p, inv, "deletes and recreates conflicting resources (apply --force)" if p.flag("--force") else None, env
    )


def _scale(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    zero = p.opt("--replicas") in ("0", "00")
    return _changes(p, inv, "scales to zero replicas: stops every pod" if zero else None, env)


def _patch(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    zero = any(re.search(r'"?replicas"?\s*:\s*0\b', w.text) for w in p.opts("-p", "--patch"))
    return _changes(p, inv, "patches replicas to zero: stops every pod" if zero else None, env)


def _taint(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    evicts = any(w.endswith(":NoExecute") for w in p.words)
    return _changes(p, inv, "NoExecute taint: evicts pods that do not tolerate it" if evicts else None, env)


def _rollout(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    if p.verb(1) in ("status", "history"):
        return [effect(Kind.READ, _objects(p, 2) or "rollout", f"rollout {p.verb(1)}", inv, env)]
    return [effect(Kind.CLOUD_WRITE, _objects(p, 2) or "rollout", f"rollout {p.verb(1)}", inv, env)]


def _config(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    verb = p.verb(1)
    if verb.startswith("delete-") or verb == "unset":  # a cluster, context or user (and its credentials) gone
        return [effect(Kind.EXEC_MUTATE, "kubeconfig", f"{inv.name} config {verb} removes an entry", inv, env)]
    kind = Kind.READ if verb in CONFIG_READS else Kind.CLOUD_WRITE
    return [effect(kind, "kubeconfig", f"{inv.name} config {verb}", inv, env)]


def _auth(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    kind = Kind.READ if p.verb(1) in ("can-i", "whoami") else Kind.CLOUD_WRITE
    return [effect(kind, "cluster RBAC", f"{inv.name} auth {p.verb(1)}", inv, env)]


def _exec(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    pod = p.verb(1) or "pod"
    command = list(p.rest) if p.dashdash else list(p.positionals[2:])
    where = f"pod {pod}" + (f" container {p.opt('-c', '--container')}" if p.opt("-c", "--container") else "")
    if not command:
        return [effect(Kind.EXEC_PROGRAM, where, "opens a shell in a pod", inv, env)]
    return [
        effect(Kind.EXEC_PROGRAM, where, "runs a command in a pod", inv, env),
        *run_inside(command, inv, ctx, where, context=env, destroy_kind=Kind.CLUSTER_DESTROY),
    ]


def _copy(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    if len(p.positionals) < 3:
        return [Effect.unknown(f"{inv.name} cp: source or destination missing", inv.source)]
    dest = p.positionals[-1]
    if ":" in dest.text:
        return [effect(Kind.CLOUD_WRITE, dest.text, "copies files into a pod", inv, env)]
    return ctx.file_effects(Kind.FILE_WRITE, dest, inv, "copies files out of a pod")


def _rsh(p: Parsed, inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    command = list(p.rest) if p.dashdash else list(p.positionals[2:])
    where = f"pod {p.verb(1) or 'pod'}"
    if not command:
        return [effect(Kind.EXEC_PROGRAM, where, "opens a shell in a pod", inv, env)]
    return run_inside(command, inv, ctx, where, context=env, destroy_kind=Kind.CLUSTER_DESTROY)


def _adm(p: Parsed, inv: Invocation, env: dict[str, str | None]) -> list[Effect]:
    sub = p.verb(1)
    if sub == "drain":
        return [
            effect(Kind.CLUSTER_DESTROY, f"node {n}", "drains a node: evicts every pod on it", inv, env)
            for n in p.words[2:] or ("nodes",)
        ]
    if sub == "prune" and p.flag("--confirm"):
        return [effect(Kind.CLUSTER_DESTROY, f"{p.verb(2) or 'objects'} (prune)", "prunes cluster objects", inv, env)]
    if sub in ("top", "inspect", "must-gather", "prune", "policy", "verify-image-signature", "node-logs"):
        return [effect(Kind.READ, "cluster", f"oc adm {sub}", inv, env)]
    return [effect(Kind.CLOUD_WRITE, "cluster", f"oc adm {sub} changes the cluster", inv, env)]


_VERBS = {
    "delete": _delete,
    "drain": _drain,
    "replace": _replace,
    "apply": _apply,
    "scale": _scale,
    "taint": _taint,
    "patch": _patch,
    "rollout": _rollout,
    "config": _config,
    "auth": _auth,
    "exec": _exec,
    "cp": _copy,
    "rsync": _copy,
    "rsh": _rsh,
}


def k9s(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, VALUED | {"-c", "--command", "--logLevel", "--logFile", "--screen-dump-dir"})
    env = _context(p, inv)
    if p.flag("--readonly") or p.flag("-h", "--help") or p.verb(0) in ("version", "info", "help"):
        return [effect(Kind.READ, "cluster", "k9s read-only or information", inv, env)]
    return [
        effect(Kind.EXEC_PROGRAM, "cluster", "interactive cluster UI (a person can delete resources in it)", inv, env)
    ]
