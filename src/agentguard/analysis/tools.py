"""Claude Code's file tools (Write, Edit, MultiEdit, NotebookEdit) as effects on the file they name.

An edit of an existing file replaces content (file.overwrite); a write to a new path creates it. Whether that
matters is the policy's business: writing `src/app.py` is ordinary, writing `.env` or `.claude/settings.json`
is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentguard.analysis.paths import absolute, target_of
from agentguard.models import Effect, Kind

FILE_TOOLS = {"Write": "file_path", "Edit": "file_path", "MultiEdit": "file_path", "NotebookEdit": "notebook_path"}
READ_TOOLS = frozenset(
    {
        "Read",
        "Grep",
        "Glob",
        "LS",
        "WebFetch",
        "WebSearch",
        "TodoWrite",
        "TodoRead",
        "NotebookRead",
        "BashOutput",
        "ExitPlanMode",
        "Task",
        "Agent",
        "AskUserQuestion",
    }
)


def tool_effects(tool: str, tool_input: Mapping[str, Any], cwd: str, home: str) -> list[Effect]:
    if tool in READ_TOOLS:
        return [Effect.make(Kind.READ, tool, f"{tool} tool"), *_secret_reads(tool, tool_input, cwd, home)]
    key = FILE_TOOLS.get(tool)
    if key is None:
        return [Effect.unknown(f"tool {tool!r} is not modelled by agentguard", source=tool)]
    raw = tool_input.get(key)
    if not isinstance(raw, str) or not raw:
        return [Effect.unknown(f"{tool} without a {key}", source=tool)]
    # `~` is the home the gate was given (the hook's user), not whatever HOME this process happens to have.
    expanded = home + raw[1:] if raw == "~" or raw.startswith("~/") else raw
    path = absolute(expanded, cwd)
    target = target_of(raw, path)
    kind = Kind.FILE_OVERWRITE if target.exists else Kind.FILE_WRITE
    detail = {"Write": "writes", "NotebookEdit": "edits a notebook cell in"}.get(tool, "edits")
    if not target.exists:
        detail = "creates"
    return [
        Effect.make(kind, raw, detail, source=f"{tool} {raw}", path=target.path, real_path=target.real,
                    exists=target.exists, size=target.size, is_dir=target.is_dir)
    ]  # fmt: skip


# The inputs of the read tools that name what they read: Read's file, Grep's path and file filter, Glob's pattern.
READ_TOOL_PATHS = {"Read": ("file_path",), "NotebookRead": ("notebook_path",), "Grep": ("path", "glob"),
                   "Glob": ("pattern", "path"), "LS": ("path",)}  # fmt: skip


def _secret_reads(tool: str, tool_input: Mapping[str, Any], cwd: str, home: str) -> list[Effect]:
    """Read, Grep and Glob of a credential store (`~/.ssh/id_rsa`, `.env`) are `secret.read`, as `cat` is."""
    from agentguard.analysis.secrets import is_secret

    effects: list[Effect] = []
    for key in READ_TOOL_PATHS.get(tool, ()):
        raw = tool_input.get(key)
        if not isinstance(raw, str) or not raw:
            continue
        expanded = home + raw[1:] if raw == "~" or raw.startswith("~/") else raw
        path = absolute(expanded, cwd)
        if is_secret(path) and not (tool == "LS" or (tool == "Glob" and key == "path")):
            effects.append(Effect.make(Kind.SECRET_READ, raw, f"{tool} reads a credential store",
                                       source=f"{tool} {raw}", path=path))  # fmt: skip
    return effects
