"""gcloud and gsutil.

gcloud is `gcloud [alpha|beta] group… verb [names] [--flags]`: the first word that is a verb splits the groups
(`sql instances`) from the resource names after it, and the verb decides the kind. The project
(`--project`, `CLOUDSDK_CORE_PROJECT`, or the project a `projects …` command names) goes into the context.
gsutil and `gcloud storage` copy, move and sync through transfer.py; `rm`, `rb` and `rsync -d` destroy.
"""

from __future__ import annotations

import os

from agentguard.analysis.cloud.common import (
    REMOTE_SHELL_VERBS,
    Args,
    Grammar,
    Scope,
    effects,
    env_word,
    is_option,
    joined,
    local_write,
    parse,
    read,
    remote_shell,
    unknown,
    verb_kind,
)
from agentguard.analysis.cloud.transfer import Copy, copy_or_unknown
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

GCLOUD = Grammar(
    valued=frozenset(
        """--account --project --billing-project --configuration --flags-file --flatten --format
        --impersonate-service-account --trace-token --verbosity --access-token-file --zone --region -x -j""".split()
    ),
    flags=frozenset(
        """--quiet -q --log-http --user-output-enabled --help -h --async --force --recursive -r -R --all
        --all-versions -a --dry-run --continue-on-error --delete-unmatched-destination-objects --no-clobber -n
        --verbose --internal-ip --tunnel-through-iap --skip-if-dest-has-newer-mtime
        --preserve-posix""".split()
    ),
)
# gcloud's verbs: the first of these on the line ends the command groups (exact words before `get-…` compounds,
# so that a group such as `access-context-manager` is not taken for a verb).
GCLOUD_READ = frozenset(
    """list describe get show read tail access print info version help search wait lookup validate
    check explain status ls cat du stat hash signurl""".split()
)
GCLOUD_DESTROY = frozenset({"delete", "destroy", "rm", "rb", "remove", "purge", "restore-backup", "delete-instances",
                            "abandon-instances"})  # fmt: skip
WRITE_VERBS = frozenset(
    """create update set unset patch deploy submit import export add enable disable start stop
    restart resize reset suspend resume move copy cp mv rsync scp ssh init login activate configure apply run call
    execute-sql publish pull promote clone upgrade install rollback rotate revoke grant attach detach connect
    """.split()
)
VERBS = GCLOUD_READ | GCLOUD_DESTROY | WRITE_VERBS
RELEASE_TRACKS = frozenset({"alpha", "beta", "preview"})
NAME_OPTIONS = ("--name", "--database", "--instance", "--secret", "--cluster", "--bucket", "--key", "--keyring")


TOP_COMMANDS = frozenset({"init", "info", "version", "help", "feedback", "survey", "cheat-sheet", "docker"})


def _verb_at(path: list[Word]) -> int | None:
    """The first word (not the top group: `gcloud run services delete`) that is a verb; a destroying verb first,
    then exact verbs, then `get-…` compounds."""
    if len(path) == 1 or path[0].text in TOP_COMMANDS:
        return 0
    first = next((i for i, w in enumerate(path) if i > 0 and w.known and _verb_rank(w.text) is not None), None)
    if first is not None and path[first].text in REMOTE_SHELL_VERBS:  # `ssh vm -- rm -rf x`: a remote command
        return first
    for rank in range(3):
        found = next((i for i, w in enumerate(path) if i > 0 and w.known and _verb_rank(w.text) == rank), None)
        if found is not None:
            return found
    return None


def _verb_rank(text: str) -> int | None:
    first = text.split("-", 1)[0]
    if text in GCLOUD_DESTROY or first in ("delete", "destroy", "purge"):
        return 0
    if text in VERBS:
        return 1
    return 2 if first in VERBS else None


def gcloud_kind(verb: str) -> Kind:
    first = verb.split("-", 1)[0]
    if verb in GCLOUD_DESTROY or first in ("delete", "destroy", "purge"):
        return Kind.CLOUD_DESTROY
    if verb in GCLOUD_READ or first in GCLOUD_READ:
        return Kind.READ
    return verb_kind(verb) if verb_kind(verb) != Kind.READ else Kind.CLOUD_WRITE


