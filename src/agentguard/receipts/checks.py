"""Running the project's checks on the current tree: each command's exit code, output digest and duration.

Checks run under /bin/sh in the project root, one after the other, sharing one deadline. The whole output of
each is kept in the state dir under its sha256 (outputs/<digest>.txt), so `receipts show` can print it and
`receipts verify` can tell whether it is still the output the receipt signed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from agentguard.state import Places

TAIL_CHARS = 4000  # how much of a failing check's output goes back to the agent


@dataclass(frozen=True, slots=True)
class CheckResult:
    command: str
    exit_code: int  # -1: timed out, -2: could not start
    output_sha256: str
    milliseconds: int
    tail: str  # the end of the output (not signed: the digest is)

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def to_json(self) -> dict[str, Any]:
        return {"command": self.command, "exit_code": self.exit_code, "output_sha256": self.output_sha256,
                "milliseconds": self.milliseconds}  # fmt: skip


def run_checks(commands: tuple[str, ...], root: str, places: Places, timeout: int) -> list[CheckResult]:
    """Every check in order. Past the shared deadline the rest are not started: they fail as timed out."""
    deadline = time.monotonic() + timeout
    return [_run_one(command, root, places, deadline) for command in commands]


def _run_one(command: str, root: str, places: Places, deadline: float) -> CheckResult:
    started = time.monotonic()
    left = deadline - started
    if left <= 0:
        output, code = f"not run: the checks' time limit was used up before `{command}` started\n", -1
    else:
        output, code = _execute(command, root, left)
    digest = keep_output(places, output.encode("utf-8", "replace"))
    elapsed = round((time.monotonic() - started) * 1000)
    return CheckResult(command, code, digest, elapsed, output[-TAIL_CHARS:])


def _execute(command: str, root: str, seconds: float) -> tuple[str, int]:
    # The agent's hook environment is not the checks' business: the Claude variables would only confuse them.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUDE")}
    try:
        # A session of its own, so a timeout stops the whole group (pytest under sh), not only the shell.
        child = subprocess.Popen(["/bin/sh", "-c", command], cwd=root, env=env, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    except OSError as exc:
        return f"agentguard: `{command}` could not start: {exc}\n", -2
    try:
        out, _ = child.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill_group(child.pid)
        out, _ = child.communicate()
        text = out.decode("utf-8", "replace")
        return text + f"\nagentguard: `{command}` timed out after {seconds:.0f} s and was stopped\n", -1
    return out.decode("utf-8", "replace"), child.returncode


def _kill_group(pid: int) -> None:
    import contextlib
    import signal

    with contextlib.suppress(OSError):  # already gone
        os.killpg(pid, signal.SIGKILL)


def outputs_dir(places: Places) -> str:
    return os.path.join(places.state, "receipts", "outputs")


def keep_output(places: Places, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    folder = outputs_dir(places)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    path = os.path.join(folder, digest + ".txt")
    if not os.path.exists(path):
        temp = f"{path}.{os.getpid()}.tmp"
        with open(temp, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    return digest


def read_output(places: Places, digest: str) -> bytes | None:
    path = os.path.join(outputs_dir(places), digest + ".txt")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None
