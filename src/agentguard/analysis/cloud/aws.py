"""aws: `aws [globals] service operation [--options]`, global options before or after the service.

Operations are classed by their verb (`describe-…` reads, `delete-…`/`terminate-…` destroy, the rest write) with a
small table of exceptions; the target is found from the operation's noun (`terminate-instances` →
`--instance-ids`), and the profile, region and account go into the context so production can be singled out.
The high-level `aws s3` commands are modelled on their own: downloads are file writes in the workspace.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Callable

from agentguard.analysis.cloud import s3
from agentguard.analysis.cloud.common import (
    SKELETON_OPTIONS,
    Args,
    Grammar,
    Scope,
    effects,
    env_word,
    first_unknown,
    is_option,
    joined,
    local_write,
    parse,
    read,
    remote_shell,
    unknown,
    verb_kind,
)
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

GLOBAL_VALUED = frozenset({"--profile", "--region", "--output", "--query", "--endpoint-url", "--color", "--ca-bundle",
                           "--cli-read-timeout", "--cli-connect-timeout", "--cli-binary-format"})  # fmt: skip
GLOBAL_FLAGS = frozenset({"--debug", "--no-verify-ssl", "--no-paginate", "--no-sign-request", "--no-cli-pager",
                          "--cli-auto-prompt", "--no-cli-auto-prompt"})  # fmt: skip
OPERATIONS = Grammar(greedy=True)

# (service, operation) → kind, where the verb alone would class it wrongly.
EXCEPTIONS: dict[tuple[str, str], Kind] = {
    ("kms", "schedule-key-deletion"): Kind.CLOUD_DESTROY,
    ("kms", "disable-key"): Kind.CLOUD_WRITE,
    ("ec2", "release-address"): Kind.CLOUD_DESTROY,
    ("ec2", "release-hosts"): Kind.CLOUD_DESTROY,
    ("organizations", "close-account"): Kind.CLOUD_DESTROY,
    ("secretsmanager", "put-secret-value"): Kind.CLOUD_DESTROY,  # the live value is replaced: apps read it now
    ("secretsmanager", "update-secret"): Kind.CLOUD_DESTROY,
    ("sts", "assume-role"): Kind.READ,
    ("sts", "assume-role-with-web-identity"): Kind.READ,
    ("sts", "assume-role-with-saml"): Kind.READ,
    ("ecr", "get-login-password"): Kind.READ,
    ("rds", "generate-db-auth-token"): Kind.READ,
    ("s3api", "wait"): Kind.READ,
}
# Candidate option suffixes that name what an operation acts on, most specific first.
_ID_SUFFIXES = ("-ids", "-id", "-names", "-name", "-identifier", "-identifiers", "-arn", "-arns", "-url", "")
_GENERIC_IDS = ("--name", "--names", "--id", "--ids", "--arn", "--bucket", "--cluster", "--service", "--resource-arn")
# Calls whose request body decides whether they destroy: batches, record changes, SQL, lifecycles.
REQUEST_OPS = frozenset({"batch-write-item", "transact-write-items", "execute-statement", "batch-execute-statement",
                         "execute-transaction", "change-resource-record-sets", "put-bucket-lifecycle-configuration",
                         "put-bucket-lifecycle", "start-query-execution"})  # fmt: skip
_DELETES = re.compile(r"DeleteRequest|\bDELETE\b|\bDROP\s|\bTRUNCATE\s|Expiration", re.IGNORECASE)
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_KEBAB = re.compile(r"([a-z0-9])([A-Z])")
_ARN_ACCOUNT = re.compile(r"arn:aws[\w-]*:[\w-]*:[\w-]*:(\d{12}):")


def aws(inv: Invocation, ctx: Context) -> list[Effect]:
    words, globals_ = _split_globals(list(inv.args))
    scope = _scope(inv, ctx, globals_, words)
    at = [i for i, w in enumerate(words) if not is_option(w)][:2]  # where the service and the operation are
    if not at or _is_help(words) or "--version" in (w.text for w in inv.args):
        return read(inv, "aws", "shows help or version", scope)
    bad = next((words[i] for i in at if not words[i].known), None)
    if bad is not None:
        return unknown(inv, f"aws service or operation only known at run time ({bad.why})")
    service, op = words[at[0]].text, words[at[1]].text if len(at) > 1 else ""
    rest = words[at[-1] + 1 :] if len(at) > 1 else []
    if not op and service != "configure":
        return read(inv, service, f"aws {service} without an operation prints its usage", scope)
    if service == "s3":
        return s3.aws_s3(inv, ctx, op, rest, scope)
    special = SPECIAL.get(service) or SPECIAL.get(f"{service} {op}")
    if special is not None:
        return special(inv, ctx, service, op, rest, scope)
    return operation(inv, ctx, service, op, rest, scope)


def _is_help(words: list[Word]) -> bool:
    """`aws s3 help`, `aws ec2 terminate-instances help`, `… --generate-cli-skeleton`: nothing is called. `help`
    counts only right after the service or operation: as an option's value (`--exclude help`) it is data."""
    bare = len(words) <= 3 and words[-1].text == "help" and not any(is_option(w) for w in words)
    return bare or any(w.text in SKELETON_OPTIONS for w in words)