def gcloud(inv: Invocation, ctx: Context) -> list[Effect]:
    args = parse(inv.args, GCLOUD)
    scope = _scope(inv, ctx, args)
    path = list(args.positional)
    while path and path[0].text in RELEASE_TRACKS:
        path.pop(0)
    if not path or args.given("--help", "-h") or path[0].text in ("help", "version", "info"):
        return read(inv, "gcloud", "shows help, version or installation info", scope)
    at = _verb_at(path)
    unresolved = next((w for w in path[: (at if at is not None else len(path)) + 1] if not w.known), None)
    if unresolved is not None:
        return unknown(inv, f"gcloud command only known at run time ({unresolved.why})")
    if at is None:
        at = len(path) - 1
    groups, verb, names = [w.text for w in path[:at]], path[at].text, path[at + 1 :]
    return _command(inv, ctx, groups, verb, names, args, scope)


def _scope(inv: Invocation, ctx: Context, args: Args) -> Scope:
    scope = Scope().with_("project", args.value("--project") or env_word(inv, ctx, "CLOUDSDK_CORE_PROJECT"))
    scope = scope.with_("account", args.value("--account") or env_word(inv, ctx, "CLOUDSDK_CORE_ACCOUNT"))
    scope = scope.with_("profile", args.value("--configuration") or env_word(inv, ctx, "CLOUDSDK_ACTIVE_CONFIG_NAME"))
    return scope.with_("region", args.value("--region", "--zone"))


def _command(
    inv: Invocation, ctx: Context, groups: list[str], verb: str, names: list[Word], args: Args, scope: Scope
) -> list[Effect]:
    where = " ".join(groups)
    detail = f"gcloud {where} {verb}".replace("  ", " ")
    if groups[:1] == ["storage"] and len(groups) == 1:
        return storage(inv, ctx, "gcloud storage", verb, names, args, scope)
    if groups[:1] in (["config"], ["auth"]) or groups[:2] == ["auth", "application-default"]:
        if gcloud_kind(verb) == Kind.READ:
            return read(inv, where, detail, scope)
        return [Effect.make(Kind.EXEC_PROGRAM, f"gcloud {where}", f"{detail} (local gcloud settings)",
                            source=inv.source, context=dict(scope.context))]  # fmt: skip
    if verb in REMOTE_SHELL_VERBS:
        command = args.value("--command")
        if command is None and len(names) > 1:
            command = Word(" ".join(w.text for w in names[1:]), all(w.known for w in names[1:]))
        return remote_shell(inv, ctx, f"{where} {names[0].text if names else '?'}", command, scope)
    if verb == "get-credentials":
        path = Word(os.path.join(ctx.home, ".kube", "config"))
        return local_write(inv, ctx, path, f"{detail} writes kubectl credentials")
    if verb == "scp" and names:
        copy = Copy(detail, names[:-1], names[-1], tree=args.has("--recurse"))
        return copy_or_unknown(inv, ctx, copy, scope, lambda w: ":" in w.text)
    kind = gcloud_kind(verb)
    if args.enabled("--dry-run") and kind != Kind.READ:
        return read(inv, where, f"{detail} --dry-run", scope)
    operands = tuple(names) or args.values(*NAME_OPTIONS)
    if groups == ["projects"] and operands:
        scope = scope.with_("project", operands[0])
    target = f"{where} {joined(operands)}".strip() if operands else where or verb
    out = effects(inv, kind, [target], detail, scope, operands=operands, args=args)
    if kind.destructive and args.value("--flags-file") is not None:  # the project may be set in there
        out += unknown(inv, f"{detail}: flags read from {args.text('--flags-file')} are not known")
    return out


# ---- storage: gsutil and gcloud storage -----------------------------------------------------------------

