"""`agentguard init --claude`, `agentguard doctor`, and `agentguard hook claude` (for its --help)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import click

from agentguard.cli.output import emit_json, fail, report_checks
from agentguard.errors import AgentGuardError
from agentguard.hosts import claude_settings
from agentguard.state import Places, find_project_root, read_mode


@click.command()
@click.option("--claude", "claude", is_flag=True, help="Wire the PreToolUse/PostToolUse hooks of Claude Code.")
@click.option(
    "--alert-url",
    "alert_urls",
    multiple=True,
    metavar="URL",
    help="Alert a human here when the ledger breaks: an apprise URL, or env:NAME to read it from $NAME.",
)
@click.option(
    "--mirror",
    "mirrors",
    multiple=True,
    metavar="DIR",
    help="Copy every ledger checkpoint to this folder (best on another disk or a synced share).",
)
@click.option(
    "--git-hooks/--no-git-hooks",
    "git_hooks",
    default=None,
    help="Install git pre-commit/pre-push hooks for the review gate (default: with --claude in a git repo).",
)
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def init(claude: bool, alert_urls: tuple[str, ...], mirrors: tuple[str, ...], git_hooks: bool | None,
         project: str | None, as_json: bool) -> None:  # fmt: skip
    """Wire agentguard into a host, and say where a broken ledger is reported. Merges, never clobbers; running
    it twice changes nothing. Alert URLs and mirrors go into your user config, out of the agent's reach.

    \b
    Example:
      cd my-project && agentguard init --claude --alert-url ntfy://ntfy.sh/my-topic --mirror ~/ag-mirror
    """
    if not (claude or alert_urls or mirrors or git_hooks):
        raise click.UsageError("name a host to wire (--claude), or an --alert-url or --mirror to add")
    root = os.path.abspath(project or find_project_root(os.getcwd()))
    try:
        report = claude_settings.install(root) if claude else None
        review = _review_setup(root, claude if git_hooks is None else git_hooks)
        added = _add_break_reporting(alert_urls, mirrors)
        reporting = _break_reporting(Places.from_env())
    except AgentGuardError as exc:
        fail(exc)
        return
    if as_json:
        out: dict[str, Any] = {"message_type": "init", "added": added, "break_reporting": reporting}
        if report is not None:
            out.update(host="claude", settings=report.path, changed=report.changed, command=report.command)
        out["review_gate"] = review
        emit_json(out)
        return
    if report is not None:
        state = "updated" if report.changed else "already in place"
        click.echo(f"Claude Code hooks {state}: {report.path}\n  hook: {report.command}")
    for line in review:
        click.echo(f"review gate: {line}")
    for line in added:
        click.echo(f"added to {reporting['config']}: {line}")
    if not reporting["ok"]:
        click.echo(f"note: {reporting['detail']}")


def _review_setup(root: str, hooks: bool) -> list[str]:
    """Git hooks for the review gate, and the committed tree as the first reviewed base (the project as it is
    when a human adopts agentguard), once: later inits never move the base."""
    from agentguard.receipts import tree as trees

    if not hooks or not trees.is_git(root):
        return []
    from agentguard.receipts.githooks import install_git_hooks

    return [*install_git_hooks(root), *_baseline(root)]


def _baseline(root: str) -> list[str]:
    import getpass

    from agentguard.cli.ledger import _passphrase
    from agentguard.ledger import Ledger
    from agentguard.ledger.keys import load_key
    from agentguard.ledger.paths import LedgerPaths
    from agentguard.ledger.records import record_review_approved
    from agentguard.receipts import tree as trees

    try:
        head = trees.commit_tree(root, "HEAD")
    except trees.TreeError:
        return []  # no commit yet: nothing to call reviewed
    places = Places.from_env()
    with Ledger.open(places, declare_breaks=True) as ledger:
        if any(e.payload.get("project") == root for e in ledger.last(500, "review_approved")):
            return []
        payload = {"project": root, "tree": head, "diff_hash": None, "reason": "baseline: the committed tree when "
                   "agentguard init ran", "baseline": True}  # fmt: skip
        admin = load_key(LedgerPaths.from_places(places).admin_key, _passphrase)
        event = record_review_approved(ledger, payload, getpass.getuser(), admin)
    return [f"reviewed base: the committed tree {head[:12]} (ledger event {event.seq})"]


def _add_break_reporting(alert_urls: tuple[str, ...], mirrors: tuple[str, ...]) -> list[str]:
    from agentguard.ledger.config_edit import add_alert_urls, add_dir_mirror

    config = Places.from_env().config
    added = [f"alert URL {url}" for url in add_alert_urls(config, alert_urls)] if alert_urls else []
    return added + [f"ledger mirror {folder}" for folder in mirrors if add_dir_mirror(config, folder)]


def _break_reporting(places: Places) -> dict[str, Any]:
    """Whether a broken ledger reaches a human outside this machine's user account (doctor warns when not)."""
    from agentguard.ledger.config import config_file, user_settings

    settings = user_settings(places)
    urls, mirrors = len(settings.alerts.urls), len(settings.ledger.mirrors)
    ok = bool(urls and mirrors)
    detail = f"{urls} alert URL(s), {mirrors} ledger mirror(s)"
    if not ok:
        detail += (
            ". Without an alert URL a chain break is shown only in hook answers and by doctor; without a mirror, "
            "an agent running as your user could delete the ledger, its anchor and keys together and start a fresh "
            "one, and nothing on this machine would show it. Add them: agentguard init --alert-url URL --mirror DIR"
        )
    return {"name": "break reporting", "ok": True, "warn": not ok, "detail": detail,
            "config": config_file(places.config)}  # fmt: skip


