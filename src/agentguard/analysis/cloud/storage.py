"""s3cmd and rclone: object-storage tools whose commands are mostly copies (see transfer.py).

s3cmd destroys with `del`/`rm`, `rb`, `expire`, `mv` (the source) and `sync --delete-removed` (the destination).
rclone destroys with `delete`, `deletefile`, `purge`, `rmdir(s)`, `cleanup`, `dedupe`, `move` (the source) and
`sync` (the destination: it is made identical to the source, deleting the rest); `bisync` on both sides. A
`remote:path` operand puts the remote's name in the context; a plain path is local and becomes file effects.
"""

from __future__ import annotations

from agentguard.analysis.cloud.common import (
    Args,
    Grammar,
    Scope,
    effects,
    joined,
    local_write,
    parse,
    read,
    unknown,
    verb_kind,
)
from agentguard.analysis.cloud.transfer import Copy, copy_or_unknown, transfer
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

S3CMD = Grammar(
    valued=frozenset(
        """-c --config --access_key --secret_key --access_token --host --host-bucket --region
        --bucket-location --exclude --include --rexclude --rinclude --exclude-from --include-from --rexclude-from
        --rinclude-from -m --mime-type --acl-grant --acl-revoke --add-header --remove-header --storage-class
        --expiry-days --expiry-date --expiry-prefix --encoding --multipart-chunk-size-mb --limit-rate --ca-certs
        --server-side-encryption-kms-id --cache-file --log-target-prefix --ws-index --ws-error --max-delete
        --limit --add-encoding-exts --cf-add-cname --cf-remove-cname --cf-comment --cf-default-root-object
        --lifecycle-configuration""".split()
    ),
    unknown_valued=False,
)
S3CMD_READ = frozenset({"ls", "la", "du", "info", "listmp", "getlifecycle", "getpolicy", "getcors", "getversioning",
                        "getnotification", "cflist", "cfinfo", "cfinvalinfo", "ws-info", "sign", "signurl",
                        "getownership"})  # fmt: skip
S3CMD_DESTROY = frozenset({"del", "rm", "rb", "expire", "ws-delete", "cfdelete", "deleted"})


def is_s3(word: Word) -> bool:
    return word.text.startswith("s3://")


def s3cmd(inv: Invocation, ctx: Context) -> list[Effect]:
    args = parse(inv.args, S3CMD)
    scope = Scope().with_("profile", args.value("-c", "--config")).with_("region", args.value("--region"))
    if args.has("--configure"):
        return local_write(inv, ctx, Word(f"{ctx.home}/.s3cfg"), "s3cmd --configure writes its credentials")
    if not args.positional or args.given("--help", "-h", "--version"):
        return read(inv, "s3cmd", "shows help or version", scope)
    command, operands = args.positional[0], list(args.positional[1:])
    if not command.known:
        return unknown(inv, f"s3cmd command only known at run time ({command.why})")
    verb, detail = command.text, f"s3cmd {command.text}"
    if verb in S3CMD_READ or args.enabled("--dry-run", "-n"):
        return read(inv, joined(operands) or "s3 buckets", detail, scope)
    if verb in ("get", "sync", "cp", "mv", "put"):
        if verb == "get" and len(operands) == 1:
            operands.append(Word("."))
        delete = args.has("--delete-removed") and verb == "sync"
        tree = args.has("-r", "--recursive") or verb == "sync"
        copy = (
            Copy(detail, operands[:-1], operands[-1], tree=tree, delete=delete, move=verb == "mv") if operands else None
        )
        return copy_or_unknown(inv, ctx, copy, scope, is_s3)
    kind = Kind.CLOUD_DESTROY if verb in S3CMD_DESTROY else Kind.CLOUD_WRITE
    if verb in ("del", "rm") and args.has("-r", "--recursive"):
        detail += " --recursive: deletes every object under the prefix"
    elif verb == "rb":
        detail += ": deletes the bucket" + (" and its objects (--recursive --force)" if args.has("-r", "-f") else "")
    return effects(inv, kind, [w.text for w in operands] or ["s3"], detail, scope, operands=operands, args=args)


# ---- rclone ---------------------------------------------------------------------------------------------

RCLONE = Grammar(
    valued=frozenset("""--config --transfers --checkers --exclude --include --filter --filter-from --exclude-from
        --include-from --files-from --files-from-raw --bwlimit --log-file --log-level --backup-dir --suffix
        --max-age --min-age --max-size --min-size --max-depth --stats --retries --low-level-retries --timeout
        --contimeout --order-by --max-transfer --cutoff-mode --user-agent --tpslimit --buffer-size
        --multi-thread-streams --compare-dest --copy-dest --dedupe-mode --max-delete --track-renames-strategy
        --header --vfs-cache-mode --cache-dir --max-backlog --stats-log-level --password-command --rc-addr
        --addr --max-duration --format --separator --hash --drive-root-folder-id""".split()),
    unknown_valued=False,
    valued_prefixes=("--s3-", "--drive-", "--b2-", "--gcs-", "--azureblob-", "--sftp-", "--dropbox-", "--onedrive-",
                     "--swift-", "--webdav-", "--ftp-", "--box-", "--crypt-", "--vfs-", "--rc-", "--log-"),
)  # fmt: skip
RCLONE_READ = frozenset(
    """ls lsd lsl lsf lsjson tree cat size check cryptcheck md5sum sha1sum hashsum about
    listremotes version help authorize obscure checksum cryptdecode""".split()
)
RCLONE_DESTROY = frozenset({"delete", "deletefile", "purge", "rmdir", "rmdirs", "cleanup"})
RCLONE_PROGRAMS = frozenset({"serve", "mount", "nfsmount", "ncdu", "rcd", "rc", "selfupdate", "test"})
# Commands that write files of their own: the operand, else where they write by default.
RCLONE_GENERATORS = {"genautocomplete": "/etc/bash_completion.d/rclone", "completion": "/etc/bash_completion.d/rclone",
                     "gendocs": "."}  # fmt: skip
