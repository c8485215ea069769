"""`agentguard demo`: the `rm -f .agentic-qe/*.db` incident, stopped, in a throw-away project.

It wires the real hook into a temporary git project with a real SQLite memory database, then sends Claude
Code's own hook payloads through it: the incident is denied or asked and the database survives; ordinary work
is allowed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile

import click

from agentguard.hosts import claude_settings

CALLS = [
    ("rm -f .agentic-qe/*.db", "the incident: an agent 'cleaning up' a failing test"),
    ("ls -la .agentic-qe", "reading"),
    ("rm -rf node_modules build", "ordinary clean-up"),
    ("git reset --hard HEAD~3", "discards work"),
    ("echo 'never run rm -rf / here' > NOTES.md", "text that merely mentions rm -rf /"),
    ('bash -c "$(echo cm0gLWYgLmFnZW50aWMtcWUvbWVtb3J5LmRi | base64 -d)"', "the incident, obfuscated"),
    ("agentguard mode normal", "the agent trying to switch the guard off"),
]


@click.command()
@click.option("--keep", is_flag=True, help="Keep the temporary project and print its path.")
def demo(keep: bool) -> None:
    """Show the gate stopping the `rm -f .agentic-qe/*.db` incident in a temporary project."""
    root = tempfile.mkdtemp(prefix="agentguard-demo-")
    env = dict(os.environ)
    env.setdefault("AGENTGUARD_HOME", os.path.join(root, ".agentguard-home"))
    project = os.path.join(root, "project")
    db = _make_project(project)
    report = claude_settings.install(project)
    click.echo(f"project: {project}\nhooks:   {report.path}\n")
    for command, why in CALLS:
        answer = _hook(report.command, project, command, env)
        decision: dict[str, str] = answer.get("hookSpecificOutput", {})
        verdict = decision.get("permissionDecision", "allow")
        colour = {"allow": "green", "ask": "yellow", "deny": "red"}[verdict]
        click.echo(f"{click.style(verdict.upper().ljust(5), fg=colour, bold=True)} {command}   # {why}")
        if decision.get("permissionDecisionReason"):
            click.echo(f"      {decision['permissionDecisionReason']}")
    rows = sqlite3.connect(db).execute("SELECT count(*) FROM memories").fetchone()[0]
    click.echo(f"\n.agentic-qe/memory.db is still there with {rows} memories.")
    click.echo(_ledger_summary([sys.executable, "-m", "agentguard"], env))
    if keep:
        click.echo(f"kept: {root}")
    else:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def _ledger_summary(agentguard: list[str], env: dict[str, str]) -> str:
    """What `agentguard ledger verify` says of the decisions above: each one a signed, chained event."""
    done = subprocess.run([*agentguard, "ledger", "verify", "--json"], capture_output=True, text=True, env=env,
                          timeout=60, check=False)  # fmt: skip
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return f"ledger: verify failed: {done.stderr.strip()}"
    state = "every link, signature and checkpoint checks out" if report.get("ok") else "it does NOT verify"
    events = report.get("events")
    return f"ledger: {events} signed events (the decisions above, the snapshot, the policy they used): {state}."


def _make_project(project: str) -> str:
    os.makedirs(os.path.join(project, ".agentic-qe"))
    subprocess.run(["git", "init", "-q", project], check=True)
    db = os.path.join(project, ".agentic-qe", "memory.db")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE memories (id INTEGER PRIMARY KEY, lesson TEXT)")
        conn.executemany("INSERT INTO memories (lesson) VALUES (?)", [(f"lesson {i}",) for i in range(500)])
    return db


def _hook(command: str, project: str, shell: str, env: dict[str, str]) -> dict[str, dict[str, str]]:
    """The hook command as Claude Code runs it (under /bin/sh -c), fed Claude Code's payload."""
    payload = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": shell},
               "cwd": project, "session_id": "demo", "tool_use_id": "demo"}  # fmt: skip
    done = subprocess.run(["/bin/sh", "-c", command], input=json.dumps(payload), capture_output=True, text=True,
                          env={**env, "CLAUDE_PROJECT_DIR": project}, timeout=60, check=True)  # fmt: skip
    result: dict[str, dict[str, str]] = json.loads(done.stdout) if done.stdout.strip() else {}
    return result


COMMANDS = (demo,)
