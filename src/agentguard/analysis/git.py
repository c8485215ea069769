"""git: which sub-commands lose uncommitted work, delete refs, or rewrite shared history.

Global options (`-C dir`, `-c k=v`, `--git-dir`) are skipped (and `-C` moves the cwd). Force pushes carry
the remote and destination branch in their context, and `lease=true` for --force-with-lease, so the policy
can let a leased push to a feature branch through while asking for anything onto a protected branch.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentguard.analysis.paths import absolute
from agentguard.analysis.types import Context, Handler, Invocation, Word, has_flag
from agentguard.models import Effect, Kind

_GLOBAL_VALUED = frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path",
                            "--config-env", "--super-prefix"})  # fmt: skip
READ_SUBCOMMANDS = frozenset(
    [
        "status",
        "log",
        "diff",
        "show",
        "blame",
        "annotate",
        "shortlog",
        "describe",
        "rev-parse",
        "rev-list",
        "ls-files",
        "ls-tree",
        "ls-remote",
        "cat-file",
        "grep",
        "reflog-show",
        "whatchanged",
        "show-ref",
        "show-branch",
        "name-rev",
        "cherry",
        "count-objects",
        "fsck",
        "check-ignore",
        "check-attr",
        "var",
        "help",
        "version",
        "verify-commit",
        "verify-tag",
        "merge-base",
        "range-diff",
    ]
)


def git(inv: Invocation, ctx: Context) -> list[Effect]:
    args, cwd = _skip_globals(inv)
    commands = _config_commands(inv)
    if commands:  # `git -c core.pager='rm -rf x' log`: the setting is code git runs
        return [e for c in commands for e in ctx.shell(c, inv)] + git(inv.with_words(
            [w for w in inv.words if w not in _config_words(inv)]), ctx)  # fmt: skip
    if not args:
        return [_effect(Kind.READ, "git", "shows git help", inv)]
    sub, rest = args[0].text, [_unabbreviated(w) for w in args[1:]]
    alias = _aliases(inv).get(sub)
    if alias is not None:  # `git -c 'alias.wipe=reset --hard' wipe`: the alias's words stand for its name
        return git(inv.with_words([inv.words[0], *(Word.literal(t) for t in alias.split()), *rest]), ctx)
    inv = Invocation(inv.words, cwd, inv.source, inv.stdin, inv.assignments)
    if sub in ("credential", "credential-store", "credential-cache") and any(
        w.text in ("fill", "get") for w in rest
    ):  # prints the stored password or token for a host
        return [_effect(Kind.SECRET_READ, "git credentials", f"git {sub} prints stored credentials", inv)]
    if any(w.text in ("--help", "-h") for w in rest):  # `git restore --help` only shows the manual
        return [_effect(Kind.READ, "git", f"shows help for git {sub}", inv)]
    from agentguard.analysis.git_code import stored_code  # hooks and filters: code in the repository

    handler = _SUBCOMMANDS.get(sub)
    hidden = next((w for i, w in enumerate(rest) if not w.known and not GIT_NAME_SOURCES.search(w.why)
                   and not (i and rest[i - 1].text in VALUE_OPTIONS)), None)  # fmt: skip
    if hidden is not None and sub in OPTION_SENSITIVE:  # `git branch $name`: $name may be `-D main`
        return [Effect.unknown(f"git {sub} with a word not known before it runs ({hidden.why})", inv.source),
                *(handler(rest, inv, ctx) if handler is not None else [])]  # fmt: skip
    if handler is not None:
        return handler(rest, inv, ctx) + stored_code(sub, inv, ctx)
    if sub in READ_SUBCOMMANDS:
        return [_effect(Kind.READ, "repository", f"git {sub}", inv), *stored_code(sub, inv, ctx)]
    return [_effect(Kind.GIT_WRITE, "repository", f"git {sub}", inv), *stored_code(sub, inv, ctx)]


# Subcommands where an option hidden in an unknown word (`-D`, `--force`, `--hard`) changes a write into a loss.
OPTION_SENSITIVE = frozenset(["branch", "tag", "push", "reset", "checkout", "switch", "clean", "stash", "restore",
                              "rm", "worktree", "update-ref", "reflog", "gc", "filter-branch"])  # fmt: skip


# Options whose value an unknown word may be without being an option itself (`--format "$(fmt)"`, `-m "$msg"`).
VALUE_OPTIONS = frozenset(
    """--format --sort -m --message -F --file --contains --no-contains --points-at --merged
    --no-merged -u --set-upstream-to --author --since --until --grep -o --push-option --receive-pack""".split()
)
# Substitutions that print a ref name, which never starts with `-`: `git push origin "$(git branch --show-current)"`.
GIT_NAME_SOURCES = re.compile(r"\$\(\s*git\s+(?:rev-parse\s+--abbrev-ref|branch\s+--show-current|symbolic-ref)")


def _skip_globals(inv: Invocation) -> tuple[list[Word], str | None]:
    args = list(inv.args)
    cwd = inv.cwd
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        text = args[i].text
        if text == "-C" and i + 1 < len(args):
            target = args[i + 1]
            cwd = absolute(target.text, cwd) if target.known and cwd else None
        i += 2 if text in _GLOBAL_VALUED else 1
    return args[i:], cwd


# Settings whose value git runs as a shell command (aliases run it when they start with `!`).
CODE_SETTINGS = ("core.pager", "core.editor", "core.sshcommand", "core.fsmonitor", "sequence.editor",
                 "diff.external", "gpg.program", "credential.helper", "pager.", "filter.")  # fmt: skip


def _runs_code(key: str, value: str) -> bool:
    key = key.lower()
    return (key.startswith("alias.") and value.startswith("!")) or key.startswith(CODE_SETTINGS) \
        or key == "core.hookspath"  # fmt: skip


def _config_words(inv: Invocation) -> list[Word]:
    """The `-c key=value` pairs before the subcommand that make git run code."""
    args = list(inv.args)
    out: list[Word] = []
    i = 0
    while i < len(args) and args[i].text.startswith("-"):
        if args[i].text == "-c" and i + 1 < len(args) and "=" in args[i + 1].text:
            key, value = args[i + 1].text.split("=", 1)
            if _runs_code(key, value) or not args[i + 1].known:
                out += [args[i], args[i + 1]]
        i += 2 if args[i].text in _GLOBAL_VALUED else 1
    return out


# git takes any unambiguous prefix of a long option (`--h` for --hard, `--p=now` for --prune=now); these are
# the ones that lose work, most dangerous first, so a prefix is read as the worst option it may stand for.
DANGEROUS_LONGS = ("--hard", "--force", "--force-with-lease", "--prune", "--delete", "--mirror", "--discard-changes",
                   "--expire", "--expire-unreachable", "--all")  # fmt: skip


def _unabbreviated(word: Word) -> Word:
    name, eq, value = word.text.partition("=")
    if not name.startswith("--") or len(name) < 3 or name in DANGEROUS_LONGS:
        return word
    full = next((d for d in DANGEROUS_LONGS if d.startswith(name)), None)
    return Word(full + eq + value, word.known, word.why, word.glob) if full else word


def _aliases(inv: Invocation) -> dict[str, str]:
    """Aliases given with `-c alias.NAME=WORDS` (not `!` ones: those are shell code, run above)."""
    args = list(inv.args)
    found: dict[str, str] = {}
    for i, word in enumerate(args[:-1]):
        if word.text == "-c" and args[i + 1].text.lower().startswith("alias.") and "=" in args[i + 1].text:
            key, value = args[i + 1].text.split("=", 1)
            if not value.startswith("!") and value.split()[:1] != [key[6:]]:  # an alias naming itself loops
                found[key[6:]] = value
    return found


def _config_commands(inv: Invocation) -> list[str]:
    words = _config_words(inv)
    pairs = [w for w in words if w.text != "-c"]
    return [p.text.split("=", 1)[1].lstrip("!") if p.known else "$unknown_git_setting" for p in pairs]


CLONE_VALUED = frozenset(
    "-b --branch -o --origin -u --upload-pack --reference --depth --shallow-since "
    "--shallow-exclude -c --config --filter --separate-git-dir -j --jobs --template".split()
)


def clone(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    """A clone creates its directory: code run from there later on the line is code nobody has read."""
    operands: list[Word] = []
    skip = False
    for word in rest:
        if skip:
            skip = False
        elif word.text in CLONE_VALUED:
            skip = True
        elif not word.text.startswith("-"):
            operands.append(word)
    if not operands:
        return [_effect(Kind.GIT_WRITE, "repository", "git clone", inv)]
    url = operands[0].text.rstrip("/")
    dest = operands[1] if len(operands) > 1 else Word.literal(url.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                                                              .removesuffix(".git") or "repository")  # fmt: skip
    created = ctx.file_effects(Kind.FILE_WRITE, dest, inv, "clones into")
    return [_effect(Kind.GIT_WRITE, url, "git clone", inv), *created]


def config(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    """`git config alias.x '!cmd'`, `core.hooksPath`, `core.pager`: stored code git runs later, unseen."""
    operands = [w for w in rest if not w.text.startswith("-")]
    if len(operands) >= 2 and (_runs_code(operands[0].text, operands[1].text) or not operands[1].known):
        return [Effect.unknown(f"git config {operands[0].text} stores a command git will run later",
                               inv.source)]  # fmt: skip
    reading = len(operands) < 2 or has_flag(rest, "--get", "--get-all", "--list", "-l", "--get-regexp")
    return [_effect(Kind.READ if reading else Kind.GIT_WRITE, "config", "git config", inv)]


def _effect(kind: Kind, target: str, detail: str, inv: Invocation, **context: str) -> Effect:
    return Effect.make(kind, target, detail, source=inv.source, context=context)


def _exists(path: str, inv: Invocation) -> bool:
    import os

    return inv.cwd is not None and os.path.lexists(absolute(path, inv.cwd))


def _texts(words: Sequence[Word]) -> list[str]:
    return [w.text for w in words]


def _losing(
    effect: Effect, inv: Invocation, pathspecs: list[str], *, untracked: bool = False, ignored: bool = False
) -> list[Effect]:
    """`effect` and one effect per file whose uncommitted content the command throws away (saved first)."""
    from agentguard.analysis import git_loss

    if inv.cwd is None:
        return [effect, Effect.unknown("git: the working directory is not known, so neither is what it loses",
                                       inv.source)]  # fmt: skip
    try:
        files = git_loss.uncommitted(inv.cwd, pathspecs, untracked=untracked, ignored=ignored)
    except git_loss.Unanswered as exc:
        return [effect, *git_loss.unanswered(exc, inv)]
    return [effect, *git_loss.lost_effects(files, f"{effect.detail}: its uncommitted changes", inv)]


def reset(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(rest, "--hard", "--merge", "--keep"):
        texts = _texts(rest)
        paths = texts[texts.index("--") + 1 :] if "--" in texts else []
        effect = _effect(Kind.GIT_DISCARD, "working tree", "git reset --hard discards uncommitted changes", inv)
        return _losing(effect, inv, paths)
    return [_effect(Kind.GIT_WRITE, "index", "git reset (keeps the working tree)", inv)]


def read_tree(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    """`git read-tree -u --reset|-m TREE` rewrites the working tree from TREE: `reset --hard` by another name."""
    if has_flag(rest, "-u") and has_flag(rest, "--reset", "-m"):
        effect = _effect(Kind.GIT_DISCARD, "working tree", "git read-tree -u overwrites the working tree", inv)
        return _losing(effect, inv, [])
    return [_effect(Kind.GIT_WRITE, "index", "git read-tree (index only)", inv)]


def checkout(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    texts = _texts(rest)
    creates = has_flag(rest, "-b", "-B", "--orphan")
    if creates and "--" not in texts and not has_flag(rest, "-f", "--force"):
        return [_effect(Kind.GIT_WRITE, "branch", "git checkout -b creates a branch", inv)]
    operands = [t for t in texts if not t.startswith("-")]
    over_paths = len(operands) > 1 and not creates  # `git checkout main a.txt`: a tree's copy replaces a.txt
    if "--" in texts or "." in texts or over_paths or has_flag(rest, "-f", "--force", "-p", "--patch"):
        paths = texts[texts.index("--") + 1 :] if "--" in texts else [t for t in texts if not t.startswith("-")]
        target = " ".join(paths) or "working tree"
        effect = _effect(Kind.GIT_DISCARD, target, "git checkout over paths discards their changes", inv)
        if "--" in texts:  # `git checkout TREE -- PATHS`: the first operands name a tree, not paths
            paths = texts[texts.index("--") + 1 :]
        else:
            paths = [] if has_flag(rest, "-f", "--force") else [p for p in paths if p == "." or _exists(p, inv)]
        return _losing(effect, inv, paths)
    return [_effect(Kind.GIT_WRITE, " ".join(texts) or "branch", "git checkout switches branches", inv)]


def restore(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    texts = _texts(rest)
    staged_only = has_flag(rest, "-S", "--staged") and not has_flag(rest, "-W", "--worktree")
    if staged_only:
        return [_effect(Kind.GIT_WRITE, "index", "git restore --staged unstages", inv)]
    paths = [t for t in texts if not t.startswith("-")]
    effect = _effect(Kind.GIT_DISCARD, " ".join(paths) or "working tree", "git restore discards changes", inv)
    return _losing(effect, inv, paths)


def clean(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    unforced = any(w.text.lower().replace(" ", "") in ("clean.requireforce=false", "clean.requireforce=0")
                   for w in inv.args)  # fmt: skip
    if has_flag(rest, "-n", "--dry-run") or not (unforced or has_flag(rest, "-f", "--force")):
        return [_effect(Kind.READ, "untracked files", "git clean dry run", inv)]
    from agentguard.analysis import git_loss

    effect = _effect(Kind.GIT_DISCARD, "untracked files", "git clean -f deletes untracked files", inv)
    if inv.cwd is None:
        return [effect, Effect.unknown("git clean: the working directory is not known", inv.source)]
    try:
        return [effect, *git_loss.cleaned_effects(git_loss.clean_list(inv.cwd, rest), inv)]
    except git_loss.Unanswered as exc:
        return [effect, *git_loss.unanswered(exc, inv)]


def stash(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    verb = rest[0].text if rest else "push"
    if verb in ("drop", "clear"):
        return [_effect(Kind.GIT_DELETE, "stash", f"git stash {verb} deletes stashed work", inv)]
    if verb in ("list", "show"):
        return [_effect(Kind.READ, "stash", f"git stash {verb}", inv)]
    effect = _effect(Kind.GIT_WRITE, "stash", f"git stash {verb}", inv)
    if verb in ("push", "save") or verb.startswith("-"):  # the changes leave the working tree for a stash
        untracked = has_flag(rest, "-u", "--include-untracked", "-a", "--all")
        return _losing(effect, inv, [], untracked=untracked, ignored=has_flag(rest, "-a", "--all"))
    return [effect]


def branch(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    texts = _texts(rest)
    names = [t for t in texts if not t.startswith("-")]
    # Short flags bundle (`-Dv`), and git takes unambiguous prefixes of long ones (`--del`).
    bundled = "".join(t[1:] for t in texts if t.startswith("-") and not t.startswith("--"))
    deleting = "d" in bundled or any(len(t) > 4 and "--delete".startswith(t) for t in texts)
    force_delete = "D" in bundled or (deleting and ("f" in bundled or "--force" in texts))
    if force_delete:
        return [_effect(Kind.GIT_DELETE, f"branch {n}", "git branch -D deletes an unmerged branch", inv,
                        branch=n) for n in names or ["?"]]  # fmt: skip
    if "-M" in texts or "-C" in texts:
        return [_effect(Kind.GIT_DELETE, "branch", "git branch -M/-C overwrites a branch", inv)]
    if ("f" in bundled or "--force" in texts) and names:  # moves an existing branch: its own commits may be lost
        return [_effect(Kind.GIT_DELETE, f"branch {names[0]}", "git branch -f resets a branch", inv)]
    if deleting and names:  # `git branch -d`/`-vd`: git refuses unless the branch is merged
        return [_effect(Kind.GIT_WRITE, f"branch {names[0]}", "git branch -d deletes a merged branch", inv)]
    if not names or has_flag(rest, "-l", "--list", "-a", "-r", "-v", "--show-current", "--contains"):
        return [_effect(Kind.READ, "branches", "git branch lists", inv)]
    return [_effect(Kind.GIT_WRITE, "branch", "git branch", inv)]


def push(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    texts = _texts(rest)
    positional = [t for t in texts if not t.startswith("-")]
    remote = positional[0] if positional else "origin"
    refspecs = positional[1:]
    lease = any(t.startswith("--force-with-lease") for t in texts)
    force = has_flag(rest, "-f", "--force") or lease or any(t.startswith("--force-if-includes") for t in texts)
    effects: list[Effect] = []
    if has_flag(rest, "-d", "--delete"):
        return [_effect(Kind.GIT_DELETE, f"{remote}/{r}", "git push --delete removes a remote branch", inv,
                        remote=remote, branch=r) for r in refspecs or ["?"]]  # fmt: skip
    if "--mirror" in texts or "--prune" in texts:
        effects.append(_effect(Kind.GIT_REWRITE, remote, "git push --mirror/--prune overwrites the remote",
                               inv, remote=remote))  # fmt: skip
    for spec in refspecs:
        dest = spec.split(":", 1)[1] if ":" in spec else spec.lstrip("+")
        dest = dest.removeprefix("refs/heads/")
        if spec.startswith(":"):
            effects.append(_effect(Kind.GIT_DELETE, f"{remote}/{dest}", "git push :branch deletes it", inv,
                                   remote=remote, branch=dest))  # fmt: skip
        elif force or spec.startswith("+"):
            effects.append(_force(inv, remote, dest, lease and not spec.startswith("+")))
    if force and not refspecs:
        effects.append(_force(inv, remote, None, lease))
    return effects or [_effect(Kind.GIT_WRITE, remote, "git push", inv, remote=remote)]


def _force(inv: Invocation, remote: str, branch_name: str | None, lease: bool) -> Effect:
    context = {"remote": remote, "lease": "true" if lease else ""}
    if branch_name and branch_name != "HEAD":
        context["branch"] = branch_name
    detail = "git push --force-with-lease rewrites remote history" if lease else "git push --force rewrites "
    detail += "" if lease else "remote history"
    return Effect.make(Kind.GIT_REWRITE, f"{remote}/{branch_name or '?'}", detail, source=inv.source,
                       context=context)  # fmt: skip


def replace(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    """`git replace` with no operands or -l lists replacement refs; with objects, it swaps history's content."""
    if not rest or has_flag(rest[:1], "-l", "--list"):
        return [_effect(Kind.READ, "replace refs", "git replace --list", inv)]
    return history_rewrite(rest, inv, ctx)