@click.command()
@click.option("--project", default=None, help="Project root (default: found from here).")
@click.option("--json", "as_json", is_flag=True, help="Report as JSON.")
def doctor(project: str | None, as_json: bool) -> None:
    """Check that the wiring is in place and works: runs the real hook on a destructive and a benign call.

    Fails while the ledger has an unresolved chain break (naming it and the command that resolves it), and
    warns while no alert URL or ledger mirror is set, saying what an agent running as your user could undo.
    Says which mode is in force: in user mode, what a same-user agent could still undo; in protected mode,
    each part checked (root-owned install, private state dir, managed settings, the daemon answering).

    \b
    Example:
      agentguard doctor
    """
    root = os.path.abspath(project or find_project_root(os.getcwd()))
    report_checks(_doctor_checks(root), "doctor", as_json=as_json)


def _doctor_checks(root: str) -> list[dict[str, Any]]:
    """Protected mode: its parts checked (system.status); user mode: the project's wiring, and its limits."""
    from agentguard.system import status
    from agentguard.system.layout import installed

    try:
        layout = installed()
    except AgentGuardError as exc:
        return [{"name": "protection", "ok": False, "detail": exc.message}]
    if layout is not None:
        found = status.checks(layout)
        if os.geteuid() == 0:  # the ledger and the config are the daemon's: root (sudo) reads them
            places = Places.from_env()
            from agentguard.approvals.doctor import check as approvals_check

            found += [_ledger_breaks(places), _break_reporting(places), approvals_check(places, protected=True)]
        return found
    return [*_user_mode_checks(root), *status.checks(None)]


def _user_mode_checks(root: str) -> list[dict[str, Any]]:
    checks: list[dict[str, Any]] = []
    places = Places.from_env()
    try:
        wired = claude_settings.wired_commands(claude_settings.load_settings(claude_settings.settings_path(root)))
    except AgentGuardError as exc:
        wired = {}
        checks.append({"name": "settings", "ok": False, "detail": exc.message})
    for event in claude_settings.EVENTS:
        found = wired.get(event, [])
        covers = bool(found) and all(t in found[0][0] for t in ("Bash", "Write", "Edit"))
        detail = f"{found[0][1]} on {found[0][0]}" if found else "not wired: run agentguard init --claude"
        checks.append({"name": f"claude {event} hook", "ok": covers, "detail": detail})
    for event in claude_settings.STOP_EVENTS:  # receipts and data-state: missing ones are a warning, not a fail
        found = wired.get(event, [])
        detail = found[0][1] if found else "not wired (no receipts or data-state checks): run agentguard init --claude"
        checks.append({"name": f"claude {event} hook", "ok": True, "warn": not found, "detail": detail})
    checks.append(_git_hooks(root))
    try:
        checks.append({"name": "mode", "ok": True, "detail": read_mode(places)})
    except AgentGuardError as exc:
        checks.append({"name": "mode", "ok": False, "detail": exc.message})
    checks.append(_restores(places))
    checks.append(_ledger_breaks(places))
    checks.append(_admin_key(places))
    from agentguard.approvals.doctor import check as approvals_check

    checks.append(approvals_check(places, protected=False))
    try:
        checks.append(_break_reporting(places))
    except AgentGuardError as exc:
        checks.append({"name": "break reporting", "ok": False, "detail": exc.message})
    pre = wired.get("PreToolUse", [])
    if pre:
        checks.append(_probe(pre[0][1], root, "rm -rf /", expect="deny"))
        checks.append(_probe(pre[0][1], root, "ls", expect=None))
    return checks


