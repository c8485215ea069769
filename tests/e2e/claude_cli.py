"""Running the real `claude` CLI headless against the scripted API, and reading back what happened.

Scripted commands go in; out comes a `ClaudeRun`: the CLI's parsed `--output-format json` result, every request
it sent to the API (so the tool results: a command's output, or a hook's reason for not running it), and the
permission requests that reached the stand-in human (see permission_prompt.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scripted_api import ScriptedApi, Step, ToolResult

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO / ".cache" / "claude-code" / "node_modules" / ".bin" / "claude"
PROMPT_SERVER = Path(__file__).with_name("permission_prompt.py")
QUIET_ENV = {"DISABLE_TELEMETRY": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "DISABLE_AUTOUPDATER": "1"}
# The host's own Claude Code / Anthropic settings must not leak in (a real key, a proxy, a model override…).
LEAKY_PREFIXES = ("ANTHROPIC_", "CLAUDE", "AGENTGUARD_", "OTEL_")

Human = Literal["none", "allow", "deny"]


def find_claude() -> Path | None:
    override = os.environ.get("CLAUDE_BIN")
    path = Path(override) if override else DEFAULT_BIN
    return path if path.is_file() and os.access(path, os.X_OK) else None


def agentguard_script() -> Path:
    """The installed console script, as a user would run it (not `python -m`)."""
    return Path(sys.executable).with_name("agentguard")


@dataclass(frozen=True, slots=True)
class ClaudeRun:
    returncode: int
    result: dict[str, Any]
    stdout: str
    stderr: str
    api: ScriptedApi
    permission_requests: list[dict[str, Any]]

    def tool_result(self, step: int) -> ToolResult:
        return self.api.result_for(step)

    def stop_feedback(self) -> list[str]:
        return self.api.stop_feedback()

    def denied_steps(self) -> set[int]:
        """Steps Claude Code reports in `permission_denials`, by the scripted tool_use ids."""
        ids = {str(d.get("tool_use_id")) for d in self.result.get("permission_denials") or []}
        return {int(i.rsplit("_", 1)[1]) for i in ids if i.startswith("toolu_e2e_")}

    def asked_commands(self) -> list[str]:
        return [str((r.get("input") or {}).get("command")) for r in self.permission_requests]

    def describe(self) -> str:
        return f"rc={self.returncode}\nstdout={self.stdout[-2000:]}\nstderr={self.stderr[-2000:]}\n{self.api.paths()}"


@dataclass(frozen=True, slots=True)
class Runner:
    """Everything a run needs that is not the scenario: the CLI, a HOME of its own, agentguard's state dir."""

    claude: Path
    home: Path
    agentguard_home: Path
    timeout: float = 60.0
    prefix: tuple[str, ...] = ()  # what the CLI runs under (protected mode: a mount namespace, another user)

    def run(
        self,
        project: Path,
        commands: Sequence[Step],
        *,
        human: Human = "none",
        prompt: str = "Run the steps.",
        extra_args: Sequence[str] = (),
    ) -> ClaudeRun:
        """Run `claude -p` in `project` with the scripted commands. human="none": no permission prompt tool, so
        an ask is refused the way -p refuses it; "allow"/"deny": the stand-in human answers the ask.
        `extra_args`: more CLI arguments (`--resume SESSION` continues an earlier run's session)."""
        log = self.home / f"permission-requests-{len(list(self.home.glob('permission-requests-*')))}.jsonl"
        with ScriptedApi(commands) as api:
            env = self.env(api.url, human, log)
            argv = [
                *self.prefix,
                str(self.claude),
                "-p",
                prompt,
                "--allowedTools",
                "Bash,Write",
                "--output-format",
                "json",
            ]
            argv += human_args() if human != "none" else []
            argv += extra_args
            done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True,
                                  timeout=self.timeout, stdin=subprocess.DEVNULL, check=False)  # fmt: skip
        return ClaudeRun(done.returncode, _parse_result(done.stdout), done.stdout, done.stderr, api, _read_jsonl(log))

    def agentguard(self, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
        """The real console script with this run's state dir and HOME, e.g. ("init", "--claude")."""
        env = dict(os.environ, AGENTGUARD_HOME=str(self.agentguard_home), HOME=str(self.home))
        return subprocess.run([str(agentguard_script()), *args], cwd=project, env=env,
                              capture_output=True, text=True, timeout=30, check=True)  # fmt: skip

    def env(self, base_url: str, human: Human, log: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(LEAKY_PREFIXES)}
        env |= QUIET_ENV | {
            "HOME": str(self.home),
            "AGENTGUARD_HOME": str(self.agentguard_home),
            "ANTHROPIC_BASE_URL": base_url,
            "ANTHROPIC_API_KEY": "test-key",
            "E2E_PROMPT_LOG": str(log),
            "E2E_PROMPT_ANSWER": human,
        }
        for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            env.pop(var, None)
        return env


def human_args() -> list[str]:
    servers = {"human": {"command": sys.executable, "args": [str(PROMPT_SERVER)]}}
    return ["--mcp-config", json.dumps({"mcpServers": servers}), "--strict-mcp-config",
            "--permission-prompt-tool", "mcp__human__answer"]  # fmt: skip


def _parse_result(stdout: str) -> dict[str, Any]:
    # The JSON result is the last line; anything before it would be noise from the CLI.
    for line in reversed(stdout.strip().splitlines()):
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            return parsed
    return {}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
