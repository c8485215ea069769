"""The exact tree a receipt or a review is about, named by a git tree id.

The working tree is hashed through a throwaway index (`git add -A` into a temp index file, then `write-tree`),
so uncommitted and untracked files count, .gitignore'd ones do not, and the user's own index is never touched.
A project that is not a git repository is hashed by walking its files (sha256 over paths and contents).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile

from agentguard.errors import AgentGuardError

WALK_SKIP = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache",
                       ".ruff_cache", ".tox", ".agentguard"})  # fmt: skip


class TreeError(AgentGuardError):
    pass


def git(root: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run git in `root`; its stdout, or TreeError naming the command and git's own words."""
    try:
        done = subprocess.run(["git", "-C", root, *args], capture_output=True, env=env, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TreeError(f"git {' '.join(args)} could not run: {exc}") from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise TreeError(f"git {' '.join(args)} failed: {why}")
    return done.stdout.decode("utf-8", "replace")


def git_bytes(root: str, *args: str) -> bytes:
    try:
        done = subprocess.run(["git", "-C", root, *args], capture_output=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TreeError(f"git {' '.join(args)} could not run: {exc}") from None
    if done.returncode != 0:
        raise TreeError(f"git {' '.join(args)} failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    return done.stdout


def is_git(root: str) -> bool:
    try:
        return git(root, "rev-parse", "--show-toplevel").strip() != ""
    except TreeError:
        return False


def working_tree(root: str) -> str:
    """`git:<tree id>` of the working tree as it is now, or `files:<sha256>` outside git."""
    if not is_git(root):
        return "files:" + walk_digest(root)
    return "git:" + working_tree_id(root)


def working_tree_id(root: str) -> str:
    git_dir = git(root, "rev-parse", "--absolute-git-dir").strip()
    with tempfile.TemporaryDirectory(prefix="agentguard-tree-") as scratch:
        index = os.path.join(scratch, "index")
        current = os.path.join(git_dir, "index")
        if os.path.exists(current):
            # A warm start: files whose stat data matches are not hashed again. copy2 keeps the index's mtime,
            # which git's racy-clean check needs: a fresh mtime would make a file changed in the same second
            # (same size) look unchanged, and a receipt would name the old tree.
            shutil.copy2(current, index)
        env = dict(os.environ, GIT_INDEX_FILE=index)
        git(root, "add", "-A", "--", ".", env=env)
        return git(root, "write-tree", env=env).strip()


def merge_result(root: str, other: str) -> str:
    """The tree `git merge other` would make (git merge-tree, nothing touched). With conflicts git still names
    a tree (with conflict markers): the size of the change is what matters here."""
    try:
        done = subprocess.run(["git", "-C", root, "merge-tree", "--write-tree", "HEAD", other], capture_output=True,
                              check=False, timeout=120)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TreeError(f"git merge-tree could not run: {exc}") from None
    first = done.stdout.decode("utf-8", "replace").split("\n", 1)[0].strip()
    if done.returncode not in (0, 1) or len(first) not in (40, 64):
        raise TreeError(
            f"cannot tell what merging {other} would make: {done.stderr.decode('utf-8', 'replace').strip()}"
        )
    return first


def commit_tree(root: str, rev: str) -> str:
    return git(root, "rev-parse", "--verify", "-q", f"{rev}^{{tree}}").strip()


def empty_tree(root: str) -> str:
    return git(root, "hash-object", "-t", "tree", "/dev/null").strip()


def has_tree(root: str, tree: str) -> bool:
    try:
        return git(root, "cat-file", "-t", tree).strip() == "tree"
    except TreeError:
        return False


def walk_digest(root: str) -> str:
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in WALK_SKIP)
        for name in sorted(files):
            path = os.path.join(folder, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            digest.update(os.path.relpath(path, root).encode() + b"\0")
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())
    return digest.hexdigest()
