"""az and azcopy.

az is `az group… verb --options` with (almost) no positional words, so the last word of the command path is the
verb. The subscription and resource group (`--subscription`, `-g`, or parsed out of `--ids` resource IDs) go into
the context. azcopy copies and syncs through transfer.py; `remove` and `sync --delete-destination` destroy.
"""

from __future__ import annotations

import os
import re

from agentguard.analysis.cloud.common import (
    Args,
    Grammar,
    Scope,
    effects,
    env_word,
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

AZ = Grammar(
    flags=frozenset(
        {
            "--yes",
            "-y",
            "--help",
            "-h",
            "--debug",
            "--verbose",
            "--only-show-errors",
            "--no-wait",
            "--force",
            "--recursive",
            "--dry-run",
        }
    ),
    aliases={
        "-g": "--resource-group",
        "-n": "--name",
        "-o": "--output",
        "-l": "--location",
        "-c": "--container-name",
        "-f": "--file",
        "-d": "--destination",
        "-s": "--source",
        "-y": "--yes",
        "-h": "--help",
    },
    greedy=True,
)
AZ_READ = frozenset({"list", "show", "exists", "wait", "get", "check-name", "browse", "tail", "download-logs",
                     "find", "version", "query", "get-access-token", "list-locations"})  # fmt: skip
AZ_DESTROY = frozenset({"delete", "purge", "remove", "reimage", "delete-batch", "redeploy-reimage", "wipe"})
LOCAL = frozenset({"login", "logout", "configure", "init", "upgrade", "extension", "cloud", "config", "interactive"})
NAME_OPTIONS = ("--name", "--ids", "--id", "--vault-name", "--account-name", "--server", "--cluster-name")
_RESOURCE_ID = re.compile(r"/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?", re.IGNORECASE)


def az(inv: Invocation, ctx: Context) -> list[Effect]:
    args = parse(inv.args, AZ)
    path = list(args.positional)
    scope = _scope(inv, ctx, args)
    if not path or args.given("--help") or path[0].text in ("help", "version"):
        return read(inv, "az", "shows help or version", scope)
    unresolved = next((w for w in path if not w.known), None)
    if unresolved is not None:
        return unknown(inv, f"az command only known at run time ({unresolved.why})")
    words = [w.text for w in path]
    groups, verb = words[:-1], words[-1]
    detail = "az " + " ".join(words)
    if words[0] in LOCAL or words[:2] == ["account", "set"]:
        return [Effect.make(Kind.EXEC_PROGRAM, detail, f"{detail} (local az settings)", source=inv.source,
                            context=dict(scope.context))]  # fmt: skip
    if words[0] == "rest":
        return _rest(inv, args, scope)
    special = _special(inv, ctx, words, args, scope)
    if special is not None:
        return special
    kind = _kind(verb, args)
    operands = next((args.values(n) for n in NAME_OPTIONS if args.values(n)), ())
    operands = operands or next((v for n, v in args.options if n.endswith("-name") and v), ())
    if groups == ["group"] and operands:
        scope = scope.with_("resource_group", operands[0])
    names = ",".join(_resource_name(w.text) for w in operands)
    target = f"{' '.join(groups)} {names}".strip() if operands else " ".join(groups) or verb
    out = effects(inv, kind, [target], detail, scope, operands=operands, args=args)
    from_files = [w.text for w in args.option_words() if w.text.startswith("@")]
    if kind.destructive and from_files:  # az reads `@file` values from the file: names and scope unseen
        out += unknown(inv, f"{detail}: values read from {', '.join(from_files)} are not known")
    return out


def _kind(verb: str, args: Args) -> Kind:
    if verb in AZ_READ or verb.split("-", 1)[0] in ("list", "show", "get", "check"):
        return Kind.READ
    if verb in AZ_DESTROY or verb.split("-", 1)[0] in ("delete", "purge"):
        return Kind.CLOUD_DESTROY
    if (args.text("--mode") or "").lower() == "complete":  # a Complete deployment deletes what the template lacks
        return Kind.CLOUD_DESTROY
    if (args.text("--delete-destination") or "false").lower() != "false":
        return Kind.CLOUD_DESTROY
    kind = verb_kind(verb)
    return Kind.CLOUD_WRITE if kind == Kind.READ else kind


def _scope(inv: Invocation, ctx: Context, args: Args) -> Scope:
    scope = Scope()
    for word in args.values("--ids", "--id", "--scope"):
        found = _RESOURCE_ID.search(word.text)
        if found:
            scope = scope.with_("subscription", found.group(1)).with_("resource_group", found.group(2))
    scope = scope.with_("subscription", args.value("--subscription"))
    scope = scope.with_("resource_group", args.value("--resource-group") or env_word(inv, ctx, "AZURE_DEFAULTS_GROUP"))
    return scope.with_("region", args.value("--location"))


def _resource_name(text: str) -> str:
    return text.rstrip("/").rsplit("/", 1)[-1] if text.startswith("/subscriptions/") else text


def _rest(inv: Invocation, args: Args, scope: Scope) -> list[Effect]:
    method = (args.text("--method", "-m") or "get").lower()
    url = args.value("--url", "--uri", "-u")
    kind = {"get": Kind.READ, "head": Kind.READ, "delete": Kind.CLOUD_DESTROY}.get(method, Kind.CLOUD_WRITE)
    operands = (url,) if url is not None else ()
    target = url.text.split("?", 1)[0] if url is not None else "?"
    return effects(inv, kind, [target], f"az rest --method {method}", scope, operands=operands, args=args)


def _special(inv: Invocation, ctx: Context, words: list[str], args: Args, scope: Scope) -> list[Effect] | None:
    """Remote commands and downloads: the calls whose effect is not on the named resource alone."""
    detail = "az " + " ".join(words)
    if words[-2:] == ["command", "invoke"]:  # `az aks command invoke --command "kubectl …"` runs in the cluster
        host = f"aks {args.text('--name') or '?'}"
        return remote_shell(inv, ctx, host, args.value("--command"), scope)
    runs = "run-command" in words and words[-1] in ("invoke", "create", "update")
    if runs or words[:1] == ["ssh"] or words[-1] in ("ssh", "exec"):
        script = args.values("--scripts", "--script", "--command", "--exec-command")
        command = Word("\n".join(w.text for w in script), all(w.known for w in script)) if script else None
        host = args.text("--vm-name", "--name", "--ip") or "?"
        return remote_shell(inv, ctx, f"{' '.join(words[:-1])} {host}", command, scope)
    if words[0] == "storage" and words[-1] in ("download", "download-batch"):
        dest = args.value("--file", "--destination", "--dest", "--path")
        if dest is None:
            return unknown(inv, f"{detail}: local destination not known")
        return local_write(inv, ctx, dest, f"{detail} downloads here", recursive=words[-1].endswith("batch"))
    if words[-2:] in (["aks", "get-credentials"], ["aks", "install-cli"]):
        path = args.value("--file") or Word(os.path.join(ctx.home, ".kube", "config"))
        return local_write(inv, ctx, path, f"{detail} writes kubectl credentials")
    return None


# ---- azcopy ---------------------------------------------------------------------------------------------

AZCOPY = Grammar(
    flags=frozenset(
        """--recursive --dry-run --put-md5 --follow-symlinks --preserve-smb-permissions
        --preserve-smb-info --preserve-permissions --as-subdir --check-length --force-if-read-only
        --mirror-mode --help -h --version""".split()
    )
)


def is_url(word: Word) -> bool:
    return word.text.startswith(("https://", "http://"))


def azcopy(inv: Invocation, ctx: Context) -> list[Effect]:
    args = parse(inv.args, AZCOPY)
    names = list(args.positional)
    if not names or args.given("--help", "-h", "--version"):
        return read(inv, "azcopy", "shows help or version")
    command, operands = names[0].text, names[1:]
    detail = f"azcopy {command}"
    if not names[0].known:
        return unknown(inv, f"azcopy command only known at run time ({names[0].why})")
    if args.enabled("--dry-run") or command in ("list", "env", "doc", "help") or operands[:1] == [Word("list")]:
        return read(inv, ",".join(w.text.split("?", 1)[0] for w in operands) or "azcopy", detail)
    if command in ("copy", "cp", "sync"):
        delete = (args.text("--delete-destination") or "false").lower() != "false"
        copy = Copy(detail, operands[:-1], operands[-1], tree=args.has("--recursive") or command == "sync",
                    delete=delete) if len(operands) >= 2 else None  # fmt: skip
        return copy_or_unknown(inv, ctx, copy, Scope(), is_url)
    if command in ("remove", "rm"):
        targets = [w.text.split("?", 1)[0] for w in operands]
        return effects(inv, Kind.CLOUD_DESTROY, targets, f"{detail}: deletes blobs or files", Scope(),
                       operands=operands, args=args)  # fmt: skip
    if command in ("login", "logout", "jobs", "bench", "load", "completion"):
        return [Effect.make(Kind.EXEC_PROGRAM, "azcopy", detail, source=inv.source)]
    targets = [w.text.split("?", 1)[0] for w in operands] or ["azcopy"]
    return effects(inv, Kind.CLOUD_WRITE, targets, detail, Scope(), args=args)


HANDLERS = {"az": az, "azcopy": azcopy}
