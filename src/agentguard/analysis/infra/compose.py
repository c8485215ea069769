"""docker compose / docker-compose / podman compose.

`down` stops and removes the project's containers and networks: nothing is lost that `up` does not recreate,
so it is ordinary work. `down -v` also deletes the project's volumes (the database's data) and `down --rmi`
its images: those are `container.destroy`. `exec` and `run` analyse the command run inside the service.
The project (`-p`, COMPOSE_PROJECT_NAME) and an environment named in the compose file
(`-f docker-compose.prod.yml` → env prod) go into the context.
"""

from __future__ import annotations

import os

from agentguard.analysis.infra.cli import effect, env_of, parse
from agentguard.analysis.infra.inside import run_inside
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

GLOBAL_VALUED = frozenset(
    "-f --file -p --project-name --profile --env-file --project-directory --ansi --parallel --progress".split()
)
VERB_VALUED = frozenset(
    "--rmi -t --timeout -e --env -u --user -w --workdir --index --name --entrypoint -l "
    "--label -p --publish -v --volume --scale --pull --exit-code-from --attach "
    "--no-attach --wait-timeout --signal --format".split()
)
READS = frozenset("ps logs config images ls top version port events convert stats wait".split())
BUILDS = frozenset("build pull create".split())
FILE_WORDS = frozenset({"docker-compose", "compose", "yml", "yaml", "json"})


def compose(inv: Invocation, ctx: Context, args: list[Word], env: dict[str, str | None]) -> list[Effect]:
    g = parse(args, GLOBAL_VALUED, stop_after=1)
    project = g.opt("-p", "--project-name") or env_of(inv, "COMPOSE_PROJECT_NAME")
    files = [w.text for w in g.opts("-f", "--file")] or (env_of(inv, "COMPOSE_FILE") or "").split(os.pathsep)
    env = {**env, "stack": project, "env": _file_env([f for f in files if f])}
    shown = project or (os.path.basename(inv.cwd) if inv.cwd else "") or "this directory"
    verb = g.verb(0)
    p = parse(g.rest, VERB_VALUED)
    if not verb or verb in READS:
        return [effect(Kind.READ, f"compose project {shown}", f"compose {verb or 'help'}", inv, env)]
    if verb == "down":
        return _down(p.flag("-v", "--volumes"), p.opt("--rmi"), shown, inv, env)
    if verb == "rm" and p.flag("-v", "--volumes"):
        return [
            effect(
                Kind.CONTAINER_DESTROY,
                f"compose volumes (project {shown}, anonymous)",
                "compose rm -v deletes the containers' anonymous volumes",
                inv,
                env,
            )
        ]
    if verb == "kill" or (verb == "rm" and p.flag("-f", "--force")):
        what = "kills the running containers" if verb == "kill" else "removes the containers without asking"
        return [effect(Kind.EXEC_MUTATE, f"compose project {shown}", f"compose {verb} {what}: their in-memory "
                       "state and writable layers are lost", inv, env)]  # fmt: skip
    if verb in ("exec", "run"):
        return _inner(verb, g.rest, inv, ctx, shown, env)
    if verb in BUILDS:
        return [effect(Kind.EXEC_BUILD, f"compose project {shown}", f"compose {verb}", inv, env)]
    if verb == "push":
        return [effect(Kind.CLOUD_WRITE, f"compose project {shown} images", "compose push", inv, env)]
    return [effect(Kind.EXEC_PROGRAM, f"compose project {shown}", f"compose {verb}", inv, env)]


def _down(volumes: bool, rmi: str | None, shown: str, inv: Invocation, env: dict[str, str | None]) -> list[Effect]:
    effects = []
    if volumes:
        effects.append(
            effect(
                Kind.CONTAINER_DESTROY,
                f"compose volumes (project {shown})",
                "compose down -v deletes the project's volumes and their data",
                inv,
                env,
            )
        )
    if rmi:
        effects.append(
            effect(
                Kind.CONTAINER_DESTROY,
                f"compose images (project {shown}, {rmi})",
                "compose down --rmi deletes the project's images",
                inv,
                env,
            )
        )
    return effects or [
        effect(
            Kind.EXEC_PROGRAM,
            f"compose project {shown}",
            "compose down stops and removes the containers and networks (volumes kept)",
            inv,
            env,
        )
    ]


def _inner(
    verb: str, rest: tuple[Word, ...], inv: Invocation, ctx: Context, shown: str, env: dict[str, str | None]
) -> list[Effect]:
    p = parse(rest, VERB_VALUED, stop_after=1)
    service = p.verb(0) or "service"
    where = f"compose service {service}"
    effects = [effect(Kind.EXEC_PROGRAM, where, f"compose {verb} runs a command in a service", inv, env)]
    if p.rest:
        from agentguard.analysis.infra.containers import mounts_of

        mounts, risky = mounts_of(p, inv)  # `-v .:/src`: bind mounts named on the line (the file's are not read)
        workdir = p.opt("-w", "--workdir")
        effects += [*risky, *run_inside(p.rest, inv, ctx, where, workdir=workdir, mounts=mounts, context=env)]
    return effects


def _file_env(files: list[str]) -> str | None:
    """`docker-compose.prod.yml` → prod, `compose.staging.yaml` → staging; None for the plain file names."""
    for name in files:
        parts = [part for part in os.path.basename(name).lower().split(".") if part not in FILE_WORDS]
        parts = [part.removeprefix("docker-compose-").removeprefix("compose-") for part in parts]
        if parts and parts[0]:
            return parts[0]
    return None
