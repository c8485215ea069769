"""VMs and system containers (vagrant, virsh, lxc) and nomad.

Each tool is a table from its verb path to a kind; the longest matching prefix wins. What deletes a VM, its
disks or snapshots, or stops a nomad job, is destructive; starting, stopping and provisioning are ordinary
work. Commands run inside a VM or container (`vagrant ssh -c`, `lxc exec`, `nomad alloc exec`) are analysed
where they run.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import R, Table, effect, env_of, parse, tabled, unknown_words
from agentguard.analysis.infra.inside import relocate, run_inside
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

W, X, B = Kind.CLOUD_WRITE, Kind.EXEC_PROGRAM, Kind.EXEC_BUILD
CD, CT, ID = Kind.CLUSTER_DESTROY, Kind.CONTAINER_DESTROY, Kind.INFRA_DESTROY

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


def vagrant(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, {"-c", "--command", "--provider", "--provision-with", "--box-version", "--name"})
    command = p.opt_word("-c", "--command")
    if p.verb(0) == "ssh" and command is not None:
        if not command.known:
            return unknown_words([command], "the command run in the VM", inv)
        machine = p.verb(1) or "default"
        return relocate(ctx.shell(command.text, inv), f"vagrant VM {machine}", destroy_kind=Kind.INFRA_DESTROY)
    return tabled("vagrant VM", VAGRANT, p, inv, {}, X)


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
    return tabled("virsh", VIRSH, p, inv, env, X) + extra


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
    return tabled("lxc", LXC, p, inv, env, X)


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
    return tabled("nomad", NOMAD, p, inv, env, W)
