"""terraform, tofu and terragrunt.

`plan` is a read, even `plan -destroy`. `apply` changes infrastructure (`cloud.write`, ordinary work), but
`destroy`, `apply -destroy` and `apply -replace=ADDR` destroy resources, and state surgery that makes terraform
forget or overwrite what exists (`state rm`, `state push`, `taint`, `workspace delete`, `force-unlock`) is
`infra.destroy` too. Where it happens: `TF_WORKSPACE`, the `-chdir` directory, an environment named by the
directory (`envs/prod`) or the var file (`-var-file=prod.tfvars`).
"""

from __future__ import annotations

import os

from agentguard.analysis.infra.cli import Parsed, effect, env_of, parse, unknown_words
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

VALUED = frozenset(
    """-var -var-file -target -replace -state -state-out -backup -out -lock-timeout -parallelism -chdir
    -backend-config -plugin-dir -from-module -generate-config-out -test-directory -filter -provider -id
    -lockfile -platform -config -terragrunt-working-dir -terragrunt-config -working-dir -queue-include-dir
    -terragrunt-include-dir -terragrunt-exclude-dir -queue-exclude-dir -terragrunt-parallelism""".split()
)
READS = frozenset(
    "plan validate show output graph providers version console metadata modules help "
    "output-module-groups render-json hclfmt-check info".split()
)
BUILDS = frozenset("init get fmt hclfmt graph-dependencies scaffold catalog".split())
ENVIRONMENTS = frozenset(
    {
        "prod",
        "production",
        "prd",
        "live",
        "staging",
        "stage",
        "stg",
        "dev",
        "development",
        "qa",
        "test",
        "uat",
        "sandbox",
    }
)


def terraform(inv: Invocation, ctx: Context) -> list[Effect]:
    words = [Word("-" + w.text[2:], w.known, w.why) if w.text.startswith("--") and len(w.text) > 2 else w
             for w in inv.args]  # fmt: skip  # Go's flag package takes -x and --x alike
    p = parse(words, VALUED, clusters=False)
    positionals = list(p.words)
    modules = ""
    if inv.name == "terragrunt":
        positionals, modules = _terragrunt(positionals + [w.text for w in p.rest], p)
    env = _where(p, inv)
    verb = positionals[0] if positionals else ""
    if not verb or p.flag("-help", "-h"):
        return [effect(Kind.READ, inv.name, "shows help", inv, env)]
    if p.positionals and not p.positionals[0].known:
        return unknown_words(p.positionals[:1], f"the {inv.name} sub-command", inv)
    parts = [modules, f"workspace {env['workspace']}" if env.get("workspace") else ""]
    scope = f" ({', '.join(x for x in parts if x)})" if any(parts) else ""
    return _verb(verb, positionals[1:], p, inv, env, scope)


def _verb(
    verb: str, args: list[str], p: Parsed, inv: Invocation, env: dict[str, str | None], scope: str
) -> list[Effect]:
    tool = inv.name
    targets = [w.text for w in p.opts("-target")]
    bad = unknown_words(
        [*p.opts("-target", "-replace", "-chdir"), *p.positionals[1:]], "the resource or directory", inv
    )
    if verb == "destroy" or (verb == "apply" and p.flag("-destroy")):
        return bad or _resources(Kind.INFRA_DESTROY, targets, scope, "destroys infrastructure", inv, env)
    if verb == "apply":
        replaced = [w.text for w in p.opts("-replace")]
        if replaced:
            return bad or _resources(
                Kind.INFRA_DESTROY, replaced, scope, "destroys and recreates (apply -replace)", inv, env
            )
        approve = " without asking (-auto-approve)" if p.flag("-auto-approve") else ""
        return _resources(Kind.CLOUD_WRITE, targets, scope, f"applies infrastructure changes{approve}", inv, env)
    if verb == "state":
        return bad or _state(args, scope, inv, env)
    if verb == "taint":
        return bad or _resources(
            Kind.INFRA_DESTROY, args[:1], scope, "taints: the next apply destroys and recreates it", inv, env
        )
    if verb == "workspace":
        return _workspace(args, inv, env)
    if verb == "force-unlock":
        return [
            effect(
                Kind.INFRA_DESTROY,
                f"terraform state lock {' '.join(args[:1])}{scope}",
                "force-unlocks the state: a concurrent run can corrupt it",
                inv,
                env,
            )
        ]
    if verb in ("import", "refresh", "untaint"):
        return [effect(Kind.CLOUD_WRITE, f"terraform state{scope}", f"{tool} {verb} writes the state", inv, env)]
    if verb == "fmt" and p.flag("-check"):
        return [effect(Kind.READ, "terraform files", "checks formatting", inv, env)]
    if verb in READS:
        return [effect(Kind.READ, f"infrastructure{scope}", f"{tool} {verb}", inv, env)]
    if verb in BUILDS:
        return [effect(Kind.EXEC_BUILD, "terraform working directory", f"{tool} {verb}", inv, env)]
    if verb == "test":
        return [
            effect(
                Kind.EXEC_TEST, "terraform tests", f"{tool} test (may create and destroy test infrastructure)", inv, env
            )
        ]
    if verb in ("login", "logout"):
        return [effect(Kind.EXEC_PROGRAM, "terraform credentials", f"{tool} {verb}", inv, env)]
    return [Effect.unknown(f"{tool} {verb}: a sub-command agentguard does not know", inv.source)]


