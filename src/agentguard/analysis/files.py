"""File-system commands: what each operand loses.

Every operand is evaluated (`rm a b c` deletes three things). A path that is only a destination is written
(`cp a b` overwrites b if it exists); a path that is moved away is gone from where it was.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from agentguard.analysis.types import Context, Handler, Invocation, Word, has_flag, option_value
from agentguard.models import Effect, Kind


def split_args(args: Sequence[Word], valued: frozenset[str] = frozenset()) -> tuple[list[Word], list[Word]]:
    """Options and operands; after `--` everything is an operand. `valued` options swallow their value."""
    options: list[Word] = []
    operands: list[Word] = []
    i = 0
    while i < len(args):
        text = args[i].text
        if text == "--":
            operands.extend(args[i + 1 :])
            break
        if text.startswith("-") and text != "-" and args[i].known:
            options.append(args[i])
            if text in valued and i + 1 < len(args):
                options.append(args[i + 1])
                i += 1
        else:
            operands.append(args[i])
        i += 1
    return options, operands


def _each(ctx: Context, kind: Kind, words: Sequence[Word], inv: Invocation, detail: str,
          recursive: bool = False) -> list[Effect]:  # fmt: skip
    return [e for w in words for e in ctx.file_effects(kind, w, inv, detail, recursive=recursive)]


def _missing_operand(inv: Invocation, what: str) -> list[Effect]:
    return [Effect.make(Kind.READ, inv.name, f"{what}: no operand", source=inv.source)]


def rm(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args)
    # rmdir only removes empty directories; rimraf and del-cli are `rm -rf` for node projects.
    recursive = has_flag(options, "-r", "-R", "--recursive") or inv.name in RECURSIVE_REMOVERS
    if not operands:
        return _missing_operand(inv, "rm")
    detail = "deletes recursively" if recursive else "deletes"
    effects = _each(ctx, Kind.FILE_DELETE, operands, inv, detail, recursive)
    if has_flag(options, "--no-preserve-root"):
        effects.append(Effect.make(Kind.SYSTEM_DESTROY, "/", "rm --no-preserve-root allows erasing /",
                                   source=inv.source))  # fmt: skip
    return effects


RECURSIVE_REMOVERS = frozenset(["rimraf", "del", "del-cli", "trash-empty"])


def shred(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args, frozenset({"-n", "--iterations", "-s", "--size"}))
    kind = Kind.FILE_DELETE if has_flag(options, "-u", "--remove") else Kind.FILE_OVERWRITE
    return _each(ctx, kind, operands, inv, "shreds (unrecoverable)") or _missing_operand(inv, "shred")


def truncate(inv: Invocation, ctx: Context) -> list[Effect]:
    _options, operands = split_args(inv.args, frozenset({"-s", "--size", "-r", "--reference"}))
    return _each(ctx, Kind.FILE_OVERWRITE, operands, inv, "truncates") or _missing_operand(inv, "truncate")


def dd(inv: Invocation, ctx: Context) -> list[Effect]:
    for word in inv.args:
        if word.text.startswith("of="):
            target = Word(word.text[3:], word.known, word.why, None)
            return ctx.file_effects(Kind.FILE_OVERWRITE, target, inv, "overwrites (dd)")
    return [Effect.make(Kind.READ, "dd", "copies to standard output", source=inv.source)]


def mv(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args, frozenset({"-t", "--target-directory", "-S", "--suffix"}))
    dest_opt = option_value(options, "-t", "--target-directory")
    if dest_opt is not None:
        sources, dest = operands, Word.literal(dest_opt)
    elif len(operands) >= 2:
        sources, dest = operands[:-1], operands[-1]
    else:
        return _missing_operand(inv, "mv")
    effects = _each(ctx, Kind.FILE_MOVE, sources, inv, f"moves away (to {dest.text})")
    if _leaves_project(ctx, dest, inv):  # a directory moved out of the project takes its whole tree with it
        effects = [dataclasses.replace(e, recursive=True) if e.is_dir or e.exists is False else e
                   for e in effects]  # fmt: skip
    if not has_flag(options, "-n", "--no-clobber"):
        effects += _destination(ctx, dest, sources, inv, "replaced by mv")
    return effects


def _leaves_project(ctx: Context, dest: Word, inv: Invocation) -> bool:
    found = ctx.targets(dest, inv.cwd)
    root = ctx.project_root.rstrip("/") + "/"
    return found is None or any(not (t.path + "/").startswith(root) for t in found)


def cp(inv: Invocation, ctx: Context) -> list[Effect]:
    valued = frozenset({"-t", "--target-directory", "-S", "--suffix", "-m", "--mode", "-o", "-g"})
    options, operands = split_args(inv.args, valued)
    dest_opt = option_value(options, "-t", "--target-directory")
    if dest_opt is not None:
        sources, dest = operands, Word.literal(dest_opt)
    elif len(operands) >= 2:
        sources, dest = operands[:-1], operands[-1]
    else:
        return _missing_operand(inv, inv.name)
    reads = [Effect.make(Kind.READ, s.text, "copies from", source=inv.source) for s in sources]
    if has_flag(options, "-n", "--no-clobber"):
        return reads + ctx.file_effects(Kind.FILE_WRITE, dest, inv, "copies into")
    return reads + _destination(ctx, dest, sources, inv, f"overwritten by {inv.name}")


def _destination(ctx: Context, dest: Word, sources: Sequence[Word], inv: Invocation,
                 detail: str) -> list[Effect]:  # fmt: skip
    """A destination that exists as a file is overwritten; into a directory, the same names inside are."""
    found = ctx.targets(dest, inv.cwd)
    if found is None:
        return ctx.file_effects(Kind.FILE_OVERWRITE, dest, inv, detail)
    effects: list[Effect] = []
    for target in found:
        if target.is_dir and target.exists:
            for src in sources:
                name = src.text.rstrip("/").rsplit("/", 1)[-1]
                inner = Word(f"{target.path}/{name}", src.known, src.why)
                effects += _overwrite_if_exists(ctx, inner, inv, detail)
        else:
            effects += _overwrite_if_exists(ctx, Word.literal(target.path), inv, detail)
    return effects


def _overwrite_if_exists(ctx: Context, word: Word, inv: Invocation, detail: str) -> list[Effect]:
    found = ctx.targets(word, inv.cwd)
    if found and all(not t.exists for t in found):
        return ctx.file_effects(Kind.FILE_WRITE, word, inv, "creates")
    return ctx.file_effects(Kind.FILE_OVERWRITE, word, inv, detail)


def ln(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args, frozenset({"-t", "--target-directory", "-S", "--suffix"}))
    if len(operands) < 2:
        return _missing_operand(inv, "ln")
    force = has_flag(options, "-f", "--force")
    kind = Kind.FILE_OVERWRITE if force else Kind.FILE_WRITE
    return ctx.file_effects(kind, operands[-1], inv, "replaced by a link" if force else "links")


def tee(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args)
    if has_flag(options, "-a", "--append"):
        return _each(ctx, Kind.FILE_WRITE, operands, inv, "appends to")
    return [e for w in operands for e in _overwrite_if_exists(ctx, w, inv, "overwritten by tee")]


def create(inv: Invocation, ctx: Context) -> list[Effect]:
    valued = frozenset({"-m", "--mode", "-d", "--date", "-r", "--reference", "-t", "-Z", "--context"})
    _, operands = split_args(inv.args, valued)
    if inv.name == "install":
        return cp(inv, ctx)
    return _each(ctx, Kind.FILE_WRITE, operands, inv, "creates")


def perms(inv: Invocation, ctx: Context) -> list[Effect]:
    options, operands = split_args(inv.args, frozenset({"--reference", "--from"}))
    recursive = has_flag(options, "-R", "--recursive")
    targets = operands[1:] if not any(o.text.startswith("--reference") for o in options) else operands
    detail = f"changes {'owner' if inv.name != 'chmod' else 'permissions'}" + (" recursively" if recursive else "")
    return _each(ctx, Kind.FILE_PERMS, targets, inv, detail, recursive)


def sed(inv: Invocation, ctx: Context) -> list[Effect]:
    in_place = any(
        w.text == "--in-place" or w.text.startswith("--in-place=")
        or (w.text.startswith("-") and not w.text.startswith("--") and "i" in w.text[1:].split("e")[0])
        for w in inv.args
    )  # fmt: skip
    if not in_place:
        return [Effect.make(Kind.READ, "sed", "filters text", source=inv.source)]
    valued = frozenset({"-e", "--expression", "-f", "--file", "-l", "--line-length"})
    options, operands = split_args(inv.args, valued)
    has_script = any(o.text in ("-e", "--expression", "-f", "--file") for o in options)
    files = operands if has_script else operands[1:]
    effects = _each(ctx, Kind.FILE_OVERWRITE, files, inv, "edits in place")
    suffix = _sed_backup_suffix(inv.args) or ""
    if suffix and "*" not in suffix and "/" not in suffix:
        for word in files:
            effects += _overwrite_if_exists(ctx, Word(word.text + suffix, word.known, word.why), inv,
                                            "replaced by sed's backup copy")  # fmt: skip
    return effects


def _sed_backup_suffix(args: Sequence[Word]) -> str | None:
    """The backup suffix of `sed -i.bak` / `--in-place=.bak` (GNU: attached only)."""
    for word in args:
        text = word.text
        if text.startswith("--in-place="):
            return text.split("=", 1)[1] or None
        if text.startswith("-i") and len(text) > 2 and not text.startswith("--"):
            return text[2:]
    return None


def rsync(inv: Invocation, ctx: Context) -> list[Effect]:
    valued = frozenset({"-e", "--rsh", "--exclude", "--include", "--filter", "-f", "--backup-dir"})
    options, operands = split_args(inv.args, valued)
    if len(operands) < 2:
        return [Effect.make(Kind.READ, "rsync", "lists", source=inv.source)]
    dest = operands[-1]
    if ":" in dest.text.split("/", 1)[0]:
        return [Effect.make(Kind.EXEC_PROGRAM, dest.text, "copies to a remote host", source=inv.source)]
    if any(o.text == "--remove-source-files" for o in options):
        return _each(ctx, Kind.FILE_DELETE, operands[:-1], inv, "deletes the files it copies "
                     "(rsync --remove-source-files)", recursive=True)  # fmt: skip
    deleting = any(o.text.startswith("--delete") for o in options)
    if deleting:
        return ctx.file_effects(Kind.FILE_DELETE, dest, inv, "deletes files missing from the source "
                                "(rsync --delete)", recursive=True)  # fmt: skip
    return ctx.file_effects(Kind.FILE_OVERWRITE, dest, inv, "overwritten by rsync")


def find(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    pattern = find_pattern(args)
    texts = [w.text for w in args]
    effects: list[Effect] = []
    if "-delete" in texts:
        word = Word(pattern, glob=pattern) if pattern else Word("?", False, "find's roots are not known")
        effects += ctx.file_effects(Kind.FILE_DELETE, word, inv, "deletes what find matches", recursive=True)
    whole_tree = pattern is not None and "/**/" not in pattern  # no -name: {} is every path under the root
    for start in (i for i, t in enumerate(texts) if t in ("-exec", "-execdir", "-ok", "-okdir")):
        end = next((j for j in range(start + 1, len(texts)) if texts[j] in (";", "+")), len(texts))
        inner = args[start + 1 : end]
        if not inner:
            continue
        operand = Word(pattern, glob=pattern) if pattern else Word("?", False, "find's matches")
        words = [operand if w.text == "{}" else w for w in inner]
        if not any(w.text == "{}" for w in inner):
            words.append(operand)
        inner_effects = ctx.run(inv.with_words(words))
        effects += [_tree(e) if whole_tree and e.path and (e.is_dir or e.exists is False) else e
                    for e in inner_effects]  # fmt: skip
    for i, text in enumerate(texts):
        if text in ("-fprint", "-fprint0", "-fprintf", "-fls") and i + 1 < len(args):
            effects += ctx.file_effects(Kind.FILE_OVERWRITE, args[i + 1], inv, "written by find")
    return effects or [Effect.make(Kind.READ, "find", "searches", source=inv.source)]


def _tree(effect: Effect) -> Effect:
    """`find DIR -exec CMD {} +` runs CMD on everything under DIR: an effect on DIR covers its whole tree."""
    return dataclasses.replace(effect, recursive=True) if effect.kind.value.startswith("file.") else effect


def find_pattern(args: Sequence[Word]) -> str | None:
    """A glob that stands for what `find ROOTS … -name PAT` prints: `ROOT/**/PAT` (ROOT itself if no -name).

    With `-o`, `-not` or `!` the names no longer bound what matches (`-path x -prune -o -delete` deletes
    everything else), so the whole ROOT stands for it; `-path` patterns match whole paths, not names.
    """
    roots: list[str] = []
    for word in args:
        if word.text.startswith(("-", "(", "!")) or word.text in (")",):
            break
        if not word.known:
            return None
        roots.append(word.text.rstrip("/") or "/")
    texts = [w.text for w in args]
    name = None
    if any(t in ("-o", "-or", "-not", "!") for t in texts):
        texts = []
    for flag in ("-name", "-iname"):
        if flag in texts and texts.index(flag) + 1 < len(args):
            value = args[texts.index(flag) + 1]
            name = value.text if value.known else "*"
            break
    root = roots[0] if roots else "."
    if len(roots) > 1:
        return None
    return f"{root}/**/{name}" if name else root


def device_tool(inv: Invocation, ctx: Context) -> list[Effect]:
    """mkfs, wipefs, fdisk and friends: they destroy file systems on the devices named."""
    _, operands = split_args(inv.args, frozenset({"-t", "-L", "-b", "-c", "-n", "-U", "-O"}))
    files = [w for w in operands if not w.text.startswith("/dev/")]
    formats = inv.name.split(".")[0] in ("mkfs", "mkswap", "wipefs")
    if formats and files and len(files) == len(operands) and all(_regular_file(ctx, w, inv) for w in files):
        # A file system built inside an image file destroys only that file's content.
        return _each(ctx, Kind.FILE_OVERWRITE, files, inv, f"{inv.name} formats the image file")
    devices = [w.text for w in operands if w.text.startswith("/dev/")] or ["a device"]
    listing = inv.name in ("fdisk", "sfdisk", "parted", "gdisk", "sgdisk") and has_flag(inv.args, "-l", "--list")
    if listing or (inv.name == "wipefs" and not has_flag(inv.args, "-a", "--all", "-o", "--offset")):
        return [Effect.make(Kind.READ, " ".join(devices), "lists partitions", source=inv.source)]
    return [Effect.make(Kind.SYSTEM_DESTROY, d, f"{inv.name} destroys the file system on", source=inv.source)
            for d in devices]  # fmt: skip


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


def _regular_file(ctx: Context, word: Word, inv: Invocation) -> bool:
    found = ctx.targets(word, inv.cwd)
    return bool(found) and all(not t.is_dir and not t.real.startswith("/dev/") for t in found or [])


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
            return _each(ctx, Kind.FILE_DELETE, sources, inv, "deletes what it archives (tar --remove-files)",
                         recursive=True)  # fmt: skip
        if creating and file_opt:
            return _overwrite_if_exists(ctx, Word.literal(file_opt), inv, "written by tar")
        return [Effect.make(Kind.READ, inv.name, "lists or packs an archive", source=inv.source)]
    dest = option_value(inv.args, "-C", "--directory", "-d") or "."
    kind = Kind.FILE_WRITE if inv.name == "unzip" and not has_flag(inv.args, "-o") else Kind.FILE_OVERWRITE
    # The members are not known: they land as DEST/* (the directory itself is written into, not replaced),
    # which lets `-C /tmp` stay temp work while `-C /` and `-C ~/.ssh` are judged by what they reach.
    inside = Word.literal(dest.rstrip("/") + "/*") if dest.rstrip("/") else Word.literal("/*")
    return ctx.file_effects(kind, inside, inv, "extracts an archive over files in")


def download(inv: Invocation, ctx: Context) -> list[Effect]:
    """curl/wget save to a file only when told to (-o/-O); the download itself is a read."""
    out = option_value(inv.args, "-o", "--output") if inv.name == "curl" else option_value(
        inv.args, "-O", "--output-document")  # fmt: skip
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
        effects += _overwrite_if_exists(ctx, Word.literal(out), inv, f"overwritten by {inv.name}")
    return effects


def _saves_remote_name(inv: Invocation) -> bool:
    texts = [w.text for w in inv.args]
    if inv.name == "wget":
        return not any(t in ("--spider", "-q-O-", "-qO-") or t.startswith("-O") for t in texts)
    return any(t in ("-O", "--remote-name", "--remote-name-all") or (t.startswith("-") and not t.startswith("--")
               and "O" in t[1:]) for t in texts)  # fmt: skip


def sort(inv: Invocation, ctx: Context) -> list[Effect]:
    out = option_value(inv.args, "-o", "--output")
    if out is None:
        return [Effect.make(Kind.READ, "sort", "sorts", source=inv.source)]
    return _overwrite_if_exists(ctx, Word.literal(out), inv, "overwritten by sort -o")


def patch(inv: Invocation, ctx: Context) -> list[Effect]:
    """`patch FILE` edits FILE in place (the patch comes on stdin or -i); with no FILE it edits the files the
    patch names, in the working tree."""
    valued = frozenset({"-i", "--input", "-p", "--strip", "-d", "--directory", "-o", "--output", "-r", "-B",
                        "-F", "--fuzz", "-D", "-V", "-z", "--suffix"})  # fmt: skip
    _options, operands = split_args(inv.args, valued)
    out = option_value(inv.args, "-o", "--output")
    if out is not None and out != "-":
        return _overwrite_if_exists(ctx, Word.literal(out), inv, "written by patch")
    if operands:
        return ctx.file_effects(Kind.FILE_OVERWRITE, operands[0], inv, "patched in place")
    return [Effect.make(Kind.FILE_WRITE, "working tree", "applies a patch", source=inv.source)]


def trash(inv: Invocation, ctx: Context) -> list[Effect]:
    _, operands = split_args(inv.args)
    if inv.name == "gio" and (not operands or operands[0].text not in ("trash", "remove")):
        return [Effect.make(Kind.EXEC_PROGRAM, "gio", "runs gio", source=inv.source)]
    words = operands[1:] if inv.name == "gio" else operands
    return _each(ctx, Kind.FILE_MOVE, words, inv, "moves to the trash")


EDITOR_VALUED = frozenset(["-c", "--cmd", "-S", "-u", "-i", "-T", "-w", "-W", "--eval", "-f", "--funcall", "-l",
                           "--load", "--listen"])  # fmt: skip


def editor(inv: Invocation, ctx: Context) -> list[Effect]:
    """vim, ex, ed, emacs …: scripted (`vim -c '%d|wq' f`, `ed -s f <<< …`) or not, they may rewrite every file
    they are given. Ordinary files stay ordinary work; the policy judges a protected one."""
    files: list[Word] = []
    skip = False
    for word in inv.args:
        text = word.text
        if skip:
            skip = False
        elif text in EDITOR_VALUED or (text.startswith("-") and not text.startswith("--") and text.endswith("c")):
            skip = True  # `-c CMD`, bundled `-sc CMD`
        elif not text.startswith(("-", "+")):
            files.append(word)
    if not files:
        return [Effect.make(Kind.EXEC_PROGRAM, inv.name, "starts an editor", source=inv.source)]
    return _each(ctx, Kind.FILE_OVERWRITE, files, inv, f"may be rewritten by {inv.name}")


FD_VALUED = frozenset(["-e", "--extension", "-t", "--type", "-d", "--max-depth", "-E", "--exclude", "-S", "--size",
                       "--changed-within", "--changed-before", "-j", "--threads", "-g", "--glob", "--base-directory",
                       "--search-path", "-c", "--color", "-o", "--owner"])  # fmt: skip


def fd(inv: Invocation, ctx: Context) -> list[Effect]:
    """fd searches; `-x CMD` / `-X CMD` run CMD on what it finds, like `find -exec`."""
    args = list(inv.args)
    texts = [w.text for w in args]
    start = next((i for i, t in enumerate(texts) if t in ("-x", "--exec", "-X", "--exec-batch")), None)
    if start is None:
        return [Effect.make(Kind.READ, inv.name, "searches", source=inv.source)]
    search, inner = args[:start], args[start + 1 :]
    _opts, operands = split_args(search, FD_VALUED)
    ext = option_value(search, "-e", "--extension")
    root = operands[1].text if len(operands) > 1 else "."
    known = all(w.known for w in operands)
    if not known:
        found = Word("?", False, "fd's search is not known before it runs")
    elif ext and (not operands or operands[0].text in (".", "")):
        found = Word(f"{root}/**/*.{ext}", glob=f"{root}/**/*.{ext}")
    else:
        found = Word(root)  # a name pattern (regex) we do not evaluate: the whole tree stands for it
    words = [found if w.text == "{}" else w for w in inner]
    if not any(w.text == "{}" for w in inner):
        words.append(found)
    effects = ctx.run(inv.with_words(words))
    return [_tree(e) if found.glob is None and e.path and (e.is_dir or e.exists is False) else e for e in effects]


AWK_VALUED = frozenset({"-F", "-v", "-f", "-i", "--include", "-l", "--load", "--field-separator", "--assign"})
AWK_STRING = r'"((?:[^"\\]|\\.)*)"'
AWK_SYSTEM = re.compile(r"\bsystem\s*\(\s*" + AWK_STRING + r"\s*\)")
AWK_PIPE = re.compile(r"\|&?\s*" + AWK_STRING)
AWK_REDIRECT = re.compile(r">>?\s*" + AWK_STRING)


def awk(inv: Invocation, ctx: Context) -> list[Effect]:
    """awk reads, unless it edits in place (`-i inplace`), runs commands (`system("…")`, `print | "cmd"`) or
    writes files (`print > "f"`): string literals there are analysed; anything computed is unknown."""
    args = list(inv.args)
    texts = [w.text for w in args]
    in_place = any(texts[i] in ("-i", "--include") and i + 1 < len(texts) and texts[i + 1] == "inplace"
                   for i in range(len(texts)))  # fmt: skip
    program: Word | None = None
    files: list[Word] = []
    i = 0
    while i < len(args):
        text = texts[i]
        if text in AWK_VALUED:
            if text == "-f" and i + 1 < len(args):
                script = ctx.read_text(args[i + 1].text, inv.cwd) if args[i + 1].known else None
                program = Word.literal(script) if script is not None else Word("?", False, "awk program file")
            i += 2
            continue
        if text.startswith("-") and text != "-":
            i += 1
            continue
        if program is None:
            program = args[i]
        elif "=" not in text:
            files.append(args[i])
        i += 1
    effects = _awk_program(program, inv, ctx) if program is not None else []
    if in_place:
        effects += _each(ctx, Kind.FILE_OVERWRITE, files, inv, "edits in place (awk -i inplace)")
    return effects or [Effect.make(Kind.READ, inv.name, "filters text", source=inv.source)]


def _awk_program(program: Word, inv: Invocation, ctx: Context) -> list[Effect]:
    if not program.known:
        return [Effect.unknown(f"awk program not known before it runs ({program.why})", inv.source)]
    text = program.text
    effects: list[Effect] = []
    commands = AWK_SYSTEM.findall(text) + AWK_PIPE.findall(text)
    calls = len(re.findall(r"\bsystem\s*\(", text)) + len(re.findall(r"\|&?\s*[^|\s]", text))
    if calls > len(commands):
        effects.append(Effect.unknown("awk runs a command it computes at run time", inv.source))
    for command in commands:
        effects += ctx.shell(command.replace('\\"', '"'), inv)
    for target in AWK_REDIRECT.findall(text):
        effects += _overwrite_if_exists(ctx, Word.literal(target), inv, "written by awk")
    return effects


HANDLERS: dict[str, Handler] = {
    "rm": rm, "rmdir": rm, "unlink": rm, "srm": rm, "shred": shred, "truncate": truncate, "dd": dd,
    "mv": mv, "cp": cp, "install": create, "ln": ln, "tee": tee, "touch": create, "mkdir": create,
    "chmod": perms, "chown": perms, "chgrp": perms, "sed": sed, "rsync": rsync, "find": find,
    "mkfs": device_tool, "wipefs": device_tool, "fdisk": device_tool, "sfdisk": device_tool,
    "parted": device_tool, "gdisk": device_tool, "sgdisk": device_tool, "mkswap": device_tool,
    "tar": extract, "unzip": extract, "curl": download, "wget": download, "sort": sort,
    "patch": patch, "split": create, "csplit": create, "trash": trash, "trash-put": trash, "gio": trash,
    "rimraf": rm, "del": rm, "del-cli": rm, "sponge": tee, "awk": awk, "gawk": awk, "mawk": awk, "nawk": awk,
    "busybox-awk": awk, "vim": editor, "vi": editor, "nvim": editor, "ex": editor, "ed": editor,
    "emacs": editor, "nano": editor, "view": editor, "fd": fd, "fdfind": fd,
}  # fmt: skip
