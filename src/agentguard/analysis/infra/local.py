"""Local Kubernetes clusters: kind, minikube and k3d. Deleting a cluster or a node is `cluster.destroy`;
creating, starting and stopping them is ordinary work. `minikube kubectl -- …` is analysed as kubectl and
`minikube ssh -- …` where it runs.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import R, Table, parse, tabled
from agentguard.analysis.infra.inside import run_inside
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

W, X, B = Kind.CLOUD_WRITE, Kind.EXEC_PROGRAM, Kind.EXEC_BUILD
CD, CT = Kind.CLUSTER_DESTROY, Kind.CONTAINER_DESTROY

KIND: Table = {
    ("delete",): (CD, "deletes a kind cluster"),
    ("create",): (X, "creates a kind cluster"),
    ("get",): (R, "kind get"),
    ("load",): (B, "loads images into a kind cluster"),
    ("export",): (R, "kind export"),
    ("build",): (B, "kind build"),
    ("version",): (R, "kind version"),
}
MINIKUBE: Table = {
    ("delete",): (CD, "deletes a minikube cluster"),
    ("start",): (X, "starts minikube"),
    ("stop",): (X, "stops minikube"),
    ("pause",): (X, "pauses minikube"),
    ("unpause",): (X, "unpauses minikube"),
    ("status",): (R, "minikube status"),
    ("ip",): (R, "minikube ip"),
    ("logs",): (R, "minikube logs"),
    ("profile",): (R, "minikube profile"),
    ("service",): (R, "minikube service"),
    ("dashboard",): (X, "minikube dashboard"),
    ("addons",): (X, "minikube addons"),
    ("image", "rm"): (CT, "removes images from minikube"),
    ("image",): (B, "minikube image"),
    ("cache",): (B, "minikube cache"),
    ("tunnel",): (X, "tunnel"),
    ("mount",): (X, "mounts a host directory"),
    ("version",): (R, "minikube version"),
    ("update-context",): (W, "updates kubeconfig"),
    ("config",): (X, "minikube config"),
    ("node", "delete"): (CD, "deletes a minikube node"),
    ("node",): (X, "minikube node"),
    ("docker-env",): (R, "prints docker settings"),
    ("podman-env",): (R, "prints podman settings"),
}
K3D: Table = {
    ("cluster", "delete"): (CD, "deletes a k3d cluster"),
    ("cluster", "rm"): (CD, "deletes a k3d cluster"),
    ("node", "delete"): (CD, "deletes a k3d node"),
    ("registry", "delete"): (CT, "deletes a registry"),
    ("cluster", "list"): (R, "k3d cluster list"),
    ("cluster", "get"): (R, "k3d cluster list"),
    ("node", "list"): (R, "k3d node list"),
    ("registry", "list"): (R, "k3d registry list"),
    ("kubeconfig",): (W, "k3d kubeconfig"),
    ("image",): (B, "imports images"),
    ("version",): (R, "version"),
    ("cluster",): (X, "k3d cluster"),
    ("node",): (X, "k3d node"),
    ("registry",): (X, "k3d registry"),
}


def kind_cli(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, {"--name", "-n", "--image", "--config", "--kubeconfig", "--wait", "--nodes"})
    name = "all clusters" if p.flag("--all") else (p.opt("--name", "-n") or "kind")
    return tabled("kind cluster", KIND, p, inv, {"kube_context": f"kind-{name}"}, X, label=name)


def minikube(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(
        inv.args,
        {
            "-p",
            "--profile",
            "--driver",
            "--memory",
            "--cpus",
            "--kubernetes-version",
            "-n",
            "--node",
            "--namespace",
            "--container-runtime",
            "--addons",
        },
    )
    profile = "all profiles" if p.flag("--all") else (p.opt("-p", "--profile") or "minikube")
    env: dict[str, str | None] = {"kube_context": profile}
    if p.verb(0) == "kubectl":
        inner = [Word("kubectl"), *(p.rest or p.positionals[1:])]
        return ctx.run(inv.with_words(inner))
    if p.verb(0) == "ssh":
        command = list(p.rest) or list(p.positionals[1:])
        if command:
            return run_inside(command, inv, ctx, f"minikube VM {profile}", context=env)
    return tabled("minikube", MINIKUBE, p, inv, env, X, label=profile)


def k3d(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, {"-c", "--config", "--servers", "--agents", "-p", "--port", "--image", "--api-port"})
    return tabled("k3d", K3D, p, inv, {}, X, "all clusters" if p.flag("-a", "--all") else None)