def _split_globals(words: list[Word]) -> tuple[list[Word], dict[str, Word]]:
    """Global options are accepted anywhere on the line: take them out, keep the rest in order."""
    kept: list[Word] = []
    found: dict[str, Word] = {}
    i = 0
    while i < len(words):
        text = words[i].text
        name, eq, value = text.partition("=")
        if name in GLOBAL_VALUED and eq:
            found[name] = Word(value, words[i].known, words[i].why)
        elif text in GLOBAL_VALUED and i + 1 < len(words):
            found[text] = words[i + 1]
            i += 1
        elif text not in GLOBAL_FLAGS:
            kept.append(words[i])
        i += 1
    return kept, found


def _scope(inv: Invocation, ctx: Context, globals_: dict[str, Word], words: list[Word]) -> Scope:
    profile = globals_.get("--profile") or env_word(inv, ctx, "AWS_PROFILE", "AWS_DEFAULT_PROFILE")
    scope = Scope().with_("profile", profile)
    scope = scope.with_("region", globals_.get("--region") or env_word(inv, ctx, "AWS_REGION", "AWS_DEFAULT_REGION"))
    endpoint = globals_.get("--endpoint-url") or env_word(inv, ctx, "AWS_ENDPOINT_URL")
    if endpoint is not None and endpoint.known:
        scope = scope.with_("endpoint", endpoint.text)
    accounts = {m.group(1) for w in words for m in _ARN_ACCOUNT.finditer(w.text)}
    return scope.with_("account", ",".join(sorted(accounts)))


def operation(inv: Invocation, ctx: Context, service: str, op: str, rest: list[Word], scope: Scope) -> list[Effect]:
    args, problem = _with_input(parse(rest, OPERATIONS), inv, ctx)
    kind = EXCEPTIONS.get((service, op)) or verb_kind(op)
    if args.enabled("--dry-run"):
        return read(inv, f"{service} {op}", f"aws {service} {op} --dry-run (checks permissions only)", scope)
    if op in REQUEST_OPS:
        kind = _by_request(args, kind, inv, ctx)
    operands = _operands(op, args)
    target = _target(service, op, operands, args)
    if service == "cloudformation" and "stack" in op:
        scope = scope.with_("stack", joined(operands))
    out = effects(inv, kind, [target], f"aws {service} {op}", scope, operands=operands, args=args)
    return out + unknown(inv, problem) if problem and kind.destructive else out


def _with_input(args: Args, inv: Invocation, ctx: Context) -> tuple[Args, str | None]:
    """`--cli-input-json file://x.json` (or inline JSON) holds the parameters: read them as if given as options
    (`"StackName"` is `--stack-name`), after those on the command line."""
    given = args.value("--cli-input-json")
    if given is None:
        yaml = args.value("--cli-input-yaml")
        return args, None if yaml is None else f"the parameters in --cli-input-yaml are not read ({yaml.text})"
    text: str | None = given.text
    if given.known and given.text.startswith(("file://", "fileb://")):
        text = ctx.read_text(given.text.split("://", 1)[1], inv.cwd)
    try:
        data = json.loads(text) if given.known and text is not None else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return args, f"the parameters in --cli-input-json cannot be read ({given.text})"
    extra: list[tuple[str, tuple[Word, ...]]] = []
    for key, value in data.items():
        name = "--" + _KEBAB.sub(r"\1-\2", _ACRONYM.sub(r"\1-\2", str(key))).lower()
        values = value if isinstance(value, list) else [value]
        if isinstance(value, bool):
            extra.append((name if value else "--no-" + name[2:], ()))
        elif all(isinstance(v, (str, int)) for v in values):
            extra.append((name, tuple(Word(str(v)) for v in values)))
    return Args(args.positional, args.options + tuple(extra), args.loose), None


def _by_request(args: Args, kind: Kind, inv: Invocation, ctx: Context) -> Kind:
    """Calls that take a batch of changes, SQL or a lifecycle: destructive when it deletes, drops or expires
    anything, and when it cannot be read (a `file://` that is missing or large, a value known at run time)."""
    for word in args.option_words():
        text: str | None = word.text
        if word.known and word.text.startswith(("file://", "fileb://")):
            text = ctx.read_text(word.text.split("://", 1)[1], inv.cwd)
        if not word.known or text is None or _DELETES.search(text):
            return Kind.CLOUD_DESTROY
    return kind


def _operands(op: str, args: Args) -> tuple[Word, ...]:
    parts = op.split("-")
    noun_parts = parts[2:] if parts[0] in ("batch", "bulk") else parts[1:]
    nouns = ["-".join(noun_parts[i:]) for i in range(len(noun_parts))]
    nouns += [n[:-1] for n in nouns if n.endswith("s")]
    for noun in nouns:
        for suffix in _ID_SUFFIXES:
            found = args.values(f"--{noun}{suffix}")
            if found:
                return found
    for name in _GENERIC_IDS:
        found = args.values(name)
        if found:
            return found
    for name, values in args.options:
        if values and name.endswith(("-name", "-id", "-ids", "-identifier", "-arn", "-url")):
            return values
    return ()


