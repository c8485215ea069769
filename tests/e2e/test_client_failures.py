"""Issue 12: every way the protected-mode hook client can fail — no daemon, a daemon that answers nonsense, one
that never answers, a machine out of processes — is a block the real `claude` CLI obeys, and the database the
incident command would delete is still there.

The project's hooks are rewired to the client command protected mode writes into managed settings (the same
`Layout.hook_command`), pointed at a socket this test controls."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from claude_cli import Runner
from project_files import MEMORY_DB, MEMORY_ROWS, memory_rows
from test_claude_code import INCIDENT, assert_finished
from test_fail_closed import wire

from agentguard import hook_client
from agentguard.hosts.claude_settings import fail_closed
from agentguard.system.layout import Layout

pytestmark = pytest.mark.e2e

PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


@pytest.fixture(scope="module", params=["python", "native"])
def prefix(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Where the client lives, as `system install` lays it out: hook_client.py, and for "native" the compiled
    hook-client beside it (which Layout.hook_command then prefers)."""
    folder = tmp_path_factory.mktemp(f"client-{request.param}")
    (folder / "hook_client.py").write_bytes(Path(hook_client.__file__).read_bytes())
    if request.param == "native":
        from agentguard.system import native

        why = native.build(str(folder / "hook-client"))
        if why is not None:
            pytest.fail(f"the compiled hook client did not build: {why}")
    return str(folder)


def client_command(prefix: str, sock: Path, timeout: float | None = None) -> str:
    layout = Layout(socket=str(sock), python=PYTHON, prefix=prefix)
    if timeout is None:
        return layout.hook_command()
    native = os.access(layout.native_client, os.X_OK)
    program = (layout.native_client,) if native else (PYTHON, "-I", "-S", layout.client)
    argv = (*program, "--socket", str(sock), "--timeout", str(timeout), "claude")
    return fail_closed(" ".join(shlex.quote(a) for a in argv))


@contextlib.contextmanager
def fake_daemon(sock: Path, reply: Callable[[socket.socket], None]) -> Iterator[None]:
    """A Unix socket server that treats every connection with `reply`, on a thread, until the block ends."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(sock))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)
            with contextlib.suppress(OSError):
                reply(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def nonsense(conn: socket.socket) -> None:
    conn.recv(1 << 16)
    conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n{}")
    conn.close()


def silence(conn: socket.socket) -> None:
    conn.recv(1 << 16)  # then keep the connection open, answering nothing


def assert_blocked(run: object, project: Path) -> None:
    assert_finished(run)  # type: ignore[arg-type]
    assert memory_rows(project / MEMORY_DB) == MEMORY_ROWS
    refused = run.tool_result(0)  # type: ignore[attr-defined]
    assert refused.is_error, run.describe()  # type: ignore[attr-defined]
    assert "agentguard doctor" in refused.text or "agentguard: " in refused.text, refused.text


def test_no_daemon_blocks(runner: Runner, guarded_project: Path, tmp_path: Path, prefix: str) -> None:
    wire(guarded_project, client_command(prefix, tmp_path / "nobody-listens.sock"))

    run = runner.run(guarded_project, [INCIDENT])

    assert_blocked(run, guarded_project)
    assert "no decision" in run.tool_result(0).text


@pytest.mark.parametrize(("reply", "timeout"), [(nonsense, None), (silence, 3.0)], ids=["nonsense", "no-answer"])
def test_a_daemon_that_does_not_decide_blocks(
    runner: Runner,
    guarded_project: Path,
    tmp_path: Path,
    prefix: str,
    reply: Callable[[socket.socket], None],
    timeout: float | None,
) -> None:
    sock = tmp_path / "fake.sock"
    wire(guarded_project, client_command(prefix, sock, timeout))

    with fake_daemon(sock, reply):
        run = runner.run(guarded_project, [INCIDENT])

    assert_blocked(run, guarded_project)
    assert "no decision" in run.tool_result(0).text


def pids_cgroup() -> Path | None:
    """A fresh pids cgroup (v1, as root) to run the hook command in, or None where the machine has none."""
    base = Path("/sys/fs/cgroup/pids")
    if os.geteuid() != 0 or not (base / "cgroup.procs").exists():
        return None
    group = base / f"agentguard-test-{uuid.uuid4().hex[:8]}"
    try:
        group.mkdir()
    except OSError:
        return None
    return group


@pytest.mark.parametrize("processes", [1, 2, 3], ids=["no-fork-at-all", "one-fork", "two-forks"])
def test_a_hook_that_cannot_fork_blocks(runner: Runner, guarded_project: Path, processes: int) -> None:
    """The hook command runs in a cgroup that allows `processes` processes: the wrapper's command substitution,
    the interpreter or the hook's own supervisor cannot fork. (RLIMIT_NPROC would not do: root ignores it.)"""
    group = pids_cgroup()
    if group is None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail("no writable pids cgroup (v1) on this CI machine")
        pytest.skip("no writable pids cgroup (v1) here")
    try:
        (group / "pids.max").write_text(str(processes))
        wired = json.loads((guarded_project / ".claude" / "settings.json").read_text())
        hook = wired["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
        wire(guarded_project, f"echo $$ > {group}/cgroup.procs; {hook}")

        run = runner.run(guarded_project, [INCIDENT])

        assert_finished(run)
        assert memory_rows(guarded_project / MEMORY_DB) == MEMORY_ROWS
        assert run.tool_result(0).is_error, run.describe()
    finally:
        for _ in range(50):  # the hook's processes leave the group as they exit
            with contextlib.suppress(OSError):
                group.rmdir()
                break
            time.sleep(0.1)


@pytest.mark.parametrize("broken", ["client-missing", "python-missing"])
def test_a_client_that_cannot_run_blocks(runner: Runner, guarded_project: Path, tmp_path: Path, broken: str) -> None:
    """The client file gone, or the interpreter that runs it gone: the wrapper turns the failure into a block."""
    prefix = str(tmp_path / "gone") if broken == "client-missing" else os.path.dirname(hook_client.__file__)
    python = str(tmp_path / "no-python3") if broken == "python-missing" else PYTHON
    layout = Layout(socket=str(tmp_path / "x.sock"), python=python, prefix=prefix)
    wire(guarded_project, layout.hook_command())

    run = runner.run(guarded_project, [INCIDENT])

    assert_blocked(run, guarded_project)
    assert "the hook gave no decision" in run.tool_result(0).text