def history_rewrite(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(rest, "-h", "--help"):
        return [_effect(Kind.READ, "history", "prints help", inv)]
    return [_effect(Kind.GIT_REWRITE, "history", "rewrites repository history", inv)]


def reflog(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if rest and rest[0].text in ("expire", "delete"):
        return [_effect(Kind.GIT_REWRITE, "reflog", "git reflog expire drops the recovery log", inv)]
    return [_effect(Kind.READ, "reflog", "git reflog", inv)]


def gc(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if any(t.startswith("--prune") and t not in ("--prune", "--no-prune") for t in _texts(rest)):
        return [_effect(Kind.GIT_REWRITE, "objects", "git gc --prune=now deletes unreachable commits", inv)]
    return [_effect(Kind.GIT_WRITE, "objects", "git gc", inv)]


def prune(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    """`git prune` deletes unreachable objects: with `--expire=now` (or no reflog to save them) for good."""
    if has_flag(rest, "-n", "--dry-run"):
        return [_effect(Kind.READ, "objects", "git prune --dry-run", inv)]
    return [_effect(Kind.GIT_REWRITE, "objects", "git prune deletes unreachable commits", inv)]


def symbolic_ref(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(rest, "-d", "--delete"):
        return [_effect(Kind.GIT_DELETE, "ref", "git symbolic-ref -d deletes a symbolic ref (HEAD)", inv)]
    operands = [w for w in rest if not w.text.startswith("-")]
    if len(operands) >= 2:
        return [_effect(Kind.GIT_WRITE, "ref", "git symbolic-ref points a ref elsewhere", inv)]
    return [_effect(Kind.READ, "ref", "git symbolic-ref reads", inv)]


def update_ref(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(rest, "-d"):
        return [_effect(Kind.GIT_DELETE, "ref", "git update-ref -d deletes a ref", inv)]
    return [_effect(Kind.GIT_REWRITE, "ref", "git update-ref moves a ref", inv)]


def worktree(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if rest and rest[0].text == "remove" and has_flag(rest, "-f", "--force"):
        return [_effect(Kind.GIT_DISCARD, "worktree", "git worktree remove --force drops its changes", inv)]
    return [_effect(Kind.GIT_WRITE, "worktree", "git worktree", inv)]


def tag(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(rest, "-d", "--delete"):
        return [_effect(Kind.GIT_DELETE, "tag", "git tag -d deletes a tag", inv)]
    if not rest or has_flag(rest, "-l", "--list"):
        return [_effect(Kind.READ, "tags", "git tag lists", inv)]
    if has_flag(rest, "-f", "--force"):  # moves an existing tag: whoever fetched it sees it change
        return [_effect(Kind.GIT_DELETE, "tag", "git tag -f overwrites a tag", inv)]
    return [_effect(Kind.GIT_WRITE, "tag", "git tag", inv)]


def git_rm(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(rest, "--cached"):
        return [_effect(Kind.GIT_WRITE, "index", "git rm --cached untracks", inv)]
    recursive = has_flag(rest, "-r")
    operands = [w for w in rest if not w.text.startswith("-")]
    return [e for w in operands for e in ctx.file_effects(Kind.FILE_DELETE, w, inv, "git rm deletes",
                                                          recursive=recursive)]  # fmt: skip


def switch(rest: list[Word], inv: Invocation, ctx: Context) -> list[Effect]:
    # -c/-C take the new branch's name, attached or not: `-Cfixup` is the branch "fixup", not -C -f -i -x…
    flags = [w for w in rest if not (w.text[:2] in ("-c", "-C") and len(w.text) > 2)]
    if has_flag(flags, "--discard-changes", "-f", "--force"):
        return _losing(_effect(Kind.GIT_DISCARD, "working tree", "git switch --discard-changes", inv), inv, [])
    return [_effect(Kind.GIT_WRITE, "branch", "git switch", inv)]


_SUBCOMMANDS = {
    "reset": reset, "checkout": checkout, "restore": restore, "clean": clean, "stash": stash,
    "branch": branch, "push": push, "filter-branch": history_rewrite, "filter-repo": history_rewrite,
    "reflog": reflog, "gc": gc, "update-ref": update_ref, "worktree": worktree, "tag": tag, "rm": git_rm,
    "switch": switch, "replace": replace, "prune": prune, "symbolic-ref": symbolic_ref, "config": config,
    "clone": clone, "read-tree": read_tree,
}  # fmt: skip

HANDLERS: dict[str, Handler] = {"git": git}
