"""Local clusters (kind, minikube, k3d), VMs and system containers (vagrant, virsh, lxc) and nomad.

Each tool is a table from its verb path to a kind; the longest matching prefix wins. What deletes a cluster,
a VM, its disks or snapshots is destructive; starting, stopping and provisioning are ordinary work. Commands
run inside a VM or container (`vagrant ssh -c`, `lxc exec`, `minikube ssh`, `nomad alloc exec`) are analysed
where they run; `minikube kubectl -- …` is analysed as kubectl.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import Parsed, effect, env_of, match_table, parse, unknown_words
from agentguard.analysis.infra.inside import relocate, run_inside
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

R, W, X, B = Kind.READ, Kind.CLOUD_WRITE, Kind.EXEC_PROGRAM, Kind.EXEC_BUILD
CD, CT, ID = Kind.CLUSTER_DESTROY, Kind.CONTAINER_DESTROY, Kind.INFRA_DESTROY

Table = dict[tuple[str, ...], tuple[Kind, str]]

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
VAGRANT: Table = {
    ("destroy",): (ID, "destroys the VM and its disks"),
    ("box", "remove"): (CT, "removes a box"),
    ("box", "prune"): (CT, "prunes old boxes"),
    ("snapshot", "delete"): (ID, "deletes a snapshot"),
    ("snapshot", "restore"): (ID, "restores a snapshot: the VM's current state is lost"),
    ("snapshot", "pop"): (ID, "restores and deletes a snapshot"),
    ("status",): (R, "vagrant status"),
    ("global-status",): (R, "global status"),
    ("ssh-config",): (R, "ssh config"),
    ("port",): (R, "vagrant port"),
    ("version",): (R, "vagrant version"),
    ("box", "list"): (R, "boxes"),
    ("snapshot", "list"): (R, "snapshots"),
    ("validate",): (R, "validates the Vagrantfile"),
    ("plugin", "list"): (R, "plugins"),
    ("plugin",): (B, "vagrant plugin"),
    ("box",): (B, "vagrant box"),
}
VIRSH: Table = {
    ("undefine",): (ID, "undefines a VM"),
    ("destroy",): (ID, "forcibly powers off a VM"),
    ("vol-delete",): (ID, "deletes a storage volume"),
    ("vol-wipe",): (ID, "wipes a storage volume"),
    ("pool-delete",): (ID, "deletes a storage pool"),
    ("snapshot-delete",): (ID, "deletes a snapshot"),
    ("snapshot-revert",): (ID, "reverts to a snapshot: the VM's current state is lost"),
    ("net-undefine",): (ID, "undefines a network"),
    ("reset",): (ID, "hard-resets a VM"),
}
VIRSH_READS = (
    "list",
    "dominfo",
    "dumpxml",
    "domstate",
    "domblklist",
    "domiflist",
    "net-list",
    "net-info",
    "pool-list",
    "pool-info",
    "vol-list",
    "vol-info",
    "snapshot-list",
    "snapshot-info",
    "nodeinfo",
    "capabilities",
    "version",
    "help",
    "domifaddr",
    "vcpuinfo",
    "dommemstat",
    "net-dumpxml",
    "pool-dumpxml",
    "vol-dumpxml",
    "uri",
    "hostname",
    "sysinfo",
)
LXC: Table = {
    ("delete",): (CT, "deletes an instance"),
    ("rm",): (CT, "deletes an instance"),
    ("restore",): (CT, "restores a snapshot: the instance's current state is lost"),
    ("image", "delete"): (CT, "deletes an image"),
    ("storage", "delete"): (CT, "deletes a storage pool"),
    ("storage", "volume", "delete"): (CT, "deletes a storage volume"),
    ("network", "delete"): (CT, "deletes a network"),
    ("project", "delete"): (CT, "deletes a project"),
    ("profile", "delete"): (CT, "deletes a profile"),
    ("snapshot", "delete"): (CT, "deletes a snapshot"),
    ("list",): (R, "lists instances"),
    ("ls",): (R, "lists instances"),
    ("info",): (R, "lxc info"),
    ("config", "show"): (R, "shows config"),
    ("image", "list"): (R, "images"),
    ("version",): (R, "version"),
    ("remote", "list"): (R, "remotes"),
    ("storage", "list"): (R, "pools"),
    ("network", "list"): (R, "nets"),
    ("file", "pull"): (R, "copies a file out"),
    ("query",): (R, "lxc query"),
    ("monitor",): (R, "monitor"),
}
NOMAD: Table = {
    ("job", "stop"): (CD, "stops a job and its allocations"),
    ("stop",): (CD, "stops a job"),
    ("node", "drain"): (CD, "drains a node"),
    ("namespace", "delete"): (CD, "deletes a namespace"),
    ("volume", "delete"): (CD, "deletes a volume"),
    ("volume", "deregister"): (CD, "deregisters a volume"),
    ("var", "purge"): (CD, "purges a variable"),
    ("system", "gc"): (CD, "garbage-collects"),
    ("job", "run"): (W, "runs a job"),
    ("run",): (W, "runs a job"),
    ("job", "plan"): (R, "plans a job"),
    ("plan",): (R, "plans a job"),
    ("status",): (R, "status"),
    ("job", "status"): (R, "job status"),
    ("node", "status"): (R, "node status"),
    ("alloc", "logs"): (R, "logs"),
    ("logs",): (R, "logs"),
    ("alloc", "status"): (R, "alloc status"),
    ("server", "members"): (R, "members"),
    ("version",): (R, "version"),
    ("job", "inspect"): (R, "inspect"),
    ("var", "get"): (R, "var get"),
    ("var", "list"): (R, "var list"),
    ("job", "history"): (R, "history"),
    ("validate",): (R, "validate"),
    ("job", "validate"): (R, "validate"),
    ("fmt",): (B, "formats job files"),
}


def _tabled(
    tool: str,
    table: Table,
    p: Parsed,
    inv: Invocation,
    env: dict[str, str | None],
    fallback: Kind,
    default: str | None = None,
    label: str | None = None,
) -> list[Effect]:
    words = p.words
    found = match_table(words, table)
    verb = " ".join(words[:2]) or "help"
    if found is None:  # a verb the table does not name: ordinary work on the operands
        found = (fallback, f"{tool} {words[0]}") if words else (R, f"{tool} help")
    kind, detail = found
    depth = next((n for n in range(4, 0, -1) if tuple(words[:n]) in table), 1)
    names = list(p.positionals[depth:])
    if kind.destructive:
        bad = unknown_words(names, f"what {tool} {verb} acts on", inv)
        if bad:
            return bad
    if kind == R:
        return [effect(kind, tool, detail, inv, env)]
    shown = label or ", ".join(w.text for w in names) or default or "default"
    return [effect(kind, f"{tool} {shown}", detail, inv, env)]


def kind_cli(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, {"--name", "-n", "--image", "--config", "--kubeconfig", "--wait", "--nodes"})
    name = "all clusters" if p.flag("--all") else (p.opt("--name", "-n") or "kind")
    return _tabled("kind cluster", KIND, p, inv, {"kube_context": f"kind-{name}"}, X, label=name)


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
    return _tabled("minikube", MINIKUBE, p, inv, env, X, label=profile)


def k3d(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, {"-c", "--config", "--servers", "--agents", "-p", "--port", "--image", "--api-port"})
    return _tabled("k3d", K3D, p, inv, {}, X, "all clusters" if p.flag("-a", "--all") else None)


def vagrant(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, {"-c", "--command", "--provider", "--provision-with", "--box-version", "--name"})
    command = p.opt_word("-c", "--command")
    if p.verb(0) == "ssh" and command is not None:
        if not command.known:
            return unknown_words([command], "the command run in the VM", inv)
        machine = p.verb(1) or "default"
        return relocate(ctx.shell(command.text, inv), f"vagrant VM {machine}", destroy_kind=Kind.INFRA_DESTROY)
    return _tabled("vagrant VM", VAGRANT, p, inv, {}, X)


def virsh(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, {"-c", "--connect", "--pool", "-r", "--readonly-ignored", "-d", "--debug", "-l", "--log"})
    env = {"host": p.opt("-c", "--connect") or env_of(inv, "LIBVIRT_DEFAULT_URI")}
    if p.verb(0) in VIRSH_READS or p.flag("-r", "--readonly"):
        return [effect(R, "virsh", f"virsh {p.verb(0) or 'help'}", inv, env)]
    extra: list[Effect] = []
    if p.verb(0) == "undefine" and p.flag("--remove-all-storage", "--storage", "--wipe-storage"):
        extra = [
            effect(ID, f"disks of VM {p.verb(1)}", "undefine --remove-all-storage deletes the VM's disks", inv, env)
        ]
    return _tabled("virsh", VIRSH, p, inv, env, X) + extra


def lxc(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(
        inv.args,
        {
            "--project",
            "-c",
            "--config",
            "-p",
            "--profile",
            "--target",
            "-t",
            "--type",
            "--env",
            "--cwd",
            "--user",
            "--group",
            "-s",
            "--storage",
            "-n",
            "--network",
        },
    )
    first = p.words[1] if len(p.words) > 1 else ""
    env = {"host": first.split(":", 1)[0] if ":" in first else None, "project": p.opt("--project")}
    if p.verb(0) == "exec" and p.dashdash and p.rest:
        return run_inside(p.rest, inv, ctx, f"lxc instance {first}", workdir=p.opt("--cwd"), context=env)
    return _tabled("lxc", LXC, p, inv, env, X)


def nomad(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(
        inv.args,
        {
            "-address",
            "-namespace",
            "-region",
            "-token",
            "-task",
            "-group",
            "-job",
            "-var",
            "-var-file",
            "-ca-cert",
            "-client-cert",
            "-client-key",
            "-tls-server-name",
            "-deadline",
        },
    )
    env = {
        "host": p.opt("-address") or env_of(inv, "NOMAD_ADDR"),
        "namespace": p.opt("-namespace") or env_of(inv, "NOMAD_NAMESPACE"),
        "region": p.opt("-region") or env_of(inv, "NOMAD_REGION"),
    }
    if p.words[:2] == ("alloc", "exec") and len(p.positionals) > 3:
        return run_inside(p.positionals[3:], inv, ctx, f"nomad allocation {p.verb(2)}", context=env)
    if p.words[:2] == ("node", "drain") and p.flag("-disable"):
        return [effect(W, "nomad node", "disables draining", inv, env)]
    return _tabled("nomad", NOMAD, p, inv, env, W)
