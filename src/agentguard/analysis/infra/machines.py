"""Hooks of the VM, system container and nomad specs (vagrant, virsh, lxc, nomad in spec/programs/infra.toml).

Each spec's `commands` table maps a verb path to a kind; the longest matching prefix wins. What deletes a VM, its
disks or snapshots, or stops a nomad job, is destructive; starting, stopping and provisioning are ordinary
work. Commands run inside a VM or container (`vagrant ssh -c`, `lxc exec`, `nomad alloc exec`) are analysed
where they run.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import R, effect, env_of, parse, tabled, unknown_words
from agentguard.analysis.infra.inside import relocate, run_inside
from agentguard.analysis.spec.engine import Reading
from agentguard.analysis.spec.model import Program
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

W, X, B = Kind.CLOUD_WRITE, Kind.EXEC_PROGRAM, Kind.EXEC_BUILD
ID = Kind.INFRA_DESTROY


def vagrant(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    p = parse(inv.args, program.valued)
    command = p.opt_word("-c", "--command")
    if p.verb(0) == "ssh" and command is not None:
        if not command.known:
            return unknown_words([command], "the command run in the VM", inv)
        machine = p.verb(1) or "default"
        return relocate(ctx.shell(command.text, inv), f"vagrant VM {machine}", destroy_kind=Kind.INFRA_DESTROY)
    return tabled("vagrant VM", program.entries, p, inv, {}, X)


def virsh(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    p = parse(inv.args, program.valued)
    env = {"host": p.opt("-c", "--connect") or env_of(inv, "LIBVIRT_DEFAULT_URI")}
    if p.flag("-r", "--readonly"):
        return [effect(R, "virsh", f"virsh {p.verb(0) or 'help'}", inv, env)]
    extra: list[Effect] = []
    if p.verb(0) == "undefine" and p.flag("--remove-all-storage", "--storage", "--wipe-storage"):
        extra = [
            effect(ID, f"disks of VM {p.verb(1)}", "undefine --remove-all-storage deletes the VM's disks", inv, env)
        ]
    return tabled("virsh", program.entries, p, inv, env, X) + extra


def lxc(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    p = parse(inv.args, program.valued)
    first = p.words[1] if len(p.words) > 1 else ""
    env = {"host": first.split(":", 1)[0] if ":" in first else None, "project": p.opt("--project")}
    if p.verb(0) == "exec" and p.dashdash and p.rest:
        return run_inside(p.rest, inv, ctx, f"lxc instance {first}", workdir=p.opt("--cwd"), context=env)
    return tabled("lxc", program.entries, p, inv, env, X)


def nomad(program: Program, inv: Invocation, ctx: Context, r: Reading) -> list[Effect] | None:
    p = parse(inv.args, program.valued)
    env = {
        "host": p.opt("-address") or env_of(inv, "NOMAD_ADDR"),
        "namespace": p.opt("-namespace") or env_of(inv, "NOMAD_NAMESPACE"),
        "region": p.opt("-region") or env_of(inv, "NOMAD_REGION"),
    }
    if p.words[:2] == ("alloc", "exec") and len(p.positionals) > 3:
        return run_inside(p.positionals[3:], inv, ctx, f"nomad allocation {p.verb(2)}", context=env)
    if p.words[:2] == ("node", "drain") and p.flag("-disable"):
        return [effect(W, "nomad node", "disables draining", inv, env)]
    return tabled("nomad", program.entries, p, inv, env, W)
