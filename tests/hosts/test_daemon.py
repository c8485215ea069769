"""`agentguard daemon` and the stdlib-only hook client: real processes on a real Unix socket.

The client must turn every failure into exit 2 (a block in Claude Code) with a reason, and print `{}` for an
allow; the daemon decides as the hook process does, for the home of the uid the kernel says is calling."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentguard import hook_client
from agentguard.daemon import parse_request
from agentguard.ledger import Ledger
from agentguard.state import Places

CLIENT = hook_client.__file__
AGENTGUARD = os.path.join(os.path.dirname(sys.executable), "agentguard")
# The client runs as Claude Code would run it: isolated, no site-packages, so nothing of agentguard's.
PYTHON = [sys.executable, "-I", "-S", CLIENT]


def hook_input(command: str, cwd: Path, event: str = "PreToolUse") -> str:
    return json.dumps({"hook_event_name": event, "tool_name": "Bash", "tool_input": {"command": command},
                       "cwd": str(cwd), "session_id": "d1", "tool_use_id": "t1"})  # fmt: skip


CLIENTS: dict[str, list[str]] = {"python": PYTHON}


@pytest.fixture(scope="session", params=["python", "native"])
def client_argv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Each test of the client runs against both: the Python one and the compiled one (hook_client.c)."""
    if request.param == "python":
        return PYTHON
    from agentguard.system import native

    binary = str(tmp_path_factory.mktemp("native") / "hook-client")
    why = native.build(binary)
    if why is not None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"the compiled hook client did not build: {why}")
        pytest.skip(f"the compiled hook client did not build: {why}")
    return [binary]


def client(sock: str, data: str, *extra: str, argv: list[str] = PYTHON) -> subprocess.CompletedProcess[str]:
    command = [*argv, "--socket", sock, *extra, "claude"]
    return subprocess.run(command, input=data, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def sock(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("s", numbered=True) / "ag.sock")  # short: sun_path holds 108 bytes


@pytest.fixture
def daemon(sock: str) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [AGENTGUARD, "daemon", "--socket", sock], stderr=subprocess.PIPE, text=True, start_new_session=True
    )  # its own process group: its children go with it
    try:  # stopped whatever happens, a start that timed out included (it left a daemon running once)
        deadline = time.monotonic() + 60
        while not os.path.exists(sock):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the daemon did not start"
            time.sleep(0.05)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_the_daemon_decides_like_the_hook_and_records_each_call(
    daemon: object, sock: str, project: Path, client_argv: list[str]
) -> None:
    allowed = client(sock, hook_input("ls", project), argv=client_argv)
    assert (allowed.returncode, allowed.stdout) == (0, "{}\n")
    denied = client(sock, hook_input("rm -rf /", project), argv=client_argv)
    assert denied.returncode == 0
    assert json.loads(denied.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    asked = client(sock, hook_input("rm -f .agentic-qe/*.db", project), argv=client_argv)
    assert "memory.db" in json.loads(asked.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    after = client(sock, hook_input("ls", project, "PostToolUse"), argv=client_argv)
    assert (after.returncode, after.stdout) == (0, "{}\n")
    with Ledger.open(Places.from_env(), readonly=True) as reader:
        verdicts = [e.payload["verdict"] for e in reader.events(kind="decision")]
        outcomes = list(reader.events(kind="outcome"))
    assert verdicts == ["allow", "deny", "ask"] and len(outcomes) == 1


def test_the_callers_home_is_the_one_the_kernel_names(daemon: object, sock: str, project: Path) -> None:
    """`rm -rf ~` is judged against the caller's home from the password database, whatever HOME it sends."""
    import pwd

    home = pwd.getpwuid(os.getuid()).pw_dir
    answer = client(sock, hook_input("rm -rf ~/", project))
    reason = json.loads(answer.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    assert home in reason


def test_a_stopped_daemon_blocks_with_the_reason(sock: str, project: Path, client_argv: list[str]) -> None:
    done = client(sock, hook_input("ls", project), argv=client_argv)
    assert done.returncode == 2 and done.stdout == ""
    assert "the agentguard daemon is not running" in done.stderr and "agentguard doctor" in done.stderr


def fake_daemon(sock: str, reply: Callable[[socket.socket], None]) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock)
    listener.listen(4)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            while conn.recv(65536):  # the whole request first, as the daemon reads it
                pass
            reply(conn)

    threading.Thread(target=serve, daemon=True).start()
    return listener


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        pytest.param(lambda c: c.close(), "closed the connection without an answer", id="closes"),
        pytest.param(lambda c: c.sendall(b"hello\n{}"), "not in its protocol", id="garbage"),
        pytest.param(lambda c: c.sendall(b"error the state dir is full\n"), "the state dir is full", id="refuses"),
        pytest.param(lambda c: c.sendall(b"ok\n\xff\xfe"), "not UTF-8", id="not-utf8"),
        pytest.param(lambda c: time.sleep(3), "did not answer within 1 s", id="hangs"),
    ],
)
def test_every_bad_answer_blocks(sock: str, project: Path, reply: Callable[[socket.socket], None],
                                 reason: str, client_argv: list[str]) -> None:  # fmt: skip
    listener = fake_daemon(sock, reply)
    try:
        done = client(sock, hook_input("ls", project), "--timeout", "1", argv=client_argv)
    finally:
        listener.close()
    assert done.returncode == 2 and done.stdout == "" and reason in done.stderr


