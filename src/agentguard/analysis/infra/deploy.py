"""pulumi, AWS CDK, the Serverless Framework, eksctl and ansible: deploys are ordinary cloud writes; tearing
down stacks, clusters and node groups is `infra.destroy`. Stack, stage, profile and region go into the context.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import effect, parse, unknown_words
from agentguard.analysis.infra.inside import relocate
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect, Kind

PULUMI_VALUED = frozenset(
    """-s --stack -C --cwd --color --config-file -t --target --replace --target-replace --exclude -p --parallel
    -m --message --secrets-provider --tracing --policy-pack --policy-pack-config -c --config --exec-kind --plan
    --import-file --from --org --copy-config-from --show-secrets-provider""".split()
)
PULUMI_READS = frozenset("preview pre whoami version about logs console help gen-completion schema".split())
PULUMI_BUILDS = frozenset("new plugin install convert package template".split())


def pulumi(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, PULUMI_VALUED)
    verb, sub = p.verb(0), p.verb(1)
    stack = p.opt("-s", "--stack")
    if verb == "stack" and sub in ("rm", "select", "init") and len(p.positionals) > 2:
        stack = p.verb(2)
    env = {"stack": stack}
    shown = f"stack {stack}" if stack else "selected stack"
    bad = unknown_words([p.opt_word("-s", "--stack"), *p.positionals[:3]], "the stack or resource", inv)
    if not verb or verb in PULUMI_READS or p.flag("--preview-only"):
        return [effect(Kind.READ, f"pulumi {shown}", f"pulumi {verb or 'help'}", inv, env)]
    if verb in ("destroy", "down", "dn"):
        targets = [w.text for w in p.opts("-t", "--target")] or ["all resources"]
        return bad or [effect(Kind.INFRA_DESTROY, f"{t} ({shown})", "pulumi destroy", inv, env) for t in targets]
    if verb in ("up", "update"):
        replaced = [w.text for w in p.opts("--replace", "--target-replace")]
        if replaced:
            return bad or [
                effect(Kind.INFRA_DESTROY, f"{r} ({shown})", "pulumi up --replace destroys and recreates", inv, env)
                for r in replaced
            ]
        return [effect(Kind.CLOUD_WRITE, f"infrastructure ({shown})", "pulumi up", inv, env)]
    if verb == "stack":
        return bad or _stack(sub, shown, inv, env)
    if verb == "state":
        kind = Kind.INFRA_DESTROY if sub == "delete" else Kind.CLOUD_WRITE
        return bad or [effect(kind, f"pulumi state ({shown}) {p.verb(2)}".strip(), f"pulumi state {sub}", inv, env)]
    if verb == "config":
        kind = Kind.READ if sub in ("", "get", "ls", "env") else Kind.CLOUD_WRITE
        return [effect(kind, f"pulumi config ({shown})", f"pulumi config {sub}".strip(), inv, env)]
    if verb in PULUMI_BUILDS:
        return [effect(Kind.EXEC_BUILD, "pulumi project", f"pulumi {verb}", inv, env)]
    if verb in ("refresh", "import", "cancel", "watch", "login", "logout", "org", "policy", "env", "deployment"):
        kind = Kind.INFRA_DESTROY if sub in ("rm", "remove", "delete") else Kind.CLOUD_WRITE
        return [effect(kind, f"pulumi {shown}", f"pulumi {verb} {sub}".strip(), inv, env)]
    return [Effect.unknown(f"pulumi {verb}: a sub-command agentguard does not know", inv.source)]


def _stack(sub: str, shown: str, inv: Invocation, env: dict[str, str | None]) -> list[Effect]:
    if sub == "rm":
        return [
            effect(Kind.INFRA_DESTROY, f"pulumi {shown}", "pulumi stack rm deletes the stack and its state", inv, env)
        ]
    if sub == "import":
        return [
            effect(Kind.INFRA_DESTROY, f"pulumi state ({shown})", "stack import replaces the stack's state", inv, env)
        ]
    if sub in ("", "ls", "output", "history", "export", "graph", "tag", "unselect"):
        return [effect(Kind.READ, f"pulumi {shown}", f"pulumi stack {sub}".strip(), inv, env)]
    return [effect(Kind.CLOUD_WRITE, f"pulumi {shown}", f"pulumi stack {sub}", inv, env)]


CDK_VALUED = frozenset(
    "--profile -c --context -a --app -o --output --toolkit-stack-name --role-arn --region "
    "--concurrency --method -m --require-approval --outputs-file -O -e --exclusively "
    "--parameters --change-set-name --build --plugin -p".split()
)
CDK_READS = frozenset(
    "synth synthesize diff list ls doctor docs doc metadata notices acknowledge ack version drift gc-dry".split()
)


def cdk(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, CDK_VALUED)
    verb = p.verb(0)
    contexts = dict(w.text.partition("=")[::2] for w in p.opts("-c", "--context"))
    env = {
        "profile": p.opt("--profile"),
        "region": p.opt("--region"),
        "env": contexts.get("env") or contexts.get("stage") or contexts.get("environment"),
        "stack": p.verb(1) if len(p.positionals) == 2 else None,
    }
    stacks = list(p.words[1:]) or (["(all)"] if p.flag("--all") else ["(the app's)"])
    if not verb or verb in CDK_READS:
        return [effect(Kind.READ, "cdk app", f"cdk {verb or 'help'}", inv, env)]
    if verb == "destroy":
        return unknown_words(p.positionals[1:], "the stack", inv) or [
            effect(
                Kind.INFRA_DESTROY, f"CloudFormation stack {s}", "cdk destroy deletes the stack's resources", inv, env
            )
            for s in stacks
        ]
    if verb in ("init", "context", "gc") and not (verb == "gc" and p.flag("--unstable")):
        return [effect(Kind.EXEC_BUILD, "cdk app", f"cdk {verb}", inv, env)]
    return [effect(Kind.CLOUD_WRITE, ", ".join(f"CloudFormation stack {s}" for s in stacks), f"cdk {verb}", inv, env)]


SLS_VALUED = frozenset(
    "-s --stage -r --region --aws-profile --app --org -c --config -f --function -p --path "
    "-d --data -t --type --param --package -n --name".split()
)
SLS_READS = frozenset("info logs metrics print doctor help version".split())


def serverless(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, SLS_VALUED)
    verb = p.verb(0)
    env = {"env": p.opt("-s", "--stage"), "region": p.opt("-r", "--region"), "profile": p.opt("--aws-profile")}
    shown = f"serverless service (stage {env['env'] or 'dev'})"
    if not verb or verb in SLS_READS:
        return [effect(Kind.READ, shown, f"serverless {verb or 'help'}", inv, env)]
    if verb == "remove":
        return [effect(Kind.INFRA_DESTROY, shown, "serverless remove deletes the service's stack and data", inv, env)]
    if verb in ("package", "plugin", "create", "install", "dev") or p.words[:2] == ("invoke", "local"):
        return [effect(Kind.EXEC_BUILD, "serverless project", f"serverless {verb}", inv, env)]
    return [effect(Kind.CLOUD_WRITE, shown, f"serverless {' '.join(p.words[:2])}", inv, env)]


EKSCTL_VALUED = frozenset(
    "--profile -r --region -n --name -c --cluster -f --config-file --nodes -N --nodes-min "
    "--nodes-max -m --node-type -t --version --timeout --approve-timeout -o --output".split()
)


def eksctl(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, EKSCTL_VALUED)
    verb, noun = p.verb(0), p.verb(1)
    name = p.opt("-n", "--name") or p.verb(2) or p.opt("-c", "--cluster") or ""
    env = {
        "profile": p.opt("--profile"),
        "region": p.opt("-r", "--region"),
        "kube_context": p.opt("-c", "--cluster") or (name if noun == "cluster" else None),
    }
    target = f"EKS {noun} {name}".strip()
    if verb in ("get", "info", "version", "help", "") or (verb == "utils" and noun.startswith("describe")):
        return [effect(Kind.READ, target, f"eksctl {verb} {noun}".strip(), inv, env)]
    if verb == "delete":
        return unknown_words([p.opt_word("-n", "--name"), *p.positionals[2:]], "the cluster or node group", inv) or [
            effect(Kind.INFRA_DESTROY, target, f"eksctl delete {noun}", inv, env)
        ]
    if verb == "drain" or (verb == "scale" and p.opt("--nodes", "-N") == "0"):
        return [effect(Kind.CLUSTER_DESTROY, target, f"eksctl {verb} {noun} evicts every pod on the nodes", inv, env)]
    return [effect(Kind.CLOUD_WRITE, target, f"eksctl {verb} {noun}".strip(), inv, env)]


ANSIBLE_VALUED = frozenset(
    "-i --inventory -l --limit -m --module-name -a --args -e --extra-vars -u --user "
    "-f --forks -t --tags --skip-tags --vault-id --vault-password-file -k -b --become-user "
    "-c --connection -T --timeout -M --module-path --private-key -P --poll -B "
    "--background --start-at-task".split()
)
SHELL_MODULES = frozenset(
    {"shell", "command", "raw", "ansible.builtin.shell", "ansible.builtin.command", "ansible.builtin.raw"}
)


def ansible(inv: Invocation, ctx: Context) -> list[Effect]:
    """ansible-playbook runs tasks agentguard cannot see (exec.program); ad-hoc shell commands are analysed."""
    p = parse(inv.args, ANSIBLE_VALUED)
    named = p.opt("-l", "--limit") or (p.verb(0) if inv.name == "ansible" else "")
    hosts = named or "inventory hosts"
    env = {"host": named, "env": _inventory_env(p.opt("-i", "--inventory"))}
    listing = p.flag("--list-hosts", "--list-tasks", "--list-tags", "--syntax-check", "--version", "-h", "--help")
    if listing or p.flag("-C", "--check"):
        return [effect(Kind.READ, f"hosts {hosts}", f"{inv.name} check, listing or syntax check", inv, env)]
    if inv.name == "ansible-playbook":
        books = ", ".join(p.words) or "playbook"
        return [effect(Kind.EXEC_PROGRAM, f"hosts {hosts}", f"runs playbook {books} (tasks not analysed)", inv, env)]
    module, argument = p.opt("-m", "--module-name") or "command", p.opt_word("-a", "--args")
    if module in ("ping", "setup", "ansible.builtin.ping", "ansible.builtin.setup"):
        return [effect(Kind.READ, f"hosts {hosts}", f"ansible -m {module}", inv, env)]
    if module in SHELL_MODULES and argument is not None:
        if not argument.known:
            return unknown_words([argument], "the remote command", inv)
        moved = relocate(ctx.shell(argument.text, inv), f"hosts {hosts}", destroy_kind=Kind.INFRA_DESTROY, context=env)
        return [effect(Kind.EXEC_PROGRAM, f"hosts {hosts}", f"runs a command on hosts {hosts}", inv, env), *moved]
    return [effect(Kind.EXEC_PROGRAM, f"hosts {hosts}", f"runs module {module} on hosts {hosts}", inv, env)]


def _inventory_env(inventory: str | None) -> str | None:
    if not inventory:
        return None
    for part in reversed(inventory.replace("\\", "/").split("/")):
        stem = part.split(".")[0].lower()
        if stem in ("prod", "production", "staging", "stage", "dev", "qa", "test"):
            return stem
    return None
