"""Analysis: from an action to typed effects. Pure apart from reading the file system; never raises."""

from __future__ import annotations

import os
from collections.abc import Mapping

from agentguard.models import Action, Effect

MAX_COMMAND_BYTES = 256 * 1024


def analyze(
    action: Action,
    *,
    home: str | None = None,
    project_root: str | None = None,
    agent_files: frozenset[str] = frozenset(),
) -> tuple[Effect, ...]:
    """Every effect `action` would have. What cannot be worked out is an `unknown` effect, not an error.
    `agent_files`: files the agent wrote in this session (agent_writes.py)."""
    home = home or os.path.expanduser("~")
    try:
        if action.command is not None:
            return analyze_command(action.command, action.cwd, home=home, project_root=project_root,
                                   agent_files=agent_files)  # fmt: skip
        from agentguard.analysis.tools import tool_effects

        return tuple(tool_effects(action.tool, action.tool_input, action.cwd, home))
    except Exception as exc:  # analysis must never take the hook down: unknown fails closed
        return (Effect.unknown(f"agentguard could not analyse this action ({type(exc).__name__}: {exc})",
                               source=action.describe()),)  # fmt: skip


def analyze_command(
    command: str,
    cwd: str,
    *,
    home: str | None = None,
    project_root: str | None = None,
    env: Mapping[str, str] | None = None,
    agent_files: frozenset[str] = frozenset(),
) -> tuple[Effect, ...]:
    """Effects of a shell command line run in `cwd`."""
    if len(command.encode("utf-8", "surrogatepass")) > MAX_COMMAND_BYTES:
        return (Effect.unknown("command too long to analyse", source=command[:200]),)
    try:
        from agentguard.analysis.shell import Walker

        home = home or os.path.expanduser("~")
        walker = Walker(
            cwd=os.path.abspath(cwd),
            home=home,
            project_root=project_root or cwd,
            variables=_known_variables(home, cwd, env),
        )
        from agentguard.analysis.flows import with_exfiltration

        walker.agent_files = agent_files
        return tuple(with_exfiltration(walker.walk_script(command)))
    except Exception as exc:
        return (Effect.unknown(f"agentguard could not analyse this command ({type(exc).__name__}: {exc})",
                               source=command[:200]),)  # fmt: skip


def _known_variables(home: str, cwd: str, env: Mapping[str, str] | None) -> dict[str, str | None]:
    """Variables whose value at run time is the hook's own: the rest are unknown on purpose."""
    source = env if env is not None else os.environ
    known: dict[str, str | None] = {"HOME": home, "PWD": cwd}
    from agentguard.analysis.types import CONTEXT_VARIABLES

    for name in ("USER", "LOGNAME", "SHELL", "TMPDIR", *CONTEXT_VARIABLES):
        if name in source:
            known[name] = source[name]
    known.setdefault("TMPDIR", "/tmp")
    return known
