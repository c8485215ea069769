"""`agentguard check` and `agentguard explain`: what the gate would decide, and why."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

import click

from agentguard.cli.output import emit_json, show_decision
from agentguard.models import Action, Decision, Verdict
from agentguard.pipeline import Gate, failed

# Exit codes of check (documented in docs/cli.md): the verdict, so scripts can branch on it.
EXIT = {Verdict.ALLOW: 0, Verdict.ASK: 10, Verdict.DENY: 11}


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object per decision on stdout.")
@click.option("--batch", type=click.File("r"), help="JSON lines: {\"cmd\": …} or {\"tool\": …, "
              "\"tool_input\": {…}}, optional \"cwd\"; '-' reads stdin.")  # fmt: skip
@click.option("--cwd", default=None, help="Directory the command would run in (default: here).")
@click.argument("command", nargs=-1)
def check(as_json: bool, batch: IO[str] | None, cwd: str | None, command: tuple[str, ...]) -> None:
    """Decide a command without running it.

    \b
    Examples:
      agentguard check -- rm -f .agentic-qe/*.db
      agentguard check --json --batch cmds.jsonl
    Exit code: 0 allow, 10 ask, 11 deny (the strictest, for --batch).
    """
    gate = Gate.from_env()
    base = os.path.abspath(cwd or os.getcwd())
    if batch is not None:
        sys.exit(_batch(gate, batch, base, as_json))
    if not command:
        raise click.UsageError("give a command after --, or --batch FILE")
    decision = gate.decide(Action.shell(_join(command), base))
    emit_json(decision.to_json()) if as_json else show_decision(decision)
    sys.exit(EXIT[decision.verdict])


@click.command()
@click.option("--json", "as_json", is_flag=True, help="The decision with every effect and rule, as JSON.")
@click.option("--cwd", default=None, help="Directory the command would run in (default: here).")
@click.argument("command", nargs=-1, required=True)
def explain(as_json: bool, cwd: str | None, command: tuple[str, ...]) -> None:
    """Show the effects a command has and the rules that match them.

    \b
    Example:
      agentguard explain -- 'find . -name "*.db" -delete'
    """
    line = _join(command)
    decision = Gate.from_env().decide(Action.shell(line, os.path.abspath(cwd or os.getcwd())))
    if as_json:
        emit_json(decision.to_json())
        return
    show_decision(decision, verbose=True)
    from agentguard.analysis.spec import describe

    entry = describe(line)
    if entry is not None:
        click.echo(f"decided by:\n  {entry}")


def _join(words: tuple[str, ...]) -> str:
    """A single argument is the command line itself; several are re-quoted as the shell received them."""
    if len(words) == 1:
        return words[0]
    import shlex

    return " ".join(shlex.quote(w) if _needs_quote(w) else w for w in words)


def _needs_quote(word: str) -> bool:
    return any(c.isspace() or c in "'\"\\" for c in word) or word == ""


def _batch(gate: Gate, lines: IO[str], cwd: str, as_json: bool) -> int:
    worst = Verdict.ALLOW
    for number, (action, error) in enumerate(_actions(lines, cwd), start=1):
        decision = failed(error, Action.shell("", cwd)) if action is None else gate.decide(action)
        worst = max(worst, decision.verdict)
        out = decision.to_json()
        out["line"] = number
        if as_json:
            emit_json(out)
        else:
            click.echo(f"{number}: {str(decision.verdict).upper()} {action.describe() if action else ''}")
            for reason in decision.reasons:
                click.echo(f"    {reason}")
    return EXIT[worst]


def _actions(lines: IO[str], cwd: str) -> Iterator[tuple[Action | None, str]]:
    for raw in lines:
        if not raw.strip():
            continue
        try:
            yield _action(json.loads(raw), cwd), ""
        except (ValueError, TypeError, KeyError) as exc:
            yield None, f"bad input line: {exc}"


def _action(item: Any, cwd: str) -> Action:
    if not isinstance(item, dict):
        raise ValueError("each line must be a JSON object")
    where = os.path.join(cwd, item["cwd"]) if isinstance(item.get("cwd"), str) else cwd
    if isinstance(item.get("cmd"), str):
        return Action.shell(item["cmd"], where)
    tool, tool_input = item.get("tool"), item.get("tool_input")
    if not isinstance(tool, str) or not isinstance(tool_input, dict):
        raise ValueError('expected {"cmd": "…"} or {"tool": "…", "tool_input": {…}}')
    if tool == "Bash":
        return Action.shell(str(tool_input.get("command", "")), where)
    return Action(tool=tool, cwd=where, tool_input=tool_input)


def decide_many(gate: Gate, actions: list[Action]) -> list[Decision]:
    return [gate.decide(a) for a in actions]


COMMANDS = (check, explain)
