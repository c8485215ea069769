"""docker, podman and nerdctl: reads, builds, running containers, and what destroys data (prunes, volumes).

Losing a volume loses data; losing a stopped container or a dangling image mostly does not. So `rm -v`,
`rm -f` (kills a running container), `volume rm`, every prune and `rmi` are `container.destroy`; `kill` and the
removal of a plugin, manifest, context or builder are asked (`exec.mutate`); `stop`, plain `rm` and
`compose down` without `-v` are ordinary work. `run` and `exec` analyse the command they run
inside the container (see `inside.py`), and a bind mount of the host's root or the docker socket is asked.
"""

from __future__ import annotations

import os

from agentguard.analysis.infra.cli import Parsed, effect, env_of, parse, unknown_words
from agentguard.analysis.infra.compose import compose
from agentguard.analysis.infra.inside import run_inside
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

GLOBAL_VALUED = frozenset(
    """--context -c -H --host --config -l --log-level --tlscacert --tlscert --tlskey --connection --url
    --identity --root --runroot --storage-driver --cgroup-manager --module --network-cmd-path --runtime --tmpdir
    --events-backend --hooks-dir --imagestore --storage-opt --volumepath --ssh --out -n --namespace -a
    --address --snapshotter --cni-path --data-root --host-gateway-ip""".split()
)
RUN_VALUED = frozenset(
    """-v --volume -e --env --env-file -p --publish --name -w --workdir -u --user --network --net -l --label
    --mount --entrypoint -h --hostname --restart -m --memory --cpus --platform --pull --add-host --device --dns
    --cap-add --cap-drop --security-opt --ulimit --log-driver --log-opt --tmpfs --volumes-from --pid --ipc --uts
    --userns --cgroupns --gpus --shm-size --stop-signal --stop-timeout --health-cmd --health-interval
    --health-retries --health-timeout --health-start-period --label-file --link --mac-address --ip --ip6
    --network-alias --cidfile --cpu-shares -c --cpuset-cpus --memory-swap --oom-score-adj --runtime -a --attach
    --expose --group-add --sysctl --storage-opt --annotation --isolation --blkio-weight --detach-keys
    --domainname --device-cgroup-rule --cgroup-parent --memory-reservation --pids-limit --pod
    --arch --os --variant""".split()
)
EXEC_VALUED = frozenset({"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys"})
READS = frozenset(
    """ps images logs inspect version info stats top history diff events port search ls list df show healthcheck
    du""".split()
)
BUILDS = frozenset("build pull tag save load import commit bake".split())
SENSITIVE_MOUNTS = (
    "/",
    "/etc",
    "/root",
    "/home",
    "/var",
    "/usr",
    "/boot",
    "/bin",
    "/lib",
    "/sbin",
    "/dev",
    "/proc",
    "/sys",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/podman/podman.sock",
)
GROUPS = frozenset(
    "container image volume network system builder buildx context plugin secret config service "
    "stack swarm node trust manifest scout pod machine kube generate".split()
)


def docker(inv: Invocation, ctx: Context) -> list[Effect]:
    g = parse(inv.args, GLOBAL_VALUED, stop_after=1)
    env = {
        "context": g.opt("--context", "-c", "--connection") or env_of(inv, "DOCKER_CONTEXT"),
        "host": g.opt("-H", "--host", "--url") or env_of(inv, "DOCKER_HOST"),
        "namespace": g.opt("-n", "--namespace") if inv.name == "nerdctl" else None,
    }
    if not g.positionals:
        return [effect(Kind.READ, inv.name, "shows help", inv, env)]
    if not g.positionals[0].known:
        return unknown_words(g.positionals, f"the {inv.name} sub-command", inv)
    group, rest = g.verb(0), list(g.rest)
    if group == "compose":
        return compose(inv, ctx, rest, env)
    verb = group
    if group in GROUPS and rest and not rest[0].text.startswith("-"):
        verb, rest = rest[0].text, rest[1:]
    return _verb(group, verb, rest, inv, ctx, env)


