"""Claude Code's hook protocol, and nothing else: JSON in on stdin, a decision out on stdout.

PreToolUse answers in `hookSpecificOutput.permissionDecision` (a flat `decision` field is ignored by Claude
Code). Allow is answered with `{}` (no decision), so Claude Code's own permission rules still apply: agentguard
only ever narrows what the agent may do. Every failure becomes a deny with the reason, because a hook that
crashes or exits non-zero lets the tool run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: a PostToolUse call needs neither the models nor dataclasses
    from agentguard.models import Action, Decision

SHELL_TOOLS = frozenset({"Bash"})
# "Nothing to say" is an empty JSON object, never silence: the fail-closed wrapper around the hook command
# (claude_settings.fail_closed) treats no output at all as a hook that did not run, and blocks.
NOTHING = "{}\n"


def action_from_hook(payload: Mapping[str, Any]) -> Action:
    from agentguard.models import Action

    tool = str(payload.get("tool_name") or "")
    tool_input = payload.get("tool_input") or {}
    if not tool or not isinstance(tool_input, dict):
        raise ValueError("hook input has no tool_name or no tool_input object")
    cwd = str(payload.get("cwd") or os.getcwd())
    command = tool_input.get("command") if tool in SHELL_TOOLS else None
    if tool in SHELL_TOOLS and not isinstance(command, str):
        raise ValueError("Bash tool input without a command string")
    return Action(
        tool=tool, cwd=cwd, command=command, tool_input=tool_input, host="claude",
        session_id=_str_or_none(payload.get("session_id")), tool_use_id=_str_or_none(payload.get("tool_use_id")),
    )  # fmt: skip


def pre_tool_use_answer(decision: Decision) -> dict[str, Any] | None:
    from agentguard.models import Verdict

    if decision.verdict == Verdict.ALLOW:
        answer = None if decision.snapshot is None else _snapshot_note(decision)
    else:
        answer = {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": str(decision.verdict),
                "permissionDecisionReason": decision.summary(),
            }
        }
    return _with_notice(answer, decision.notice)


def _snapshot_note(decision: Decision) -> dict[str, Any]:
    """An allow that saved data first: no permission decision (Claude Code's own rules still apply), but the
    agent (additionalContext) and the human (systemMessage) are told what was saved and how to undo."""
    note = "agentguard: " + decision.reasons[-1]
    return {"systemMessage": note, "hookSpecificOutput": {"hookEventName": "PreToolUse", "additionalContext": note}}


def _with_notice(answer: dict[str, Any] | None, notice: str | None) -> dict[str, Any] | None:
    """A notice for the human (an unresolved ledger break) goes in systemMessage, which Claude Code shows the
    user and not the model: the agent is not the one to resolve it. An allow stays an allow (no decision)."""
    if notice is None:
        return answer
    answer = dict(answer or {})
    earlier = answer.get("systemMessage")
    answer["systemMessage"] = f"{notice}\n{earlier}" if earlier else notice
    return answer


def deny_answer(reason: str) -> dict[str, Any]:
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": f"agentguard could not decide, so it blocks: {reason}",
        }
    }


def answer(data: str) -> str:
    """The hook's whole answer to one input, as text (what `supervise` runs in its child process)."""
    import io

    out = io.StringIO()
    run_hook(io.StringIO(data), out)
    return out.getvalue()


def failure_answer(data: str, why: str) -> str:
    """What Claude Code gets when the decision process died: a deny for a gated call, a blocked stop for a
    stop (the work was not checked), nothing for the rest."""
    try:
        event = json.loads(data).get("hook_event_name", "PreToolUse")
    except Exception:  # unreadable input was never going to be allowed either
        event = "PreToolUse"
    if event in STOP_EVENTS:
        from agentguard.receipts.stop import stop_failure

        return json.dumps(stop_failure(why, again=_again(data))) + "\n"
    return json.dumps(deny_answer(why)) + "\n" if event == "PreToolUse" else NOTHING


STOP_EVENTS = ("Stop", "SubagentStop")


def _again(data: str) -> bool:
    """Whether this stop was already sent back once (Claude Code's `stop_hook_active`)."""
    try:
        return json.loads(data).get("stop_hook_active") is True
    except Exception:  # unreadable: treat it as a first stop, which is blocked
        return False


def deadline_for(data: str) -> float:
    """The supervisor's deadline: a stop runs the project's checks and gets far longer than a tool call. Read
    from the raw text (no JSON parse in the parent): a tool call that merely mentions "Stop" only waits longer."""
    from agentguard.hosts.supervise import DEADLINE

    if '"Stop"' in data or '"SubagentStop"' in data:
        from agentguard.receipts.stop import DEADLINE as STOP_DEADLINE

        return STOP_DEADLINE
    return DEADLINE


def run_hook(stdin: IO[str], stdout: IO[str]) -> int:
    """Entry point of `agentguard hook claude`. Always exits 0 with a well-formed answer."""
    event, data = "PreToolUse", ""
    try:
        data = stdin.read()
        payload = json.loads(data or "{}")
        if not isinstance(payload, dict):
            raise ValueError("hook input is not a JSON object")
        event = str(payload.get("hook_event_name", "PreToolUse"))
        answer = None
        if event == "PostToolUse":
            _record_outcome(payload)
        elif event == "SessionStart":
            _session_start(payload)
        elif event == "PreToolUse":
            answer = _pre_tool_use(payload)
        elif event in STOP_EVENTS:
            answer = _stop(payload)
    except Exception as exc:
        why = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        answer = (
            _stop_failure(why, _again(data)) if event in STOP_EVENTS else deny_answer(f"{type(exc).__name__}: {exc}")
        )
    stdout.write(NOTHING if answer is None else json.dumps(answer) + "\n")
    return 0


def _stop(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    from agentguard.receipts.stop import stop_answer

    return stop_answer(payload)


def _stop_failure(why: str, again: bool) -> dict[str, Any]:
    from agentguard.receipts.stop import stop_failure

    return stop_failure(why, again=again)


def _pre_tool_use(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    from agentguard.pipeline import Gate

    action = action_from_hook(payload)
    project_root = os.environ.get("CLAUDE_PROJECT_DIR") or None
    decision = Gate.from_env().decide(action, project_root=project_root, before_run=True, can_prompt=can_prompt())
    return pre_tool_use_answer(decision)


# Claude Code's entry points without a terminal to ask in: `claude -p` and the Agent SDKs.
HEADLESS_ENTRYPOINTS = frozenset({"sdk-cli", "sdk-ts", "sdk-py"})


def can_prompt() -> bool:
    """Whether Claude Code surely has a human at a prompt: not in a headless run (`claude -p`, the SDKs).
    Whether a headless run was given `--permission-prompt-tool` cannot be seen from here (Claude Code
    overwrites its process title), so a queued ask still goes back to Claude Code as an ask: a prompt tool
    or the SDK's canUseTool answers it; without one, Claude Code refuses it with agentguard's reason.
    Any other entry point (the terminal, an IDE, one not known) keeps its own prompt."""
    return os.environ.get("CLAUDE_CODE_ENTRYPOINT", "") not in HEADLESS_ENTRYPOINTS


def _record_outcome(payload: Mapping[str, Any]) -> None:
    """What happened after an allowed call goes into the ledger. The call has already run: a failure here can
    only be told, on stderr (Claude Code shows it), never undo anything."""
    from agentguard.ledger import Ledger
    from agentguard.ledger.records import record_outcome
    from agentguard.ledger.sync import after_append
    from agentguard.state import Places

    places = Places.from_env()
    try:
        with Ledger.open(places, declare_breaks=True) as ledger:
            record_outcome(ledger, payload)
            after_append(ledger, places)
        _data_after(places, payload)
    except Exception as exc:
        import sys

        print(f"agentguard: the outcome of this call was NOT recorded in the ledger: {exc}", file=sys.stderr)


def _project_root(payload: Mapping[str, Any]) -> str:
    from agentguard.state import find_project_root

    return os.environ.get("CLAUDE_PROJECT_DIR") or find_project_root(str(payload.get("cwd") or os.getcwd()))


def _data_after(places: Any, payload: Mapping[str, Any]) -> None:
    """A call that saved a database first: what the database holds after it (receipts.data_state). Most calls
    saved none: one stat, nothing imported."""
    from agentguard.receipts import pending

    session = _str_or_none(payload.get("session_id"))
    databases = pending.take(places, session, _str_or_none(payload.get("tool_use_id")))
    if not databases:
        return
    from agentguard.receipts.data_state import after_call

    command = str((payload.get("tool_input") or {}).get("command") or payload.get("tool_name") or "")
    after_call(places, _project_root(payload), session, databases, command)


def _session_start(payload: Mapping[str, Any]) -> None:
    """What the protected databases hold when the session starts, for the stop to compare against. Failing
    here blocks nothing (nothing has run yet); the stop then compares with the last recorded state."""
    from agentguard.receipts.data_state import session_start
    from agentguard.state import Places

    try:
        session_start(Places.from_env(), _project_root(payload), str(payload.get("session_id") or "claude:no-session"))
    except Exception as exc:
        import sys

        print(f"agentguard: the data state at session start was NOT recorded: {exc}", file=sys.stderr)


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
