"""What a git command that discards work would lose, read from the repository before it runs.

`git clean` is asked for its own dry run (same -d/-x/-X/-e and paths), so the list is exactly what it would
delete; `reset --hard`, `checkout -- PATHS`, `read-tree -u --reset` and `stash -u` lose the uncommitted
changes `git status` reports. Each such file becomes an effect on its path, so protected files among them
are judged as such, and every file holding uncommitted work is marked `uncommitted` so protect.py saves it
whatever the policy names: `agentguard restore` then brings back what `git reset --hard` threw away.

git runs read-only, with a time budget, and with the settings that make it run code (fsmonitor, hooks)
switched off: the agent may have written the repository's config. When git cannot answer within the
budget, what would be lost is unknown (asked), never assumed to be nothing.
"""

from __future__ import annotations

import os
import subprocess

from agentguard.analysis.types import Invocation, Word
from agentguard.models import Effect, Kind

BUDGET_SECONDS = 2.0
MAX_FILES = 5000
_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
         "--no-optional-locks")  # fmt: skip


class Unanswered(Exception):
    """git did not say in time what the command would lose."""


def _git(cwd: str, *args: str) -> str | None:
    """git's output, or None when this is not a repository (or git fails): then nothing can be lost to it."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    try:
        done = subprocess.run(["git", *_SAFE, *args], cwd=cwd, capture_output=True, timeout=BUDGET_SECONDS,
                              env=env, stdin=subprocess.DEVNULL)  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise Unanswered(f"git did not list what would be lost within {BUDGET_SECONDS:g} s") from exc
    except OSError:
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


def clean_list(cwd: str, rest: list[Word]) -> list[str]:
    """Absolute paths `git clean` with these options would delete (directories end with `/`)."""
    args = ["clean", "--dry-run"]
    paths: list[str] = []
    i, after_dashes = 0, False
    while i < len(rest):
        text = rest[i].text
        if after_dashes or not text.startswith("-"):
            paths.append(text)
        elif text == "--":
            after_dashes = True
        elif text in ("-e", "--exclude") and i + 1 < len(rest):
            args += ["-e", rest[i + 1].text]
            i += 1
        elif text.startswith("--exclude="):
            args.append(text)
        elif not text.startswith("--"):
            args += [f"-{c}" for c in text[1:] if c in "dxX"]
        i += 1
    out = _git(cwd, *args, "--", *paths)
    prefix = "Would remove "
    lines = [line[len(prefix) :] for line in (out or "").splitlines() if line.startswith(prefix)]
    return [os.path.join(cwd, line) for line in lines[:MAX_FILES]]


def uncommitted(cwd: str, pathspecs: list[str], *, untracked: bool = False, ignored: bool = False) -> list[str]:
    """Absolute paths of existing files with uncommitted changes under `pathspecs` (all when empty); with
    `untracked` (and `ignored`) the untracked (and ignored) files too."""
    top = _git(cwd, "rev-parse", "--show-toplevel")
    if not top:
        return []
    flags = ["--untracked-files=all" if untracked else "--untracked-files=no"]
    flags += ["--ignored=matching"] if ignored else []
    out = _git(cwd, "status", "--porcelain=v1", "-z", *flags, "--", *pathspecs) or ""
    fields = out.split("\0")
    found: list[str] = []
    i = 0
    while i < len(fields):
        entry = fields[i]
        i += 1
        if len(entry) < 4:
            continue
        if entry[0] in "RC":
            i += 1  # the rename's source follows; its content is in HEAD
        path = os.path.join(top.strip(), entry[3:])
        if os.path.isfile(path) or os.path.islink(path):
            found.append(path)
    return found[:MAX_FILES]


def lost_effects(files: list[str], detail: str, inv: Invocation) -> list[Effect]:
    """One effect per file holding uncommitted work: overwritten (its last content is lost), to be saved."""
    return [Effect.make(Kind.FILE_OVERWRITE, _shown(p, inv.cwd), detail, source=inv.source, path=p,
                        real_path=os.path.realpath(p), exists=True, context={"uncommitted": "git"})
            for p in files]  # fmt: skip


def cleaned_effects(files: list[str], inv: Invocation) -> list[Effect]:
    """One delete per untracked file or directory `git clean` removes."""
    out = []
    for p in files:
        path = p.rstrip("/")
        tree = p.endswith("/")
        out.append(Effect.make(Kind.FILE_DELETE, _shown(path, inv.cwd), "git clean deletes untracked",
                               source=inv.source, path=path, real_path=os.path.realpath(path), recursive=tree,
                               is_dir=tree, exists=True))  # fmt: skip
    return out


def unanswered(exc: Unanswered, inv: Invocation) -> list[Effect]:
    return [Effect.unknown(f"{exc}: it may discard protected data or uncommitted work", inv.source)]


def _shown(path: str, cwd: str | None) -> str:
    return os.path.relpath(path, cwd) if cwd and path.startswith(cwd.rstrip("/") + "/") else path
