"""Effects + policy + mode → Decision. Pure: no I/O, no clock."""

from __future__ import annotations

from collections import defaultdict

from agentguard.models import Decision, Effect, Kind, RuleMatch, Verdict
from agentguard.policy import globs
from agentguard.policy.model import Policy

FREEZE_ALLOWED = frozenset({Kind.READ, Kind.EXEC_TEST})
FREEZE_ASKED = frozenset({Kind.EXEC_PROGRAM, Kind.UNKNOWN})


def evaluate(policy: Policy, effects: tuple[Effect, ...], *, mode: str = "normal") -> Decision:
    matches: list[RuleMatch] = []
    for index, effect in enumerate(effects):
        matches.extend(_judge(policy, effect, index))
        mode_match = _mode_match(policy, effect, index, mode)
        if mode_match is not None:
            matches.append(mode_match)
    verdict = max((m.verdict for m in matches), default=Verdict.ALLOW)
    reasons = _reasons(effects, matches, verdict)
    if mode == "shadow":
        return Decision(Verdict.ALLOW, reasons, effects, tuple(matches), mode=mode, would_be=verdict)
    return Decision(verdict, reasons, effects, tuple(matches), mode=mode)


def _judge(policy: Policy, effect: Effect, index: int) -> list[RuleMatch]:
    rules = [r for r in policy.rules if r.applies_to(effect)]
    found = [RuleMatch(r.id, r.verdict, r.reason, index) for r in rules]
    if not found:
        verdict, key = policy.default_for(effect.kind)
        found = [RuleMatch(f"default:{key}", verdict, _default_reason(effect, verdict), index)]
    if effect.kind.production_guarded:
        marker = policy.production_marker(effect)
        if marker is not None:
            lenient = rules and all(r.production == Verdict.ASK for r in rules)
            verdict = Verdict.ASK if lenient else Verdict.DENY
            found.append(RuleMatch("production", verdict, f"production resource ({marker})", index))
    return found


def _default_reason(effect: Effect, verdict: Verdict) -> str:
    if effect.kind == Kind.UNKNOWN:
        return "cannot tell what this does"
    if verdict == Verdict.ALLOW:
        return "ordinary work"
    specific = {
        "exec.mutate": "a program agentguard does not model, named with a destroying verb",
        "network.send": "sends data to another host",
        "network.exfiltrate": "sends a secret to another host",
        "network.shell": "hands a shell to a network peer",
    }.get(effect.kind.value)
    if specific is not None:
        return specific
    return {
        "secret": "reads credentials",
        "git": "loses work or rewrites history",
        "db": "destroys data",
        "system": "catastrophic for the machine",
        "guard": "changes agentguard itself (only a human may)",
        "exec": "runs code fetched or decoded at run time",
    }.get(effect.kind.value.split(".", 1)[0], "destroys a resource")


def _mode_match(policy: Policy, effect: Effect, index: int, mode: str) -> RuleMatch | None:
    if mode == "freeze":
        if effect.kind in FREEZE_ALLOWED:
            return None
        verdict = Verdict.ASK if effect.kind in FREEZE_ASKED else Verdict.DENY
        return RuleMatch("mode:freeze", verdict, "code freeze: reads and tests only", index)
    if mode == "plan":
        if effect.kind == Kind.READ or _is_plan_file(policy, effect):
            return None
        return RuleMatch("mode:plan", Verdict.DENY, "plan mode: read-only, except the plan file", index)
    return None


def _is_plan_file(policy: Policy, effect: Effect) -> bool:
    return (
        effect.kind in (Kind.FILE_WRITE, Kind.FILE_OVERWRITE)
        and effect.path is not None
        and globs.matches(effect.path, policy.plan_files)
    )


def _reasons(effects: tuple[Effect, ...], matches: list[RuleMatch], verdict: Verdict) -> tuple[str, ...]:
    """One line per (rule, what it does), naming the targets: "deletes 1 file (protected data): memory.db"."""
    if verdict == Verdict.ALLOW:
        kinds = sorted({e.kind.value for e in effects})
        return (f"allowed: {', '.join(kinds) if kinds else 'no effect'}",)
    grouped: dict[tuple[str, str, str], list[Effect]] = defaultdict(list)
    for match in matches:
        if match.verdict == verdict:
            effect = effects[match.effect_index]
            grouped[(match.rule, match.reason, effect.detail)].append(effect)
    lines = []
    for (rule, reason, detail), group in grouped.items():
        lines.append(f"{_what(detail, group)} ({reason}) [{rule}]")
    return tuple(dict.fromkeys(lines))


def _what(detail: str, group: list[Effect]) -> str:
    """File effects read "deletes 2 files: a.db, b.db"; others name their target after a colon, unless the
    detail already names it ("drops table users" needs no ": table users")."""
    described = _describe(group)
    if not described or described in detail:
        return detail
    if group[0].kind != Kind.UNKNOWN and all(e.path is not None and e.kind.value.startswith("file.") for e in group):
        return f"{detail} {described}"
    return f"{detail}: {described}"


def _describe(effects: list[Effect]) -> str:
    unique = list({(e.target, e.path): e for e in effects}.values())
    if unique[0].kind == Kind.UNKNOWN:
        return "" if len(unique) == 1 else f"({len(unique)} unknowns)"
    files = [e for e in unique if e.path is not None and e.kind.value.startswith("file.")]
    if not files:
        return ", ".join(e.target for e in unique[:3]) + (f" and {len(unique) - 3} more" if len(unique) > 3 else "")
    dirs = sum(1 for e in files if e.is_dir)
    noun = "directory" if dirs == len(files) == 1 else ("directories" if dirs == len(files) else "file")
    count = f"{len(files)} {noun if len(files) == 1 or noun != 'file' else 'files'}"
    shown = ", ".join(_name(e) for e in files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    return f"{count}: {shown}"


def _name(effect: Effect) -> str:
    if effect.size is not None:
        return f"{effect.target} ({human_size(effect.size)})"
    if effect.pattern:
        return f"{effect.target} (pattern, nothing matches now)"
    return effect.target


def human_size(size: int) -> str:
    """1234567 → '1.2 MB': sizes in reasons people read."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"