def _git_hooks(root: str) -> dict[str, Any]:
    """The review gate's git hooks (a warning when missing: the gate still asks inside the agent)."""
    from agentguard.receipts import tree as trees
    from agentguard.receipts.githooks import installed

    name = "git review hooks"
    if not trees.is_git(root):
        return {"name": name, "ok": True, "detail": "not a git repository"}
    missing = [kind for kind, ours in installed(root).items() if not ours]
    if missing:
        return {"name": name, "ok": True, "warn": True, "detail": f"{', '.join(missing)} not agentguard's: outside "
                "the agent a large or protected change is not stopped; run agentguard init --git-hooks"}  # fmt: skip
    return {"name": name, "ok": True, "detail": "pre-commit and pre-push in place"}


def _restores(places: Places) -> dict[str, Any]:
    from agentguard.snapshots.journal import describe_pending
    from agentguard.snapshots.store import Store

    try:
        with Store.open(places.state) as store:
            pending = describe_pending(store)
    except (AgentGuardError, OSError) as exc:
        return {"name": "interrupted restores", "ok": False, "detail": f"cannot read the snapshot store: {exc}"}
    return {"name": "interrupted restores", "ok": not pending, "detail": "; ".join(pending) or "none"}


def _admin_key(places: Places) -> dict[str, Any]:
    """The admin key proves a human resolved a break: in the agent's reach it must be sealed."""
    from agentguard.ledger.errors import LedgerError
    from agentguard.ledger.keys import is_sealed
    from agentguard.ledger.paths import LedgerPaths

    path = LedgerPaths.from_places(places).admin_key
    if not os.path.exists(path):
        return {"name": "admin key", "ok": True, "detail": "not made yet (the first decision makes it)"}
    try:
        sealed = is_sealed(path)
    except LedgerError as exc:
        return {"name": "admin key", "ok": False, "detail": exc.message}
    if sealed:
        return {"name": "admin key", "ok": True, "detail": f"{path} is sealed with a passphrase"}
    return {"name": "admin key", "ok": True, "warn": True, "detail": f"{path} is not sealed: an agent that reads "
            "it can resolve chain breaks as you. Seal it: agentguard ledger seal-admin-key"}  # fmt: skip


def _ledger_breaks(places: Places) -> dict[str, Any]:
    """FAIL while the ledger has an unresolved break, or one the next start would declare, naming what to run."""
    from agentguard.ledger import Ledger
    from agentguard.ledger.breaks import breaks
    from agentguard.ledger.errors import IntegrityError, LedgerError
    from agentguard.ledger.paths import LedgerPaths

    name = "ledger"
    if not os.path.exists(LedgerPaths.from_places(places).db):
        return {"name": name, "ok": True, "detail": "no ledger yet (the first decision makes it)"}
    try:
        with Ledger.open(places, readonly=True) as reader:
            unresolved = [b for b in breaks(reader) if b.resolution is None]
    except IntegrityError as exc:
        return {"name": name, "ok": False, "detail": f"{exc.message}. The next hook call declares it as a break; "
                "`agentguard ledger verify` tells more"}  # fmt: skip
    except LedgerError as exc:
        return {"name": name, "ok": False, "detail": exc.message}
    if not unresolved:
        return {"name": name, "ok": True, "detail": "verified at start-up; no unresolved break"}
    detail = "; ".join(f"unresolved break {b.id} ({b.event.payload.get('kind')} at event {b.event.seq}): a human "
                       f"runs `agentguard ledger resolve {b.id} --validate|--ignore|--reject --reason TEXT`"
                       for b in unresolved)  # fmt: skip
    return {"name": name, "ok": False, "detail": detail, "breaks": [b.id for b in unresolved]}


def _probe(command: str, root: str, shell: str, expect: str | None) -> dict[str, Any]:
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": shell},
               "cwd": root, "session_id": "doctor", "tool_use_id": "doctor"}  # fmt: skip
    name = f"hook answers {shell!r}"
    try:
        done = subprocess.run(["/bin/sh", "-c", command], input=json.dumps(payload), capture_output=True, text=True,
                              timeout=30, check=False)  # as Claude Code runs it  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"name": name, "ok": False, "detail": f"the hook command does not run: {exc}"}
    answer = json.loads(done.stdout) if done.stdout.strip() else {}
    got = answer.get("hookSpecificOutput", {}).get("permissionDecision")
    ok = done.returncode == 0 and got == expect
    return {"name": name, "ok": ok, "detail": f"exit {done.returncode}, decision {got or 'allow (no answer)'}"}


@click.group()
def hook() -> None:
    """Hook entry points for hosts (they read the host's JSON on stdin)."""


@hook.command("claude")
def hook_claude() -> None:
    """Claude Code PreToolUse/PostToolUse hook: JSON on stdin, decision on stdout, always exit 0."""
    from agentguard.hosts.claude import run_hook

    sys.exit(run_hook(sys.stdin, sys.stdout))


COMMANDS = (init, doctor, hook)
