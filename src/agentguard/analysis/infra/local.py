"""Hooks of the local Kubernetes cluster specs (kind, minikube, k3d in spec/programs/infra.toml): deleting a
cluster or a node is `cluster.destroy`; creating, starting and stopping them is ordinary work.
`minikube kubectl -- …` is analysed as kubectl and `minikube ssh -- …` where it runs.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import parse, tabled
from agentguard.analysis.infra.inside import run_inside
from agentguard.analysis.spec.engine import Reading
from agentguard.analysis.spec.model import Program
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

X = Kind.EXEC_PROGRAM


def kind_cli(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    p = parse(inv.args, program.valued)
    name = "all clusters" if p.flag("--all") else (p.opt("--name", "-n") or "kind")
    return tabled("kind cluster", program.entries, p, inv, {"kube_context": f"kind-{name}"}, X, label=name)


def minikube(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    p = parse(inv.args, program.valued)
    profile = "all profiles" if p.flag("--all") else (p.opt("-p", "--profile") or "minikube")
    env: dict[str, str | None] = {"kube_context": profile}
    if p.verb(0) == "kubectl":
        inner = [Word("kubectl"), *(p.rest or p.positionals[1:])]
        return ctx.run(inv.with_words(inner))
    if p.verb(0) == "ssh":
        command = list(p.rest) or list(p.positionals[1:])
        if command:
            return run_inside(command, inv, ctx, f"minikube VM {profile}", context=env)
    return tabled("minikube", program.entries, p, inv, env, X, label=profile)


def k3d(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    p = parse(inv.args, program.valued)
    return tabled("k3d", program.entries, p, inv, {}, X, "all clusters" if p.flag("-a", "--all") else None)