def _target(service: str, op: str, operands: tuple[Word, ...], args: Args) -> str:
    parts = op.split("-")
    noun = " ".join(parts[2:] if parts[0] in ("batch", "bulk") else parts[1:]) or op
    if service == "s3api" and args.text("--bucket"):
        key = args.text("--key")
        return f"s3://{args.text('--bucket')}" + (f"/{key}" if key else "")
    return f"{service} {noun} {joined(operands)}".strip() if operands else f"{service} {noun}"


# ---- operations with their own shape --------------------------------------------------------------------


def configure(inv: Invocation, ctx: Context, service: str, op: str, rest: list[Word], scope: Scope) -> list[Effect]:
    if op in ("list", "get", "list-profiles", "export-credentials"):
        return read(inv, "aws configuration", f"aws configure {op}", scope)
    secret = op == "import" or any("secret" in w.text or "access_key" in w.text for w in rest)
    name = "credentials" if secret else "config"
    word = Word(os.path.join(ctx.home, ".aws", name))
    return local_write(inv, ctx, word, f"aws configure {op} writes the AWS {name} file".replace("  ", " "))


def sign_in(inv: Invocation, ctx: Context, service: str, op: str, rest: list[Word], scope: Scope) -> list[Effect]:
    if op in ("login", "logout"):
        return [Effect.make(Kind.EXEC_PROGRAM, "aws sso", f"aws sso {op} (credential cache)", source=inv.source)]
    return operation(inv, ctx, service, op, rest, scope)


def outfile(inv: Invocation, ctx: Context, service: str, op: str, rest: list[Word], scope: Scope) -> list[Effect]:
    """`s3api get-object … FILE`, `lambda invoke … FILE`: every option takes one value, the file is the rest."""
    args = parse(rest, Grammar(greedy=False, flags=frozenset({"--dry-run"})))
    kind = EXCEPTIONS.get((service, op)) or verb_kind(op)
    target = _target(service, op, _operands(op, args), args)
    out = effects(inv, kind, [target], f"aws {service} {op}", scope, args=args)
    for word in args.positional[:1]:
        out += local_write(inv, ctx, word, f"aws {service} {op} writes the response to a local file")
    return out


def remote_command(
    inv: Invocation, ctx: Context, service: str, op: str, rest: list[Word], scope: Scope
) -> list[Effect]:
    args = parse(rest, OPERATIONS)
    if op == "send-command":
        hosts = args.values("--instance-ids", "--targets") or (Word("?"),)
        return _ssm_commands(inv, ctx, joined(hosts), args, scope)
    if op == "execute-command":
        return remote_shell(inv, ctx, f"ecs task {args.text('--task') or '?'}", args.value("--command"), scope)
    return remote_shell(inv, ctx, f"ssm session {args.text('--target') or '?'}", None, scope)


def _ssm_commands(inv: Invocation, ctx: Context, host: str, args: Args, scope: Scope) -> list[Effect]:
    params = args.values("--parameters")
    text = " ".join(w.text for w in params)
    found = re.search(r'commands\s*=\s*\[?(.*?)\]?\s*$|"commands"\s*:\s*\[(.*?)\]', text, re.DOTALL)
    if not params or first_unknown(params) or found is None:
        why = "the commands sent to the instances are not known"
        return [*remote_shell(inv, ctx, host, None, scope), *unknown(inv, why)]
    body = found.group(1) or found.group(2) or ""
    try:
        pieces = shlex.split(body.replace(",", " ; ").replace("[", " ").replace("]", " "))
    except ValueError:
        return [*remote_shell(inv, ctx, host, None, scope), *unknown(inv, "cannot read the commands sent")]
    return remote_shell(inv, ctx, host, Word(" ".join(pieces)), scope)


def kubeconfig(inv: Invocation, ctx: Context, service: str, op: str, rest: list[Word], scope: Scope) -> list[Effect]:
    args = parse(rest, OPERATIONS)
    path = args.value("--kubeconfig") or Word(os.path.join(ctx.home, ".kube", "config"))
    return local_write(inv, ctx, path, "aws eks update-kubeconfig writes kubectl credentials")


Special = Callable[[Invocation, Context, str, str, list[Word], Scope], list[Effect]]
SPECIAL: dict[str, Special] = {
    "configure": configure,
    "sso": sign_in,
    # Operations whose response goes to a file named by a positional word.
    "s3api get-object": outfile,
    "s3api get-object-torrent": outfile,
    "s3api select-object-content": outfile,
    "glacier get-job-output": outfile,
    "lambda invoke": outfile,
    "sagemaker-runtime invoke-endpoint": outfile,
    "bedrock-runtime invoke-model": outfile,
    "polly synthesize-speech": outfile,
    # Remote shells.
    "ssm send-command": remote_command,
    "ssm start-session": remote_command,
    "ecs execute-command": remote_command,
    "eks update-kubeconfig": kubeconfig,
}
