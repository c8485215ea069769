"""Notifications to a human through apprise, to the `[alerts] urls` of the user's config (the same targets as
ledger break alerts: one place says where a human is reached).

Sent from a detached process (`python -m agentguard.notify TITLE BODY`): the hook never waits on SMTP or HTTP,
and never imports apprise. Each message says what happened and how to act: the command, and the dashboard's
link when `[alerts] dashboard` names it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any

from agentguard.models import Action, Decision, Verdict

if TYPE_CHECKING:
    from agentguard.approvals.model import Approval
    from agentguard.ledger.alerts import AlertResult
    from agentguard.ledger.config import AlertSettings
    from agentguard.state import Places

MAX_ARG = 8000  # a body longer than this is cut (argv limits; a notification is a pointer, not the record)


def spawn(places: Places, title: str, body: str) -> None:
    """Send in the background when any URL is configured; never raises (the decision does not depend on it)."""
    try:
        if not _settings(places).urls:
            return
        import subprocess  # only when there is someone to tell: subprocess loads threading

        subprocess.Popen(  # our own interpreter and module, fixed arguments
            [sys.executable, "-m", "agentguard.notify", title[:MAX_ARG], body[:MAX_ARG]],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True,
            start_new_session=True, cwd=places.state if os.path.isdir(places.state) else "/",
        )  # fmt: skip
    except Exception:
        return


def send(places: Places, title: str, body: str) -> AlertResult | None:
    """Send now, to every configured URL; None when none is configured."""
    from agentguard.ledger.alerts import Alerter

    settings = _settings(places)
    if not settings.urls:
        return None
    return Alerter.from_settings(settings).send(title, body)


def dashboard_link(places: Places, path: str) -> str:
    base = _settings(places).dashboard.rstrip("/")
    return f"{base}/{path.lstrip('/')}" if base else ""


def approval_message(places: Places, approval: Approval) -> tuple[str, str]:
    title = f"agentguard: approval {approval.id} waiting for you"
    lines = [
        f"An agent asked to run: {approval.action}",
        f"in {approval.cwd} (session {approval.session or '-'})",
        *(f"- {reason}" for reason in approval.reasons),
    ]
    if approval.agent_reason:
        lines.append(f"The agent says: {approval.agent_reason}")
    if approval.snapshot:
        lines.append(f"Snapshot taken: {approval.snapshot}")
    lines += [
        "",
        "Answer from your own terminal (the agent cannot):",
        f"  agentguard approvals approve {approval.id}",
        f"  agentguard approvals deny {approval.id}",
    ]
    link = dashboard_link(places, f"approvals/{approval.id}")
    if link:
        lines.append(f"Or open {link}")
    return title, "\n".join(lines)


def tell_review(places: Places, action: Action, reason: str) -> None:
    """A change waiting for review: told once per diff (the agent may retry the push many times)."""
    import hashlib

    marker = os.path.join(places.state, "notified", "review-" + hashlib.sha256(reason.encode()).hexdigest()[:24])
    if os.path.exists(marker) or not _settings(places).urls:
        return
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        with open(marker, "x"):
            pass
    lines = [f"An agent wants to ship from {action.cwd}: {action.describe()}", reason, ""]
    link = dashboard_link(places, "review")
    lines.append(f"Review it: {link}" if link else "Review it from your own terminal: agentguard review status")
    spawn(places, "agentguard: a change waits for your review", "\n".join(lines))


# Denials a human wants to hear about even when nobody is watching: a code freeze, a production resource.
ALERTING_RULES = frozenset({"mode:freeze", "production"})


def tell_denial(places: Places, action: Action, decision: Decision) -> None:
    """A denial in freeze or production: told in the background (the hook does not wait). Never raises: the
    denial stands and is recorded whatever becomes of its notification."""
    try:
        _tell_denial(places, action, decision)
    except Exception:
        return


def _tell_denial(places: Places, action: Action, decision: Decision) -> None:
    rules = sorted({m.rule for m in decision.matches if m.rule in ALERTING_RULES})
    if decision.verdict != Verdict.DENY or not rules:
        return
    title = f"agentguard: denied in {' and '.join('freeze' if r == 'mode:freeze' else r for r in rules)}"
    lines = [f"agentguard denied: {action.describe()}", f"in {action.cwd} (session {action.session_id or '-'})"]
    lines += [f"- {reason}" for reason in decision.reasons]
    lines += ["", "Nothing ran. The decision is in the ledger: agentguard ledger list --kind decision"]
    link = dashboard_link(places, "")
    if link:
        lines.append(f"Live feed: {link}")
    spawn(places, title, "\n".join(lines))


def tell_restore(places: Places, snapshot_id: str, by: str, how: str, report: dict[str, Any]) -> None:
    changed = [c for c in report.get("changes", []) if c.get("action") != "unchanged"]
    safety = report.get("safety_snapshot")
    lines = [f"{by} restored snapshot {snapshot_id} ({how}): {len(changed)} path(s) changed"]
    lines += [f"  {c['action']} {c['path']}" for c in changed[:20]]
    if safety:
        lines += ["", f"What was there before is in the safety snapshot {safety}: agentguard restore {safety}"]
    spawn(places, f"agentguard: snapshot {snapshot_id} restored", "\n".join(lines))


def _settings(places: Places) -> AlertSettings:
    from agentguard.ledger.config import load_settings

    return load_settings(places.config).alerts


def main(argv: list[str]) -> int:
    from agentguard.state import Places

    if len(argv) != 2:
        print("usage: python -m agentguard.notify TITLE BODY", file=sys.stderr)
        return 2
    result = send(Places.from_env(), argv[0], argv[1])
    return 0 if result is None or result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
