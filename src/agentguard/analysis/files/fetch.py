"""Archives, downloads and block devices: tar/unzip extraction, curl/wget output files, mkfs and friends."""

from __future__ import annotations

import os
from collections.abc import Sequence

from agentguard.analysis.files.common import (
    each,
    overwrite_if_exists,
    regular_file,
    split_args,
)
from agentguard.analysis.types import Context, Invocation, Word, has_flag, option_value
from agentguard.models import Effect, Kind


def device_tool(inv: Invocation, ctx: Context) -> list[Effect]:
    """mkfs, wipefs, fdisk and friends: they destroy file systems on the devices named."""
    _, operands = split_args(inv.args, frozenset({"-t", "-L", "-b", "-c", "-n", "-U", "-O"}))
    files = [w for w in operands if not w.text.startswith("/dev/")]
    formats = inv.name.split(".")[0] in ("mkfs", "mkswap", "wipefs")
    if formats and files and len(files) == len(operands) and all(regular_file(ctx, w, inv) for w in files):
        # A file system built inside an image file destroys only that file's content.
        return each(ctx, Kind.FILE_OVERWRITE, files, inv, f"{inv.name} formats the image file")
    devices = [w.text for w in operands if w.text.startswith("/dev/")] or ["a device"]
    listing = inv.name in ("fdisk", "sfdisk", "parted", "gdisk", "sgdisk") and has_flag(inv.args, "-l", "--list")
    if listing or (inv.name == "wipefs" and not has_flag(inv.args, "-a", "--all", "-o", "--offset")):
        return [Effect.make(Kind.READ, " ".join(devices), "lists partitions", source=inv.source)]
    return [Effect.make(Kind.SYSTEM_DESTROY, d, f"{inv.name} destroys the file system on", source=inv.source)
            for d in devices]  # fmt: skip


# tar options whose value is a program tar runs: a compressor, a per-member command, a checkpoint action.
TAR_PROGRAMS = ("-I", "--use-compress-program", "--to-command", "--info-script", "-F", "--new-volume-script",
                "--rsh-command", "--rmt-command")  # fmt: skip


def archive(inv: Invocation, ctx: Context) -> list[Effect]:
    """tar and unzip: what they extract or pack, plus the programs tar is told to run and the remote archive
    a `-f HOST:FILE` names (tar talks to it over rsh/ssh)."""
    effects = extract(inv, ctx)
    if inv.name != "tar":
        return effects
    for code in _tar_programs(inv.args):
        effects += ctx.shell(code, inv) if code is not None else [Effect.unknown(
            "tar runs a program not known before it runs", inv.source)]  # fmt: skip
    target = option_value(inv.args, "-f", "--file") or _bundled_file(inv.args)
    host = target.split(":", 1)[0] if target and ":" in target and not target.startswith(("/", ".")) else None
    if host:
        effects.append(Effect.make(Kind.NETWORK_SEND, host.rsplit("@", 1)[-1], f"tar writes its archive to {target}",
                                   source=inv.source, context={"host": host.rsplit("@", 1)[-1]}))  # fmt: skip
    if any(w.text == "--delete" for w in inv.args) and target:
        effects += overwrite_if_exists(ctx, Word.literal(target), inv, "tar --delete removes members from")
    return effects


def _tar_programs(args: Sequence[Word]) -> list[str | None]:
    found: list[str | None] = []
    for i, word in enumerate(args):
        text = word.text
        name, _, value = text.partition("=")
        bundle = text.startswith("-") and not text.startswith("--") and text[-1:] in ("I", "F")  # `-cI CMD`
        if (text in TAR_PROGRAMS or bundle) and i + 1 < len(args):
            found.append(args[i + 1].text if args[i + 1].known else None)
        elif name in TAR_PROGRAMS and value:
            found.append(value if word.known else None)
        elif name == "--checkpoint-action" and value.startswith(("exec=", "exec:")):
            found.append(value[5:] if word.known else None)
    return found


def _bundled_file(args: Sequence[Word]) -> str | None:
    """`tar -czf OUT`, `tar czf OUT`: f last in the first bundle takes the next word."""
    for i, word in enumerate(args[:-1]):
        text = word.text
        if not text.startswith("--") and text.rstrip("vz").endswith("f") and (i == 0 or text.startswith("-")):
            return args[i + 1].text
    return None


