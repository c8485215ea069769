"""Which actions ship a change: a git push, a git merge, or a command the policy names in [review] deploy.

Cheap on purpose (the hook runs it on every call): only effects already parsed and fnmatch over command text.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from agentguard.models import Action, Effect, Kind

GIT_SHIPPING = ("git push", "git merge")
# Merges done by a forge's CLI: what they merge lives on the forge, not in this checkout.
FORGE_MERGES = ("gh pr merge*", "glab mr merge*", "tea pulls merge*", "hub merge*")
FORGE = "forge merge"
ALL_BRANCHES = "--all"  # what pushed_refs says for `git push --all` (and --branches, --mirror)


def shipping(action: Action, effects: tuple[Effect, ...], deploy: tuple[str, ...]) -> str | None:
    """What this action ships by, in words (`git push`, `deploy command ./deploy.sh prod`), or None."""
    for effect in effects:
        if effect.kind in (Kind.GIT_WRITE, Kind.GIT_REWRITE) and effect.detail.startswith(GIT_SHIPPING):
            return " ".join(effect.detail.split()[:2])
    for text in _commands(action, effects):
        if any(fnmatchcase(text, pattern) for pattern in FORGE_MERGES):
            return f"{FORGE} {text}"
        if any(fnmatchcase(text, pattern) for pattern in deploy):
            return f"deploy command {text}"
    return None


def merged_ref(action: Action, effects: tuple[Effect, ...]) -> str | None:
    """For `git merge X`: X (the last operand), so the gate can measure what the merge would bring in."""
    import shlex

    for effect in effects:
        if effect.kind in (Kind.GIT_WRITE, Kind.GIT_REWRITE) and effect.detail.startswith("git merge"):
            try:
                words = shlex.split(effect.source)
            except ValueError:
                return None
            if "merge" not in words:
                return None
            operands = [w for w in words[words.index("merge") + 1 :] if not w.startswith("-")]
            return operands[-1] if operands else None
    return None


def pushed_refs(effects: tuple[Effect, ...]) -> list[str] | None:
    """For `git push [remote] [src[:dst]]…`: the sources it sends ([] when it names none: the current branch);
    None when the action is not a push."""
    import shlex

    for effect in effects:
        if effect.kind in (Kind.GIT_WRITE, Kind.GIT_REWRITE) and effect.detail.startswith("git push"):
            try:
                words = shlex.split(effect.source)
            except ValueError:
                return []
            if "push" not in words:
                return []
            rest = words[words.index("push") + 1 :]
            if any(w in ("--all", "--branches", "--mirror") for w in rest):
                return [ALL_BRANCHES]
            operands = [w for w in rest if not w.startswith("-")]
            sources = [spec.lstrip("+").split(":", 1)[0] for spec in operands[1:]]
            return [s for s in sources if s]  # `:branch` deletes; it ships no code
    return None


def _commands(action: Action, effects: tuple[Effect, ...]) -> list[str]:
    """Each simple command's text as parsed (the effects' sources), and the whole command line."""
    texts = [" ".join(e.source.split()) for e in effects if e.source]
    if action.command:
        texts.append(" ".join(action.command.split()))
    return list(dict.fromkeys(t for t in texts if t))