def _verb(
    group: str, verb: str, rest: list[Word], inv: Invocation, ctx: Context, env: dict[str, str | None]
) -> list[Effect]:
    name = inv.name
    if verb in ("run", "create") and group in ("run", "create", "container"):
        return _run(rest, inv, ctx, env)
    if verb == "exec":
        return _exec(rest, inv, ctx, env)
    if verb == "prune" or (group, verb) == ("system", "reset"):
        return _prune(group, verb, rest, inv, env)
    if verb in ("rm", "remove", "delete", "rmi", "kill", "leave", "down") or group == "rmi":
        return _remove(group, verb, rest, inv, env)
    if verb == "cp":
        return _copy(rest, inv, ctx, env)
    if group in ("builder", "buildx") or verb in BUILDS:
        return [effect(Kind.EXEC_BUILD, f"{name} images", f"{name} {_said(group, verb)}", inv, env)]
    if verb in READS or group == "scout":
        return [effect(Kind.READ, name, f"{name} {_said(group, verb)}", inv, env)]
    if verb in ("push", "deploy", "sign") or (group in ("service", "stack") and verb in ("create", "update", "scale")):
        return [effect(Kind.CLOUD_WRITE, f"{name} {group}", f"{name} {_said(group, verb)}", inv, env)]
    return [effect(Kind.EXEC_PROGRAM, f"{name} {group}", f"{name} {_said(group, verb)}", inv, env)]


def _said(group: str, verb: str) -> str:
    return verb if group == verb else f"{group} {verb}"