GSUTIL_GLOBAL = Grammar(valued=frozenset({"-h", "-o", "-u", "-i"}))
GSUTIL = {
    "cp": Grammar(valued=frozenset({"-z", "-j", "-L", "-a", "-s"})),
    "mv": Grammar(valued=frozenset({"-z", "-j", "-L", "-a", "-s"})),
    "rsync": Grammar(valued=frozenset({"-x", "-y", "-a", "-j", "-s"})),
    "ls": Grammar(valued=frozenset({"-p"})),
    "mb": Grammar(valued=frozenset({"-p", "-l", "-c", "-b", "-k", "--retention", "--pap", "--placement"})),
}
SUBCOMMAND_TOOLS = frozenset({"acl", "defacl", "iam", "lifecycle", "versioning", "logging", "cors", "label", "web",
                              "kms", "notification", "retention", "requesterpays", "autoclass", "pap", "ubla",
                              "bucketpolicyonly", "defstorageclass", "rpo"})  # fmt: skip


def is_gs(word: Word) -> bool:
    return word.text.startswith("gs://")


def gsutil(inv: Invocation, ctx: Context) -> list[Effect]:
    words = list(inv.args)
    at = 0  # global options come before the command only: `acl ch -u user` is not a billing project
    while at < len(words) and is_option(words[at]):
        at += 2 if words[at].text in GSUTIL_GLOBAL.valued else 1
    head = parse(words[:at], GSUTIL_GLOBAL)
    scope = Scope().with_("project", head.value("-u") or env_word(inv, ctx, "CLOUDSDK_CORE_PROJECT"))
    if at >= len(words):
        return read(inv, "gsutil", "shows help", scope)
    command = words[at]
    if not command.known:
        return unknown(inv, f"gsutil command only known at run time ({command.why})")
    args = parse(words[at + 1 :], GSUTIL.get(command.text, Grammar()))
    return storage(inv, ctx, "gsutil", command.text, list(args.positional), args, scope)


def storage(
    inv: Invocation, ctx: Context, tool: str, verb: str, names: list[Word], args: Args, scope: Scope
) -> list[Effect]:
    detail = f"{tool} {verb}"
    if verb in ("cp", "mv", "rsync"):
        dry_run = args.enabled("--dry-run") or (tool == "gsutil" and args.has("-n"))  # gcloud's -n is --no-clobber
        if dry_run and verb == "rsync":
            return read(inv, joined(names), f"{detail} (dry run)", scope)
        delete = args.has("-d", "--delete-unmatched-destination-objects") and verb == "rsync"
        tree = args.has("-r", "-R", "--recursive") or verb == "rsync"
        copy = Copy(detail, names[:-1], names[-1], tree=tree, delete=delete, move=verb == "mv") if names else None
        return copy_or_unknown(inv, ctx, copy, scope, is_gs)
    if verb in SUBCOMMAND_TOOLS:
        sub = names[0].text if names else "get"
        kind = Kind.READ if sub == "get" else Kind.CLOUD_WRITE
        if (verb, sub) == ("lifecycle", "set") and _lifecycle_deletes(inv, ctx, names[1] if len(names) > 1 else None):
            kind, sub = Kind.CLOUD_DESTROY, "set (rules that delete objects)"
        buckets = [w for w in names[1:] if is_gs(w)] or names[1:]
        return effects(inv, kind, [joined(buckets) or "buckets"], f"{detail} {sub}", scope, args=args)
    kind = gcloud_kind(verb)
    if verb == "rm" and args.has("-r", "-R", "--recursive"):
        detail += " -r: deletes every object under the prefix"
    elif verb == "rb" or (verb == "delete" and any(w.text.startswith("gs://") for w in names)):
        detail += ": deletes the bucket" + (" and its objects (-f)" if args.has("-f") else "")
    if not names and kind != Kind.READ and args.has("-I"):
        return unknown(inv, f"{detail} -I reads the object names from standard input")
    return effects(inv, kind, [joined(names) or "gs"], detail, scope, operands=names, args=args)


def _lifecycle_deletes(inv: Invocation, ctx: Context, config: Word | None) -> bool:
    """A lifecycle configuration with a Delete action removes objects as they age: destructive, and so is one
    that cannot be read."""
    text = ctx.read_text(config.text, inv.cwd) if config is not None and config.known else None
    return text is None or '"Delete"' in text


HANDLERS = {"gcloud": gcloud, "gsutil": gsutil}
