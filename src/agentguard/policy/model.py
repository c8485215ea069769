"""The typed policy: rules over effects, defaults per kind, named path sets, production markers.

Rules talk about effects and resources, never about raw command strings. A rule matches an effect when every
condition it states holds; the strictest verdict among the matching rules wins, and the per-kind default
applies only where no rule matches.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NamedTuple

from agentguard.models import Effect, Kind, Verdict
from agentguard.policy import globs

EXEMPTING_SETS = frozenset({"artifacts", "temp"})  # sets that loosen rules: a project layer may not extend them


class Rule(NamedTuple):
    """One policy rule: conditions on an effect, and the verdict when all of them hold.

    Rule and Policy are NamedTuples, not dataclasses: as frozen and typed, but a dataclass costs every hook
    process ~0.6 ms to create, a NamedTuple ~0.15 ms."""

    id: str
    verdict: Verdict
    reason: str
    kinds: tuple[str, ...] = ()
    not_kinds: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()  # already expanded: placeholders substituted, @sets inlined
    not_paths: tuple[str, ...] = ()
    scratch_paths: tuple[str, ...] = ()  # exclusions from @temp: they never reach into the project
    project_paths: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    not_targets: tuple[str, ...] = ()
    context: tuple[tuple[str, tuple[str, ...]], ...] = ()
    not_context: tuple[tuple[str, tuple[str, ...]], ...] = ()
    recursive: bool | None = None
    holds: tuple[str, ...] = ()  # matches a folder that holds one of these (a strict ancestor of its fixed part)
    production: Verdict = Verdict.DENY  # what a destructive match on a production resource becomes
    match: tuple[str, ...] = ()
    not_match: tuple[str, ...] = ()
    origin: str = "<built-in>"  # file:line where the rule is defined

    def applies_to(self, effect: Effect) -> bool:
        kind = effect.kind.value
        if self.kinds and not any(globs.name_matches(kind, k) for k in self.kinds):
            return False
        if self.not_kinds and any(globs.name_matches(kind, k) for k in self.not_kinds):
            return False
        if self.recursive is not None and effect.recursive != self.recursive:
            return False
        if self.holds and not self._holds(effect):
            return False
        return self._paths_match(effect) and self._targets_match(effect) and self._context_match(effect)

    def _holds(self, effect: Effect) -> bool:
        """`rm -rf ~/.local`, `mv ~/.config x`: the folder holds a path of `holds` (its part before the first
        wildcard), so what is done to the folder is done to that path too."""
        folders = [os.path.normpath(p).rstrip("/") + "/" for p in (effect.path, effect.real_path) if p]
        fixed = [globs.fixed_prefix(pattern) for pattern in self.holds]
        return any(f.startswith(folder) for f in fixed if f for folder in folders)

    def _paths_match(self, effect: Effect) -> bool:
        if not self.paths and not self.not_paths and not self.scratch_paths:
            return True
        candidates = [p for p in (effect.path, effect.real_path) if p]
        if not candidates:
            return False
        if self.paths and not any(globs.matches(c, self.paths) for c in candidates):
            return False
        # Exclusions must hold for the path as written AND behind links: a link in /tmp to ~/data is not temp.
        return not ((self.not_paths or self.scratch_paths) and all(self._exempt(c) for c in candidates))

    def _exempt(self, path: str) -> bool:
        if globs.matches_in(path, self.not_paths, self.project_paths[0] if self.project_paths else ""):
            return True
        return globs.matches(path, self.scratch_paths) and not globs.matches(path, self.project_paths)

    def _targets_match(self, effect: Effect) -> bool:
        if self.targets and not any(globs.name_matches(effect.target, t) for t in self.targets):
            return False
        return not (self.not_targets and any(globs.name_matches(effect.target, t) for t in self.not_targets))

    def _context_match(self, effect: Effect) -> bool:
        for key, patterns in self.context:
            value = effect.ctx(key)
            if value is None or not any(globs.name_matches(value, p) for p in patterns):
                return False
        for key, patterns in self.not_context:
            value = effect.ctx(key)
            if value is not None and any(globs.name_matches(value, p) for p in patterns):
                return False
        return True


class Policy(NamedTuple):
    """A merged, validated policy. Build it with `agentguard.policy.loader.load_policy`."""

    rules: tuple[Rule, ...]
    defaults: Mapping[str, Verdict]
    unknown: Verdict
    plan_files: tuple[str, ...]
    protected_branches: tuple[str, ...]
    production: Mapping[str, tuple[str, ...]]
    sources: tuple[str, ...] = ()
    digest: str = ""
    warnings: tuple[str, ...] = ()
    snapshot_paths: tuple[str, ...] = ()  # what is saved before an allowed destructive action (settings.snapshot)
    snapshot_max_bytes: int = 4096 * 1024 * 1024
    snapshot_skip: tuple[str, ...] = ()  # trees not looked into for protected files (settings.snapshot_skip)
    snapshot_postgres: tuple[str, ...] = ()  # DSNs dumped before destructive SQL (settings.snapshot_postgres)
    estimate_postgres: tuple[str, ...] = ()  # read-only DSNs asked for planner estimates (settings.estimate_postgres)
    project_root: str = ""  # the project this policy was loaded for ($PROJECT)
    # [receipts]: the project's own checks, run when the agent says it is done (agentguard.receipts).
    receipt_checks: tuple[str, ...] = ()
    receipt_timeout: int = 600  # seconds for all the checks of one stop together
    receipt_max_blocks: int = 5  # consecutive blocked stops of one session before it may stop (and is told)
    # [review]: what makes a change need a human before it ships (agentguard.review).
    review_max_lines: int = 300
    review_protected: tuple[str, ...] = ()  # globs relative to the project root
    review_deploy: tuple[str, ...] = ()  # command globs that ship: `./deploy.sh *`, `kubectl apply *`
    review_trust_upstream: bool = False  # the upstream's merge-base counts as reviewed (user config only)

    def default_for(self, kind: Kind) -> tuple[Verdict, str]:
        """The most specific default for `kind`: `db.drop` before `db.*` before `*`."""
        value = kind.value
        if value in self.defaults:
            return self.defaults[value], value
        family = value.split(".", 1)[0] + ".*"
        if family in self.defaults:
            return self.defaults[family], family
        return self.unknown, "settings.unknown"

    def production_marker(self, effect: Effect) -> str | None:
        """`key=value` of the context entry that marks the effect's resource as production, if any."""
        for key, value in effect.context:
            patterns = self.production.get(key, ())
            if any(globs.name_matches(value.lower(), p.lower()) for p in patterns):
                return f"{key}={value}"
        return None