def extract(inv: Invocation, ctx: Context) -> list[Effect]:
    """Archive extraction overwrites files of the same name in the destination."""
    texts = [w.text for w in inv.args]
    first = texts[0] if texts else ""
    extracting = inv.name == "unzip" or (
        "-x" in texts or "--extract" in texts or (first and not first.startswith("-") and "x" in first)
        or any(t.startswith("-") and not t.startswith("--") and "x" in t for t in texts)
    )  # fmt: skip
    if not extracting:
        creating = inv.name == "tar" and any("c" in t.lstrip("-") for t in texts[:1])
        file_opt = option_value(inv.args, "-f", "--file")
        if inv.name == "tar" and "--remove-files" in texts:
            sources = _tar_members(inv.args)
            return each(ctx, Kind.FILE_DELETE, sources, inv, "deletes what it archives (tar --remove-files)",
                         recursive=True)  # fmt: skip
        if creating and file_opt:
            return overwrite_if_exists(ctx, Word.literal(file_opt), inv, "written by tar")
        return [Effect.make(Kind.READ, inv.name, "lists or packs an archive", source=inv.source)]
    dest = option_value(inv.args, "-C", "--directory", "-d") or "."
    kind = Kind.FILE_WRITE if inv.name == "unzip" and not has_flag(inv.args, "-o") else Kind.FILE_OVERWRITE
    members = _members(_archive_named(inv), inv.cwd)
    if members is not None:  # each member where it lands: `.claude/settings.json` in one is judged as such
        joined = [Word.literal(os.path.join(dest, m)) for m in members]
        return [e for w in joined for e in ctx.file_effects(kind, w, inv, "extracts an archive over")]
    # The members are not known: they land as DEST/* (the directory itself is written into, not replaced),
    # which lets `-C /tmp` stay temp work while `-C /` and `-C ~/.ssh` are judged by what they reach.
    inside = Word.literal(dest.rstrip("/") + "/*") if dest.rstrip("/") else Word.literal("/*")
    return ctx.file_effects(kind, inside, inv, "extracts an archive over files in")


MAX_ARCHIVE = 64 << 20  # bytes read to list a compressed tar's members (a zip's list is at its end)
MAX_MEMBERS = 2000


def _archive_named(inv: Invocation) -> str | None:
    if inv.name == "unzip":
        _, operands = split_args(inv.args, frozenset({"-d", "-x", "-P"}))
        return operands[0].text if operands and operands[0].known else None
    return option_value(inv.args, "-f", "--file") or _bundled_file(inv.args)


def _members(archive: str | None, cwd: str | None) -> list[str] | None:
    """The names in an archive that exists now (None when it does not, or cannot be listed cheaply)."""
    import tarfile
    import zipfile

    if archive is None or cwd is None or archive == "-" or ":" in archive:
        return None
    path = os.path.join(cwd, os.path.expanduser(archive))
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zipped:
                names = zipped.namelist()
        elif os.path.getsize(path) <= MAX_ARCHIVE and tarfile.is_tarfile(path):
            with tarfile.open(path) as tarred:
                names = tarred.getnames()
        else:
            return None
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError):
        return None
    names = [n.lstrip("/") for n in names if n.strip("./")]
    return names if len(names) <= MAX_MEMBERS else None


def _tar_members(args: Sequence[Word]) -> list[Word]:
    """The paths tar packs: operands that are not an option's value (`-czf OUT`, `-C DIR`, `--file OUT`)."""
    members: list[Word] = []
    skip = False
    for i, word in enumerate(args):
        text = word.text
        if skip:
            skip = False
        elif text.startswith("--"):
            skip = "=" not in text and text in ("--file", "--directory", "--files-from", "--exclude-from")
        elif text.startswith("-") or (i == 0 and text.isalpha()):
            skip = text.rstrip("vz").endswith(("f", "C", "T", "X")) or text in ("-f", "-C", "-T", "-X")
        else:
            members.append(word)
    return members


def download(inv: Invocation, ctx: Context) -> list[Effect]:
    """curl/wget save to a file only when told to (-o/-O); the download itself is a read."""
    short = "o" if inv.name == "curl" else "O"
    out = option_value(inv.args, "-o", "--output") if inv.name == "curl" else option_value(
        inv.args, "-O", "--output-document")  # fmt: skip
    out = out or _bundled_value(inv.args, short)
    method = option_value(inv.args, "-X", "--request")
    effects = [Effect.make(Kind.READ, "network", "downloads", source=inv.source)]
    if method and method.upper() == "DELETE":
        url = next((w.text for w in inv.args if "://" in w.text), "a URL")
        effects.append(Effect.make(Kind.SERVICE_DESTROY, url, "sends an HTTP DELETE", source=inv.source))
    if out is None and _saves_remote_name(inv):  # `curl -O URL`, `wget URL`: saved under the URL's file name
        url = next((w.text for w in inv.args if "://" in w.text), "")
        path = url.split("://", 1)[-1].split("?", 1)[0].split("#", 1)[0]
        name = path.split("/", 1)[1].rsplit("/", 1)[-1] if "/" in path else ""
        out = name or ("index.html" if url else None)
    if out and out != "-":
        effects += overwrite_if_exists(ctx, Word.literal(out), inv, f"overwritten by {inv.name}")
    return effects


def _saves_remote_name(inv: Invocation) -> bool:
    texts = [w.text for w in inv.args]
    if inv.name == "wget":
        return not any(t in ("--spider", "-q-O-", "-qO-") or t.startswith("-O") for t in texts)
    return any(t in ("-O", "--remote-name", "--remote-name-all") or (t.startswith("-") and not t.startswith("--")
               and "O" in t[1:]) for t in texts)  # fmt: skip


def _bundled_value(args: Sequence[Word], short: str) -> str | None:
    """`wget -qO FILE`, `curl -sSLo FILE`: the output option last in a bundle of short flags takes the next word."""
    for i, word in enumerate(args[:-1]):
        text = word.text
        if text.startswith("-") and not text.startswith("--") and len(text) > 2 and text.endswith(short):
            return args[i + 1].text
    return None
