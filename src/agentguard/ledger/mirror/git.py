"""A mirror in a git repository: a commit per checkpoint, made with git's plumbing commands."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping

from agentguard.ledger.mirror.base import CHECKPOINTS, LATEST, MirrorError, _admit, _check, _file_name, _locked, _newest


class GitMirror:
    """A commit per checkpoint in a local repository (bare or not), made with git's plumbing commands.

    Plumbing builds the commit from a private index, so the user's own staged changes are never swept in, and
    a bare repository works the same way. A missing or empty path is initialised (bare when it ends in .git).
    """

    def __init__(self, repo_path: str, *, git: str = "git", timeout: float = 30.0) -> None:
        self.path = os.path.abspath(repo_path)
        self.name = f"git:{self.path}"
        self._exe = git
        self._timeout = timeout

    def publish(self, note: str, size: int) -> None:
        _check(note, size, self.name)
        git_dir, work_tree = self._open()
        # The lock serialises writers on this host; the compare-and-swap in _commit covers the others (a shared
        # mount without working locks, a person committing by hand): when HEAD moved, look again.
        with _locked(os.path.join(git_dir, "agentguard.lock")):
            for _ in range(10):
                head = self._head(git_dir)
                names = self._names(git_dir) if head else []
                held = self._show(git_dir, _file_name(size)) if _file_name(size) in names else None
                if not _admit(self.name, size, note, held, _newest(names)) or self._commit(git_dir, head, note, size):
                    break
            else:
                raise MirrorError(f"{self.name}: HEAD kept moving under other writers; checkpoint {size} not stored")
            if work_tree is not None:
                # The commit is the mirror; the work tree is a copy for people, refreshed by the next publish.
                with contextlib.suppress(MirrorError):
                    self._run(git_dir, f"--work-tree={work_tree}", "checkout", "HEAD", "--", CHECKPOINTS, LATEST)

    def _commit(self, git_dir: str, head: str, note: str, size: int) -> bool:
        """Commit `note` on top of `head`; False when HEAD moved meanwhile (nothing is lost: try again)."""
        blob = self._run(git_dir, "hash-object", "-w", "--stdin", data=note)
        pointer = self._run(git_dir, "hash-object", "-w", "--stdin", data=_file_name(size) + "\n")
        with tempfile.TemporaryDirectory(prefix="agentguard-git-") as scratch:
            index = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
            self._run(git_dir, "read-tree", *([head] if head else ["--empty"]), env=index)
            for sha, path in ((blob, _file_name(size)), (pointer, LATEST)):
                self._run(git_dir, "update-index", "--add", "--cacheinfo", f"100644,{sha},{path}", env=index)
            tree = self._run(git_dir, "write-tree", env=index)
        message = f"checkpoint {size}\n\n{note.partition(chr(10))[0]} tree size {size}\n"
        commit = self._run(git_dir, "commit-tree", tree, *(["-p", head] if head else []), "-m", message)
        # Compare-and-swap on HEAD's branch: a concurrent writer makes this fail instead of losing a commit.
        try:
            self._run(git_dir, "update-ref", "-m", f"checkpoint {size}", "HEAD", commit, head or "0" * 40)
        except MirrorError:
            if self._head(git_dir) == head:
                raise
            return False
        return True

    def latest(self) -> str | None:
        git_dir, _ = self._open()
        if not self._head(git_dir):
            return None
        size = _newest(self._names(git_dir))
        if size is None:
            return None
        note = self._show(git_dir, _file_name(size))
        _check(note, size, self.name)
        return note

    def _open(self) -> tuple[str, str | None]:
        """(git dir, work tree or None), initialising the repository when the path is missing or empty."""
        found = self._find()
        if found is not None:
            return found
        if not os.path.exists(self.path) or (os.path.isdir(self.path) and not os.listdir(self.path)):
            return self._init()
        found = self._find()  # a parallel writer may have renamed its new repository into place just now
        if found is None:
            raise MirrorError(f"{self.name}: exists but is not the top of a git repository")
        return found

    def _find(self) -> tuple[str, str | None] | None:
        dot_git = os.path.join(self.path, ".git")
        if os.path.exists(dot_git):
            return dot_git, self.path
        if os.path.isfile(os.path.join(self.path, "HEAD")) and os.path.isdir(os.path.join(self.path, "objects")):
            return self.path, None
        return None

    def _init(self) -> tuple[str, str | None]:
        """Build the repository aside, then rename it into place: a parallel writer never sees half of one."""
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            scratch = tempfile.mkdtemp(dir=os.path.dirname(self.path), prefix=".agentguard-init-")
        except OSError as exc:
            raise MirrorError(f"{self.name}: cannot create the repository: {exc}") from None
        try:
            self._run(None, "init", "-q", *(["--bare"] if self.path.endswith(".git") else []), scratch)
            os.rename(scratch, self.path)  # replaces an empty folder; fails if another writer got there first
        except OSError as exc:
            if self._find() is None:
                raise MirrorError(f"{self.name}: cannot create the repository: {exc}") from None
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        found = self._find()
        if found is None:
            raise MirrorError(f"{self.name}: git init did not leave a repository there")
        return found

    def _head(self, git_dir: str) -> str:
        """HEAD's commit, or "" in a repository with no commit yet."""
        try:
            return self._run(git_dir, "rev-parse", "-q", "--verify", "HEAD^{commit}")
        except MirrorError:
            return ""

    def _names(self, git_dir: str) -> list[str]:
        return self._run(git_dir, "ls-tree", "--name-only", "HEAD", f"{CHECKPOINTS}/").splitlines()

    def _show(self, git_dir: str, path: str) -> str:
        return self._run(git_dir, "cat-file", "blob", f"HEAD:{path}", strip=False)

    def _run(self, git_dir: str | None, *args: str, data: str | None = None, env: Mapping[str, str] | None = None,
             strip: bool = True) -> str:  # fmt: skip
        command = [self._exe, *([f"--git-dir={git_dir}"] if git_dir else []), *args]
        try:
            done = subprocess.run(command, input=data, capture_output=True, text=True, check=False,
                                  env={**_git_env(), **(env or {})}, timeout=self._timeout)  # fmt: skip
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            raise MirrorError(f"{self.name}: git {args[0]}: {exc}") from None
        if done.returncode != 0:
            raise MirrorError(f"{self.name}: git {args[0]} failed: {done.stderr.strip()[:500]}")
        return done.stdout.strip() if strip else done.stdout


def _git_env() -> dict[str, str]:
    # The caller's GIT_DIR / GIT_INDEX_FILE (say, from inside a git hook) must not redirect the mirror.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    ident = {"GIT_AUTHOR_NAME": "agentguard", "GIT_AUTHOR_EMAIL": "agentguard@localhost"}
    ident |= {"GIT_COMMITTER_NAME": "agentguard", "GIT_COMMITTER_EMAIL": "agentguard@localhost"}
    return env | ident | {"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
