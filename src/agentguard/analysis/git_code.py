"""Code a git command runs that is stored in the repository: hooks, and the clean/smudge filters that
`.gitattributes` names. An agent can write `.git/hooks/pre-commit` or a filter and then run `git commit`;
the gate reads that code and judges it as a command line. A hook that is not a shell script, or a filter
whose command the gate cannot find, is unknown (asked).
"""

from __future__ import annotations

import os
import re

from agentguard.analysis.paths import read_small_text
from agentguard.analysis.types import Context, Invocation
from agentguard.models import Effect

HOOKS = {
    "commit": ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit"),
    "push": ("pre-push",),
    "checkout": ("post-checkout",),
    "switch": ("post-checkout",),
    "merge": ("pre-merge-commit", "post-merge"),
    "pull": ("post-merge",),
    "rebase": ("pre-rebase", "post-rewrite"),
    "am": ("applypatch-msg", "pre-applypatch", "post-applypatch"),
    "gc": ("pre-auto-gc",),
}
FILTERED = frozenset("add commit checkout switch reset stash restore status diff merge pull cherry-pick rebase "
                     "revert am apply read-tree checkout-index".split())  # fmt: skip
_FILTER_RE = re.compile(r"\bfilter=([\w.-]+)")


def stored_code(sub: str, inv: Invocation, ctx: Context) -> list[Effect]:
    """Effects of the hooks and filters `git SUB` would run in the repository at inv.cwd."""
    if inv.cwd is None or (sub not in HOOKS and sub not in FILTERED):
        return []
    found = _repository(inv.cwd)
    if found is None:
        return []
    from agentguard.analysis.tasks import stale

    top, git_dir = found
    config = read_small_text(os.path.join(git_dir, "config"), None) or ""
    hooks = [os.path.join(_hooks_dir(config, top, git_dir), h) for h in HOOKS.get(sub, ())]
    effects = stale(ctx, inv, [os.path.join(git_dir, "config"), os.path.join(top, ".gitattributes"), *hooks])
    for hook in HOOKS.get(sub, ()):
        effects += _hook(_hooks_dir(config, top, git_dir), hook, inv, ctx)
    if sub in FILTERED:
        effects += _filters(top, config, inv, ctx)
    return effects


def _repository(cwd: str) -> tuple[str, str] | None:
    """(work tree, git dir) of the repository holding cwd."""
    here = cwd
    while True:
        dot_git = os.path.join(here, ".git")
        if os.path.isdir(dot_git):
            return here, dot_git
        if os.path.isfile(dot_git):
            text = read_small_text(dot_git, None) or ""
            pointed = text.strip().removeprefix("gitdir:").strip()
            return (here, os.path.normpath(os.path.join(here, pointed))) if pointed else None
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def _hooks_dir(config: str, top: str, git_dir: str) -> str:
    match = re.search(r"^\s*hookspath\s*=\s*(.+?)\s*$", config, re.I | re.M)
    if match is None:
        return os.path.join(git_dir, "hooks")
    return os.path.normpath(os.path.join(top, os.path.expanduser(match.group(1).strip('"'))))


def _hook(directory: str, name: str, inv: Invocation, ctx: Context) -> list[Effect]:
    path = os.path.join(directory, name)
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        return []
    text = read_small_text(path, None)
    first = (text or "").split("\n", 1)[0]
    if text is None or (first.startswith("#!") and not re.search(r"\b(ba|da|k|z)?sh\b", first)):
        return [Effect.unknown(f"git runs the {name} hook, which the gate cannot read as shell", inv.source)]
    return ctx.shell(text, inv)


def _filters(top: str, config: str, inv: Invocation, ctx: Context) -> list[Effect]:
    attributes = read_small_text(os.path.join(top, ".gitattributes"), None) or ""
    effects: list[Effect] = []
    for name in sorted(set(_FILTER_RE.findall(attributes))):
        commands = _filter_commands(config, name)
        if commands is None:
            continue  # no such filter configured: git ignores the attribute
        for command in commands:
            effects += ctx.shell(command.replace("%f", "file"), inv)
    return effects


def _filter_commands(config: str, name: str) -> list[str] | None:
    section = re.search(rf'^\s*\[filter\s+"{re.escape(name)}"\]\s*$(.*?)(?=^\s*\[|\Z)', config, re.M | re.S)
    if section is None:
        return None
    found = re.findall(r"^\s*(?:clean|smudge|process)\s*=\s*(.+?)\s*$", section.group(1), re.M | re.I)
    return [c.strip('"') for c in found]