DEDUPE_MODES = frozenset({"interactive", "skip", "first", "newest", "oldest", "largest", "smallest", "rename",
                          "list"})  # fmt: skip


def is_remote(word: Word) -> bool:
    """`remote:path` or `:backend:path`; `/abs`, `./rel` and plain names are local paths."""
    head = word.text.split("/", 1)[0]
    return ":" in head and not word.text.startswith(("/", "./", "../"))


def _remotes(words: list[Word]) -> str:
    names = {w.text.split(":", 1)[0] or w.text.split(":", 2)[1] for w in words if w.known and is_remote(w)}
    return ",".join(sorted(names))


def rclone(inv: Invocation, ctx: Context) -> list[Effect]:
    args = parse(inv.args, RCLONE)
    if not args.positional or args.given("--help", "-h", "--version"):
        return read(inv, "rclone", "shows help or version")
    command, operands = args.positional[0], list(args.positional[1:])
    if not command.known:
        return unknown(inv, f"rclone command only known at run time ({command.why})")
    verb, detail = command.text, f"rclone {command.text}"
    scope = Scope().with_("remote", _remotes(operands))
    if verb in RCLONE_READ or args.enabled("--dry-run", "-n"):
        return read(inv, joined(operands) or "rclone", detail, scope)
    if verb == "config":
        sub = operands[0].text if operands else "edit"
        if sub in ("show", "dump", "file", "paths", "providers", "redacted", "touch"):
            return read(inv, "rclone config", f"rclone config {sub}", scope)
        return [Effect.make(Kind.EXEC_PROGRAM, "rclone config", f"rclone config {sub} (local remotes)",
                            source=inv.source)]  # fmt: skip
    if verb in RCLONE_GENERATORS:
        out = operands[-1] if len(operands) > (0 if verb == "gendocs" else 1) else Word(RCLONE_GENERATORS[verb])
        return local_write(inv, ctx, out, f"{detail} writes generated files", recursive=verb == "gendocs")
    if verb in RCLONE_PROGRAMS:
        return [Effect.make(Kind.EXEC_PROGRAM, joined(operands) or "rclone", detail, source=inv.source,
                            context=dict(scope.context))]  # fmt: skip
    if verb in ("copy", "copyto", "move", "moveto", "sync", "bisync"):
        return _copy(inv, ctx, verb, operands, args, scope)
    if verb == "dedupe":
        return _dedupe(inv, ctx, operands, args, scope)
    if verb in RCLONE_DESTROY or verb_kind(verb) == Kind.CLOUD_DESTROY:
        return _delete(inv, ctx, detail, operands, args, scope)
    if verb == "backend" and operands:
        kind = verb_kind(operands[0].text)
        return effects(inv, kind, [joined(operands[1:]) or "?"], f"rclone backend {operands[0].text}", scope,
                       operands=operands[1:], args=args)  # fmt: skip
    return effects(inv, Kind.CLOUD_WRITE, [w.text for w in operands] or ["rclone"], detail, scope, args=args)


def _copy(inv: Invocation, ctx: Context, verb: str, operands: list[Word], args: Args, scope: Scope) -> list[Effect]:
    if len(operands) != 2:
        return unknown(inv, f"rclone {verb} needs a source and a destination")
    source, dest = operands
    tree = verb not in ("copyto", "moveto")
    delete = verb in ("sync", "bisync")
    copy = Copy(f"rclone {verb}", [source], dest, tree=tree, delete=delete, move=verb.startswith("move"))
    out = transfer(inv, ctx, copy, scope, is_remote)
    if verb == "bisync":  # changes flow both ways: deletions too
        out += transfer(inv, ctx, Copy("rclone bisync", [dest], source, tree=True, delete=True), scope, is_remote)
    return out + [e for w in args.loose for e in unknown(inv, f"{w.text} may expand to more options ({w.why})")]


def _delete(inv: Invocation, ctx: Context, detail: str, operands: list[Word], args: Args, scope: Scope) -> list[Effect]:
    out: list[Effect] = []
    for word in operands or [Word("?")]:
        if word.known and not is_remote(word) and word.text != "?":
            out += ctx.file_effects(Kind.FILE_DELETE, word, inv, detail, recursive=detail != "rclone deletefile")
        else:
            out += effects(inv, Kind.CLOUD_DESTROY, [word.text], detail, scope, operands=[word], args=args)
    return out


def _dedupe(inv: Invocation, ctx: Context, operands: list[Word], args: Args, scope: Scope) -> list[Effect]:
    mode = args.text("--dedupe-mode") or "interactive"
    if operands and operands[0].text in DEDUPE_MODES:
        mode, operands = operands[0].text, operands[1:]
    if mode in ("list", "skip"):
        return read(inv, joined(operands), f"rclone dedupe {mode}", scope)
    if mode == "rename":
        return effects(inv, Kind.CLOUD_WRITE, [joined(operands)], "rclone dedupe rename", scope, args=args)
    return _delete(inv, ctx, f"rclone dedupe {mode} (deletes duplicates)", operands, args, scope)


HANDLERS = {"s3cmd": s3cmd, "rclone": rclone}
