"""Git's pre-commit and pre-push hooks, so the review gate holds outside the agent too (a human's terminal, an
IDE, a script). Installed by `agentguard init`; an existing hook that is not agentguard's is left alone and named.

A hook that cannot run agentguard fails (git stops the commit or push): the hook line is `exec`, and a missing
command exits 127. A human may still skip it with `git commit --no-verify` / `git push --no-verify`.
"""

from __future__ import annotations

import os
import shlex
import sys

from agentguard.receipts.tree import git

HOOKS = ("pre-commit", "pre-push")
MARK = "# agentguard review gate"


def hook_script(kind: str) -> str:
    script = os.path.join(os.path.dirname(sys.executable), "agentguard")
    command = shlex.quote(script) if os.path.exists(script) else f"{shlex.quote(sys.executable)} -m agentguard"
    return (f"#!/bin/sh\n{MARK} (installed by `agentguard init`): a large or protected change needs a human's\n"
            f"# approval (`agentguard review status`). Remove this file to turn it off.\n"
            f"exec {command} review hook {kind}\n")  # fmt: skip


def hooks_folder(root: str) -> str:
    """Where git looks for hooks (core.hooksPath respected)."""
    folder = git(root, "rev-parse", "--git-path", "hooks").strip()
    return folder if os.path.isabs(folder) else os.path.join(root, folder)


def installed(root: str) -> dict[str, bool]:
    """For each hook, whether agentguard's is the one git runs."""
    found = {}
    for kind in HOOKS:
        try:
            with open(os.path.join(hooks_folder(root), kind), encoding="utf-8", errors="replace") as handle:
                found[kind] = MARK in handle.read()
        except OSError:
            found[kind] = False
    return found


def install_git_hooks(root: str) -> list[str]:
    """What was done for each hook, in words."""
    folder = hooks_folder(root)
    os.makedirs(folder, exist_ok=True)
    done = []
    for kind in HOOKS:
        path = os.path.join(folder, kind)
        wanted = hook_script(kind)
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                current = handle.read()
            if MARK not in current:
                done.append(f"{kind}: {path} exists and is not agentguard's; add `agentguard review hook {kind}` "
                            "to it")  # fmt: skip
                continue
            if current == wanted:
                done.append(f"{kind}: already in place")
                continue
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(wanted)
        os.chmod(path, 0o755)
        done.append(f"{kind}: installed {path}")
    return done


def trees_to_check(root: str, kind: str, stdin_text: str) -> list[tuple[str, str]]:
    """(what, tree id) for each thing the hook must judge: the index for a commit, each pushed commit's tree."""
    if kind == "pre-commit":
        return [("commit", git(root, "write-tree").strip())]
    found = []
    for line in stdin_text.splitlines():
        parts = line.split()
        if len(parts) != 4 or set(parts[1]) == {"0"}:  # a branch deletion ships no code
            continue
        found.append((f"push of {parts[0]}", git(root, "rev-parse", f"{parts[1]}^{{tree}}").strip()))
    return found
