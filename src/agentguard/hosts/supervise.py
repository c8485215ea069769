"""Run a hook's work in a child process, so that even a crash in native code answers deny.

A hook that dies — a segfault in the bash grammar (tree-sitter-bash#337 was one), SQLite or libsodium, an
out-of-memory kill — or that is still working when the host gives up on it, makes the host run the tool anyway.
Python's `except` cannot catch any of that. So the process that the host started only reads the input, forks,
and waits: the child decides and writes its answer to a pipe; if the child does not finish cleanly within the
deadline, the parent answers deny itself. Forking this early costs well under a millisecond, and the parent
imports nothing beyond what the interpreter already has.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

# Claude Code gives a hook 60 s by default; answering deny before that keeps a slow decision from becoming a run.
DEADLINE = 50.0


def supervise(work: Callable[[str], str], failure: Callable[[str, str], str], *,
              deadline: float | Callable[[str], float] = DEADLINE) -> int:  # fmt: skip
    """Read stdin, run `work(stdin) -> answer` in a child, print its answer; on any failure print
    `failure(stdin, why)` instead. Always returns 0: the answer, not the exit code, carries the decision.
    `deadline` may depend on the input (a Stop hook runs the project's checks)."""
    data = sys.stdin.read()
    seconds = deadline(data) if callable(deadline) else deadline
    if not hasattr(os, "fork"):  # no fork (Windows): in-process, with Python-level failures still caught
        sys.stdout.write(_in_process(work, failure, data))
        return 0
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # at the process limit: decide here (a native crash now ends with no answer, which the
        os.close(read_end)  # fail-closed wrapper around the hook command turns into a block)
        os.close(write_end)
        sys.stdout.write(_in_process(work, failure, data))
        return 0
    if pid == 0:  # the child: decide, hand the answer over, and leave without running any parent cleanup
        os.close(read_end)
        status = 0
        try:
            _write_all(write_end, work(data).encode("utf-8"))
        except BaseException:
            status = 70
        os._exit(status)
    os.close(write_end)
    answer, why = _collect(pid, read_end, seconds)
    sys.stdout.write(answer if why is None else failure(data, why))
    return 0


def _in_process(work: Callable[[str], str], failure: Callable[[str, str], str], data: str) -> str:
    try:
        return work(data)
    except Exception as exc:
        return failure(data, f"{type(exc).__name__}: {exc}")


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]
    os.close(fd)


def _collect(pid: int, fd: int, deadline: float) -> tuple[str, str | None]:
    """The child's answer, or why there is none (it crashed, failed, or ran past the deadline)."""
    import select
    import time

    chunks: list[bytes] = []
    end = time.monotonic() + deadline
    while True:
        left = end - time.monotonic()
        ready, _, _ = select.select([fd], [], [], max(left, 0))
        if not ready:
            _kill(pid)
            os.close(fd)
            return "", f"agentguard took longer than {deadline:.0f} s to decide"
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "", f"agentguard's decision process was killed by signal {os.WTERMSIG(status)}"
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return "", "agentguard's decision process failed"
    return b"".join(chunks).decode("utf-8"), None


def _kill(pid: int) -> None:
    import signal

    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except OSError:
        pass