@pytest.mark.parametrize("argv", [[], ["--socket"], ["--socket", "/x", "codex"], ["--socket", "/x", "--timeout",
                                                                                   "soon", "claude"]])  # fmt: skip
def test_a_wrong_command_line_blocks(argv: list[str], client_argv: list[str]) -> None:
    done = subprocess.run([*client_argv, *argv], input="{}", capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2 and "usage: hook" in done.stderr


def test_the_client_imports_nothing_of_agentguard_and_no_json() -> None:
    probe = f"import sys, runpy; sys.argv=['c']; exec(open({CLIENT!r}).read().replace('sys.exit(main', 'int(main'))"
    done = subprocess.run([sys.executable, "-I", "-S", "-c", probe + "; print(sorted(sys.modules))"],
                          input="{}", capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    loaded = done.stdout
    assert "agentguard" not in loaded and "'json'" not in loaded and "'socket'" not in loaded


def test_a_request_not_in_the_protocol_is_refused() -> None:
    with pytest.raises(Exception, match="not a request of this daemon's protocol"):
        parse_request(b'{"op": "hook"}')
    host, env, data = parse_request(hook_client.request("claude", b'{"a": 1}', {"CLAUDE_PROJECT_DIR": "/p"}))
    assert (host, env, data) == ("claude", {"CLAUDE_PROJECT_DIR": "/p"}, '{"a": 1}')


def test_the_warm_up_starts_no_sync_that_outlives_its_scratch_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A detached sync spawned by the warm-up decisions would create the removed scratch folder again (one
    leftover `agentguard-warm-*` per daemon start, seen in /tmp)."""
    import subprocess as sp

    from agentguard import daemon

    started: list[object] = []
    real_popen = sp.Popen

    def popen(args: object, *rest: object, **kw: object) -> object:
        started.append(args)
        return real_popen(args, *rest, **kw)  # type: ignore[call-overload]

    monkeypatch.setattr(sp, "Popen", popen)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    daemon.warm()
    assert started == []
    assert list(tmp_path.iterdir()) == []


def test_the_parent_reads_calls_taken_and_whole_hints_across_reads() -> None:
    from agentguard.daemon import HINT, READY, TAKEN, _Messages

    pipe = _Messages()
    hint = HINT + b'["/home/a", "/work/p.q"]\n'
    assert pipe.feed(TAKEN + TAKEN + hint[:7]) == (2, 0, [])
    assert pipe.feed(hint[7:] + READY + TAKEN) == (1, 1, [b'["/home/a", "/work/p.q"]'])
    assert pipe.feed(b"") == (0, 0, [])


def test_a_hint_loads_the_projects_policy_into_the_parents_memory(project: Path) -> None:
    """What the children forked after a hint inherit: the project's policy, already in memory."""
    from agentguard import daemon
    from agentguard.policy import cache

    cache._memo.clear()
    daemon._warm_policy(json.dumps([os.environ["HOME"], str(project)]).encode())
    assert any(str(project) in key for key in cache._memo)
    daemon._warm_policy(b"not json")  # a bad hint changes nothing and raises nothing


def test_a_stop_that_arrives_while_a_policy_warms_is_not_swallowed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent warms policies inside `except Exception` (a hint must never break it): SIGTERM's stop, raised
    by its handler wherever the parent is, must get through that."""
    from agentguard import daemon
    from agentguard.pipeline import Gate

    def interrupted(*args: object, **kwargs: object) -> None:
        raise daemon._Stop

    monkeypatch.setattr(Gate, "policy", interrupted)
    with pytest.raises(daemon._Stop):
        daemon._warm_policy(json.dumps([os.environ["HOME"], str(project)]).encode())