def _resources(
    kind: Kind, names: list[str], scope: str, detail: str, inv: Invocation, env: dict[str, str | None]
) -> list[Effect]:
    if not names:
        everything = "all resources" if kind.destructive else "infrastructure"
        return [effect(kind, f"{everything}{scope}", detail, inv, env)]
    return [effect(kind, f"resource {name}{scope}", detail, inv, env) for name in names]


def _state(args: list[str], scope: str, inv: Invocation, env: dict[str, str | None]) -> list[Effect]:
    sub, rest = (args[0], args[1:]) if args else ("", [])
    if sub in ("list", "show", "pull", ""):
        return [effect(Kind.READ, f"terraform state{scope}", f"state {sub}", inv, env)]
    if sub == "rm":
        return [
            effect(
                Kind.INFRA_DESTROY,
                f"terraform state{scope}: {name}",
                "state rm: terraform forgets the resource (the next apply may recreate or orphan it)",
                inv,
                env,
            )
            for name in rest or ["?"]
        ]
    if sub == "push":
        return [
            effect(Kind.INFRA_DESTROY, f"terraform state{scope}", "state push overwrites the remote state", inv, env)
        ]
    return [effect(Kind.CLOUD_WRITE, f"terraform state{scope}", f"state {sub} edits the state", inv, env)]


def _workspace(args: list[str], inv: Invocation, env: dict[str, str | None]) -> list[Effect]:
    sub, rest = (args[0], args[1:]) if args else ("show", [])
    if sub in ("list", "show"):
        return [effect(Kind.READ, "terraform workspaces", f"workspace {sub}", inv, env)]
    if sub == "delete":
        return [
            effect(
                Kind.INFRA_DESTROY,
                f"terraform workspace {name}",
                "deletes a workspace and its state",
                inv,
                {**env, "workspace": name},
            )
            for name in rest or ["?"]
        ]
    return [
        effect(
            Kind.CLOUD_WRITE,
            f"terraform workspace {' '.join(rest)}".strip(),
            f"workspace {sub}",
            inv,
            {**env, "workspace": rest[0] if rest else env.get("workspace")},
        )
    ]


def _where(p: Parsed, inv: Invocation) -> dict[str, str | None]:
    chdir = p.opt("-chdir", "-terragrunt-working-dir", "-working-dir")
    workspace = env_of(inv, "TF_WORKSPACE") or (os.path.basename(os.path.normpath(chdir)) if chdir else None)
    return {"workspace": workspace, "env": _env(p, inv, chdir)}


def _env(p: Parsed, inv: Invocation, chdir: str | None) -> str | None:
    """An environment named by a var file (prod.tfvars), a -var env=prod, or a directory (envs/prod)."""
    for word in p.opts("-var-file"):
        stem = os.path.basename(word.text).split(".")[0].lower()
        if stem and stem not in ("terraform", "vars", "variables", "common"):
            return stem
    for name in ("TF_VAR_env", "TF_VAR_environment", "TF_VAR_stage"):
        if env_of(inv, name):
            return env_of(inv, name)
    for word in p.opts("-var"):
        key, _, value = word.text.partition("=")
        if key.strip().lower() in ("env", "environment", "stage") and value:
            return value.strip().strip('"')
    place = os.path.join(inv.cwd or "", chdir or "")
    for part in reversed(os.path.normpath(place).lower().split(os.sep)):
        if part in ENVIRONMENTS:
            return part
    return None


def _terragrunt(positionals: list[str], p: Parsed) -> tuple[list[str], str]:
    """`run-all destroy`, `run --all -- destroy`, `destroy-all` → (["destroy"], "all modules")."""
    every = p.flag("-all") or bool(positionals and positionals[0] in ("run-all",))
    if positionals and positionals[0] in ("run-all", "run"):
        positionals = positionals[1:]
    if positionals and positionals[0].endswith("-all"):
        positionals = [positionals[0].removesuffix("-all"), *positionals[1:]]
        every = True
    if not positionals and p.flag("-all"):
        return [], "all modules"
    return positionals, "all modules" if every else ""