def _run(rest: list[Word], inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    p = parse(rest, RUN_VALUED, stop_after=1)
    image = p.verb(0) or "image"
    effects = [effect(Kind.EXEC_PROGRAM, f"container from {image}", f"runs a container from {image}", inv, env)]
    mounts, risky = mounts_of(p, inv)
    effects += risky
    if p.flag("--privileged") or p.opt("--pid") == "host":
        effects.append(
            Effect.unknown("runs a privileged container: it can reach the host's devices and kernel", inv.source)
        )
    command = [*([p.opt_word("--entrypoint")] if p.opt_word("--entrypoint") else []), *p.rest]
    if command:
        where = f"container from {image}"
        effects += run_inside(
            [w for w in command if w is not None],
            inv,
            ctx,
            where,
            workdir=p.opt("-w", "--workdir"),
            mounts=mounts,
            persistent=False,
            context=env,
        )
    return effects


def mounts_of(p: Parsed, inv: Invocation) -> tuple[dict[str, str], list[Effect]]:
    """Container path -> host path ("" when not known, `volume:NAME` for a named volume); risky mounts."""
    mounts: dict[str, str] = {}
    risky: list[Effect] = []
    specs = [(w.text, w.known) for w in p.opts("-v", "--volume")]
    for w in p.opts("--mount"):
        fields = dict(part.partition("=")[::2] for part in w.text.split(","))
        src, dst = fields.get("source") or fields.get("src", ""), fields.get("target") or fields.get("dst", "")
        specs.append((f"{src}:{dst}", w.known))
    for spec, known in specs:
        parts = spec.split(":")
        if len(parts) < 2 or not parts[1].startswith("/"):
            continue
        src, dst = parts[0], parts[1]
        if not known:
            mounts[dst] = ""
            continue
        if src.startswith(("/", "~", ".")):
            host = os.path.normpath(os.path.join(inv.cwd or "/", os.path.expanduser(src)))
            mounts[dst] = host
            if host in SENSITIVE_MOUNTS or host == os.path.expanduser("~"):
                risky.append(
                    Effect.unknown(
                        f"mounts the host's {host} into the container at {dst}: whatever runs "
                        "there can change the host",
                        inv.source,
                    )
                )
        else:
            mounts[dst] = f"volume:{src}"
    return mounts, risky


def _exec(rest: list[Word], inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    p = parse(rest, EXEC_VALUED, stop_after=1)
    container = p.verb(0) or "container"
    where = f"container {container}"
    if not p.rest:
        return [effect(Kind.EXEC_PROGRAM, where, "runs a command in a container", inv, env)]
    return [
        effect(Kind.EXEC_PROGRAM, where, "runs a command in a container", inv, env),
        *run_inside(p.rest, inv, ctx, where, workdir=p.opt("-w", "--workdir"), context=env),
    ]


def _prune(group: str, verb: str, rest: list[Word], inv: Invocation, env: dict[str, str | None]) -> list[Effect]:
    p = parse(rest, {"--filter"})
    name = inv.name
    every = p.flag("-a", "--all")
    images = f"{name} images ({'all unused' if every else 'dangling'})"
    found = {
        "system": [f"{name} containers (stopped)", f"{name} networks (unused)", images, f"{name} build cache"]
        + ([f"{name} volumes (all unused)"] if p.flag("--volumes") else []),
        "container": [f"{name} containers (stopped)"],
        "image": [images],
        "volume": [f"{name} volumes ({'all unused' if every else 'unused anonymous'})"],
        "network": [f"{name} networks (unused)"],
        "pod": [f"{name} pods (stopped)"],
    }.get(group)
    if verb == "reset":
        found = [f"{name}: every container, image, volume and network"]
    if group in ("builder", "buildx"):
        return [effect(Kind.EXEC_BUILD, f"{name} build cache", "clears the build cache", inv, env)]
    if found is None:
        return [effect(Kind.EXEC_PROGRAM, f"{name} {group}", f"{name} {group} prune", inv, env)]
    detail = f"{name} {group} {verb} deletes"
    return [effect(Kind.CONTAINER_DESTROY, target, detail, inv, env) for target in found]


def _remove(group: str, verb: str, rest: list[Word], inv: Invocation, env: dict[str, str | None]) -> list[Effect]:
    p = parse(rest, {"--time", "-t", "--signal", "-s", "--filter"})
    name, names = inv.name, p.positionals
    what = {
        "rmi": "image",
        "image": "image",
        "volume": "volume",
        "network": "network",
        "pod": "pod",
        "machine": "machine",
        "service": "service",
        "stack": "stack",
        "secret": "secret",
        "config": "config",
        "node": "node",
        "context": "context",
        "plugin": "plugin",
        "manifest": "manifest",
        "swarm": "swarm",
        "builder": "builder",
        "buildx": "builder",
    }.get(group, "container")
    if verb == "kill":  # a running process ends: what it held in memory is gone
        return [effect(Kind.EXEC_MUTATE, f"{name} {what}", f"{name} {_said(group, verb)} kills running "
                       "containers", inv, env)]  # fmt: skip
    if what in ("context", "plugin", "manifest", "builder"):
        return [effect(Kind.EXEC_MUTATE, f"{name} {what}", f"{name} {_said(group, verb)} removes a {what}", inv, env)]
    if verb == "leave" and not p.flag("-f", "--force"):
        return [effect(Kind.EXEC_PROGRAM, f"{name} {what}", f"{name} {_said(group, verb)}", inv, env)]
    targets = [f"{what} {n.text}" if n.known else f"{what}s computed at run time" for n in names]
    targets = list(dict.fromkeys(targets)) or [f"{name} {what}"]
    plain = what == "container" and not p.flag("-v", "--volumes", "-f", "--force")
    bad = [] if plain else unknown_words(names, f"the {what} to remove", inv)
    if bad:
        return bad
    if what == "container":
        if p.flag("-v", "--volumes"):
            return [
                effect(
                    Kind.CONTAINER_DESTROY,
                    f"{t} and its anonymous volumes",
                    "removes containers with their volumes",
                    inv,
                    env,
                )
                for t in targets
            ]
        if p.flag("-f", "--force"):
            return [
                effect(Kind.CONTAINER_DESTROY, t, "force-removes containers (kills running ones)", inv, env)
                for t in targets
            ]
        return [effect(Kind.EXEC_PROGRAM, t, "removes stopped containers", inv, env) for t in targets]
    return [effect(Kind.CONTAINER_DESTROY, t, f"{name} {_said(group, verb)} deletes", inv, env) for t in targets]


def _copy(rest: list[Word], inv: Invocation, ctx: Context, env: dict[str, str | None]) -> list[Effect]:
    p = parse(rest, set())
    if len(p.positionals) < 2:
        return [Effect.unknown(f"{inv.name} cp: source or destination missing", inv.source)]
    dest = p.positionals[-1]
    if ":" in dest.text and not dest.text.startswith(("/", ".")):
        return [effect(Kind.EXEC_PROGRAM, dest.text, "copies files into a container", inv, env)]
    return ctx.file_effects(Kind.FILE_WRITE, dest, inv, "copies files out of a container")


def docker_compose(inv: Invocation, ctx: Context) -> list[Effect]:
    return compose(
        inv, ctx, list(inv.args), {"host": env_of(inv, "DOCKER_HOST"), "context": env_of(inv, "DOCKER_CONTEXT")}
    )
