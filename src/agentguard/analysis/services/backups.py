"""Backups: restic and borg. Forgetting snapshots, pruning and deleting archives lose the copies the other
rules rely on to undo a mistake, so they are `service.destroy`; restoring writes over the files it names.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import effect, env_of, parse, unknown_words
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

W, R, D = Kind.CLOUD_WRITE, Kind.READ, Kind.SERVICE_DESTROY
X = Kind.EXEC_PROGRAM

RESTIC_VALUED = frozenset(
    """-r --repo --repository-file -p --password-file --password-command --cache-dir --key-hint -o --option
    --limit-upload --limit-download --tls-client-cert --cacert --pack-size --compression --tag --host --path
    --keep-last --keep-hourly --keep-daily --keep-weekly --keep-monthly --keep-yearly --keep-within
    --keep-within-daily --keep-within-weekly --keep-within-monthly --keep-within-yearly --keep-tag -t --target
    --include -i --exclude -e --iinclude --iexclude --files-from --group-by --max-unused --max-repack-size
    --exclude-file --read-data-subset""".split()
)
RESTIC_READS = frozenset("snapshots ls check stats diff find cat dump version list help cache features".split())


def restic(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, RESTIC_VALUED)
    verb = p.verb(0)
    env = {"repo": p.opt("-r", "--repo") or env_of(inv, "RESTIC_REPOSITORY")}
    repo = f"restic repository {env['repo'] or '(from the environment)'}"
    if not verb or verb in RESTIC_READS or p.flag("-n", "--dry-run"):
        return [effect(R, repo, f"restic {verb or 'help'}", inv, env)]
    if verb in ("forget", "prune") or p.words[:2] == ("key", "remove") or (verb == "rewrite" and p.flag("--forget")):
        detail = {
            "forget": "forgets snapshots" + (" and deletes their data (--prune)" if p.flag("--prune") else ""),
            "prune": "deletes data no snapshot references",
        }.get(verb, f"restic {' '.join(p.words[:2])}")
        snapshots = " ".join(p.words[1:]) if verb == "forget" else ""
        return [effect(D, f"{repo}{': snapshots ' + snapshots if snapshots else ''}", detail, inv, env)]
    if verb == "restore":
        dest = p.opt_word("-t", "--target")
        if dest is None:
            return [Effect.unknown("restic restore without --target", inv.source)]
        kind = Kind.FILE_DELETE if p.flag("--delete") else Kind.FILE_OVERWRITE
        return ctx.file_effects(kind, dest, inv, "restores files from a backup over", recursive=True)
    if verb == "mount":
        return [effect(X, repo, "mounts the repository", inv, env)]
    return [effect(W, repo, f"restic {verb}", inv, env)]


BORG_VALUED = frozenset(
    "-e --exclude --exclude-from -a --glob-archives --match-archives --prefix --comment -C "
    "--compression --remote-path --rsh --lock-wait --keep-last --keep-secondly --keep-minutely "
    "--keep-hourly --keep-daily --keep-weekly --keep-monthly --keep-yearly --keep-within "
    "--keep -r --repo --sort-by --first --last --format --pattern --patterns-from".split()
)
BORG_READS = frozenset("list info diff rlist rinfo version help benchmark export-tar key serve umount".split())


def borg(inv: Invocation, ctx: Context) -> list[Effect]:
    p = parse(inv.args, BORG_VALUED)
    verb = p.verb(0)
    where = p.verb(1) or p.opt("-r", "--repo") or env_of(inv, "BORG_REPO") or ""
    env = {"repo": where.split("::", 1)[0] or None}
    archive = where.split("::", 1)[1] if "::" in where else ""
    shown = f"borg archive {archive}" if archive else f"borg repository {where or '(from the environment)'}"
    if not verb or verb in BORG_READS or p.flag("-n", "--dry-run") or (verb == "check" and not p.flag("--repair")):
        return [effect(R, shown, f"borg {verb or 'help'}", inv, env)]
    if verb in ("delete", "rdelete", "prune", "recreate", "compact", "break-lock"):
        bad = unknown_words(p.positionals[1:2], "the repository or archive", inv)
        detail = {
            "delete": "deletes archives"
            if archive or p.opt("-a", "--glob-archives", "--match-archives")
            else "deletes the whole repository",
            "rdelete": "deletes the whole repository",
            "prune": "deletes archives outside the retention rules",
            "recreate": "rewrites archives (excluded data is lost)",
            "compact": "frees the space of deleted archives: they cannot be recovered after",
            "break-lock": "breaks a lock another borg process may still hold",
        }[verb]
        return bad or [effect(D, shown, detail, inv, env)]
    if verb == "extract":
        here = Word(".")
        return ctx.file_effects(Kind.FILE_OVERWRITE, here, inv, "extracts a backup over the working directory")
    if verb in ("mount", "with-lock"):
        return [effect(X, shown, f"borg {verb}", inv, env)]
    return [effect(W, shown, f"borg {verb}", inv, env)]
