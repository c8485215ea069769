"""`aws s3 ls|cp|mv|rm|sync|mb|rb|presign|website`: buckets, objects and transfers (see transfer.py)."""

from __future__ import annotations

from agentguard.analysis.cloud.common import Grammar, Scope, effects, parse, read, unknown
from agentguard.analysis.cloud.transfer import Copy, transfer
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

S3 = Grammar(
    valued=frozenset(
        """--exclude --include --acl --sse --sse-c --sse-c-key --sse-kms-key-id --sse-c-copy-source
        --sse-c-copy-source-key --storage-class --website-redirect --content-type --cache-control
        --content-disposition --content-encoding --content-language --expires --source-region --metadata
        --metadata-directive --expected-size --page-size --request-payer --checksum-mode --checksum-algorithm
        --copy-props --grants --index-document --error-document --expires-in""".split()
    ),
    flags=frozenset(
        """--recursive --dryrun --quiet --force --delete --only-show-errors --no-progress --follow-symlinks
        --no-follow-symlinks --no-guess-mime-type --exact-timestamps --size-only --human-readable --summarize
        --ignore-glacier-warnings --force-glacier-transfer --no-overwrite""".split()
    ),
)


def is_remote(word: Word) -> bool:
    return word.text.startswith("s3://")


def aws_s3(inv: Invocation, ctx: Context, op: str, rest: list[Word], scope: Scope) -> list[Effect]:
    args = parse(rest, S3)
    operands = list(args.positional)
    if len(operands) > 2 and args.loose:
        operands = [w for w in operands if w not in args.loose]
    detail = f"aws s3 {op}"
    if op in ("ls", "presign", ""):
        return read(inv, " ".join(w.text for w in operands) or "s3 buckets", detail, scope)
    if args.enabled("--dryrun"):
        return read(inv, " ".join(w.text for w in operands) or "s3", f"{detail} --dryrun (prints only)", scope)
    if op in ("mb", "website"):
        return effects(inv, Kind.CLOUD_WRITE, _names(operands), detail, scope, operands=operands, args=args)
    if op == "rb":
        why = "deletes the bucket" + (" and every object in it (--force)" if args.has("--force") else "")
        return effects(inv, Kind.CLOUD_DESTROY, _names(operands), f"{detail}: {why}", scope, operands=operands,
                       args=args)  # fmt: skip
    if op == "rm":
        why = "deletes every object under the prefix (--recursive)" if args.has("--recursive") else "deletes an object"
        return effects(inv, Kind.CLOUD_DESTROY, _names(operands), f"{detail}: {why}", scope, operands=operands,
                       args=args)  # fmt: skip
    if op in ("cp", "mv", "sync"):
        if len(operands) != 2:
            return unknown(inv, f"{detail} needs a source and a destination")
        copy = Copy(detail, operands[:1], operands[1], tree=args.has("--recursive") or op == "sync",
                    delete=args.has("--delete"), move=op == "mv")  # fmt: skip
        loose = [unknown(inv, f"{w.text} may expand to more options ({w.why})")[0] for w in args.loose]
        return transfer(inv, ctx, copy, scope, is_remote) + loose
    return effects(inv, Kind.CLOUD_WRITE, _names(operands) or ["s3"], detail, scope, args=args)


def _names(words: list[Word]) -> list[str]:
    return [w.text.rstrip("/") if w.text.count("/") <= 3 else w.text for w in words]
