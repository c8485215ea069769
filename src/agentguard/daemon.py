"""`agentguard daemon`: the gate as a long-lived process that hook clients ask over a Unix socket.

The daemon imports the whole gate once, then keeps a few forked children waiting on the socket: each takes a
call, decides with the same code a hook process runs (hosts.claude.answer), writes the answer and waits for the
next, up to CALLS_PER_CHILD calls; the parent forks replacements. A crash in native code, or a decision past the
deadline, ends that child alone (its client then gets no answer and denies), and the parent never opens a
database, so no SQLite connection crosses a fork.

In protected mode the daemon runs as its own system user: the state dir, keys, ledger and snapshots belong to
that user and the agent's user cannot write them. The caller's identity comes from the kernel (SO_PEERCRED):
`~` in the agent's commands is the home of the uid that connected, never a value the client sends.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from agentguard.hook_client import read_until_closed

if TYPE_CHECKING:
    from agentguard.state import Places

GREETING = b"agentguard 1 hook "  # the request's first line, then the host (hook_client.py writes it)
DEADLINE = 50  # seconds a child may take; the client waits 55 and Claude Code 60
MAX_REQUEST = 4 << 20
POOL = 6  # warm children waiting for a call
FORWARDED_ENV = ("CLAUDE_PROJECT_DIR", "CLAUDE_CODE_ENTRYPOINT")


class _Stop(BaseException):
    """SIGTERM or SIGINT: stop serving. A BaseException, as KeyboardInterrupt is: the handler raises it wherever
    the parent is, and an `except Exception` there (loading a policy for a hint) must not swallow the stop
    (it did: a daemon told to stop while warming a policy kept serving)."""


class Peer(NamedTuple):
    """Who is on the other end of a Unix socket, as the kernel says."""

    pid: int
    uid: int
    gid: int


def peer_of(conn: socket.socket) -> Peer:
    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return Peer(pid, uid, gid)


def default_socket(state_dir: str) -> str:
    return os.path.join(state_dir, "agentguard.sock")


def serve(socket_path: str, *, workers: int = POOL, on_ready: Callable[[], None] | None = None) -> None:
    """Bind, warm up, and keep `workers` warm children waiting on the socket until SIGTERM or SIGINT.

    Each child answers up to CALLS_PER_CHILD calls, one at a time, then exits. A child tells the parent the
    moment it takes a call (one byte on a pipe) and when it waits again, so the parent forks a replacement
    only while too few wait: the fork and the new child's first touches of the parent's memory (copy-on-write
    faults, most of a fresh fork's cost) are paid once per CALLS_PER_CHILD calls, not per call (bench_gate, 50
    calls at once through the compiled client: median 258 ms with a child per call, 112 ms reused).

    After answering, a child names the project it decided for (a hint on the same pipe), and the parent loads
    that project's policy into its own memory: the children forked after it find it there (~2 ms each)."""
    warm()
    listener = _bind(socket_path)
    taken_r, taken_w = os.pipe()
    children: set[int] = set()
    idle = 0
    pipe = _Messages()

    def stop(signum: int, frame: object) -> None:
        raise _Stop  # out of select(), which Python would otherwise resume after the handler (PEP 475)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if on_ready is not None:
        on_ready()
    try:
        while True:
            while idle < workers:
                pid = _fork_worker(listener, taken_w)
                if pid is None:
                    break  # fork failed (process limit): the waiting children still answer; retry soon
                children.add(pid)
                idle += 1
            readable, _, _ = select.select([taken_r], [], [], 0.5)
            if readable:
                taken, ready, hints = pipe.feed(os.read(taken_r, 4096))
                idle += ready - taken
                for hint in hints:
                    _warm_policy(hint)
            children -= _reaped(children)
            idle = min(idle, len(children))
    except _Stop:
        pass
    finally:
        _stop_all(children)
        listener.close()
        _unlink(socket_path)


def _reaped(children: set[int]) -> set[int]:
    done = set()
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue
        done.add(pid)
    return done


# One command per family, so a forked child finds its modules loaded (~100 ms of imports, sqlglot's alone).
WARM = ("ls", "rm -f x", "git status", "sqlite3 x.db 'DELETE FROM t'", "psql -c 'select 1'", "aws s3 ls",
        "gcloud projects list", "kubectl get pods", "docker ps", "terraform plan", "python -c 'print(1)'",
        "node -e '1'", "kill 1", "gh pr list", "curl -s https://example.com", "make test", "npm test")  # fmt: skip


def warm() -> None:
    """Import everything a decision needs: one command of each family analysed, then whole decisions (policy,
    ledger, snapshot code) made against a throwaway state dir. Every file and connection they open is closed
    before the first fork."""
    import shutil
    import tempfile

    from agentguard.analysis import analyze
    from agentguard.hosts.claude import answer
    from agentguard.models import Action

    for command in WARM:  # analyze never raises: what it cannot work out is an unknown effect
        analyze(Action.shell(command, "/"), home="/nonexistent", project_root="/nonexistent")
    scratch = tempfile.mkdtemp(prefix="agentguard-warm-")
    saved = {k: os.environ.get(k) for k in ("AGENTGUARD_HOME", "CLAUDE_PROJECT_DIR")}
    try:
        os.environ["AGENTGUARD_HOME"] = os.path.join(scratch, "home")
        os.environ.pop("CLAUDE_PROJECT_DIR", None)
        from agentguard.state import Places

        _no_sync(Places.from_env())
        for command in ("ls", "rm -rf /", "rm -f x.db"):
            hook = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
                    "cwd": scratch, "session_id": "warm-up"}  # fmt: skip
            answer(json.dumps(hook))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(scratch, ignore_errors=True)


def _no_sync(places: Places) -> None:
    """Mark the throwaway ledger's sync as just started: a detached sync spawned by the warm-up decisions would
    outlive the scratch folder and create it again after it is removed (seen: one leftover folder per start)."""
    from agentguard.ledger.paths import LedgerPaths
    from agentguard.ledger.sync import SyncState, state_path, write_state

    folder = LedgerPaths.from_places(places).folder
    os.makedirs(folder, exist_ok=True)
    write_state(state_path(folder), SyncState(started=int(time.time())))


def _bind(path: str) -> socket.socket:
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, mode=0o755, exist_ok=True)
    _unlink(path)  # a socket left by a daemon that was killed
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o666)  # any local user may ask for a decision; what is decided is the daemon's business
    listener.listen(128)
    return listener


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _fork_worker(listener: socket.socket, taken: int) -> int | None:
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid:
        return pid
    status = 0
    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, signal.SIG_DFL)
        _touch()
        for served in range(1, CALLS_PER_CHILD + 1):
            conn, _ = listener.accept()
            os.write(taken, TAKEN)  # the parent forks a replacement if too few children wait now
            signal.alarm(DEADLINE)  # past the deadline the child is killed; its client gets no answer and denies
            _answer_one(conn)
            signal.alarm(0)
            _send_hint(taken)
            if served < CALLS_PER_CHILD:
                os.write(taken, READY)
    except BaseException:
        status = 70
    finally:
        os._exit(status)


# On the children's pipe: a call taken; waiting for the next call again; a hint, up to END.
TAKEN, READY, HINT, END = b"\x00", b"\x02", b"\x01", b"\n"
# Calls one child answers before it exits. Each decision starts from the same state (the environment is set
# per call, the policy memo is keyed by everything it was built from); a crash still ends one child, and only
# the call it was answering, whose client then denies.
CALLS_PER_CHILD = 32


class _Messages:
    """The parent's side of the pipe: counts calls taken and collects whole hints across reads."""

    def __init__(self) -> None:
        self.partial = b""

    def feed(self, data: bytes) -> tuple[int, int, list[bytes]]:
        """(calls taken, children waiting again, whole hints) in `data` and what earlier reads left."""
        taken, ready, hints = 0, 0, []
        data = self.partial + data
        while data:
            if data[:1] == HINT:
                body, found, rest = data[1:].partition(END)
                if not found:
                    break  # the rest of this hint comes with the next read
                hints.append(body)
                data = rest
            else:
                taken += data[:1] == TAKEN
                ready += data[:1] == READY
                data = data[1:]
        self.partial = data
        return taken, ready, hints


_decided_for: tuple[str, str] | None = None  # (home, project root) of the call this child answered


def _send_hint(taken: int) -> None:
    """Tell the parent which project this child decided for (best effort: a lost hint costs only speed)."""
    if _decided_for is None:
        return
    body = json.dumps(_decided_for).encode("utf-8")
    if len(body) < 4000 and END not in body:  # one write under PIPE_BUF arrives whole
        with contextlib.suppress(OSError):
            os.write(taken, HINT + body + END)


def _warm_policy(hint: bytes) -> None:
    """Load a project's policy in the parent, as its caller's children would (never raises: a policy that
    does not load is the children's to report, as a denial)."""
    try:
        home, root = json.loads(hint)
        saved = os.environ.get("HOME")
        os.environ["HOME"] = home
        try:
            from agentguard.pipeline import Gate

            Gate.from_env().policy(root)
        finally:
            if saved is None:
                os.environ.pop("HOME", None)
            else:
                os.environ["HOME"] = saved
    except Exception:
        return


def _touch() -> None:
    """Make a decision nobody asked for (no ledger, nothing written): the pages a real one touches are this
    child's own before a client waits on it."""
    from agentguard.analysis import analyze
    from agentguard.models import Action

    analyze(Action.shell("ls -la && rm -f x.db", "/"), home="/nonexistent", project_root="/nonexistent")


def _stop_all(children: set[int], grace: float = 5.0) -> None:
    """SIGTERM to every child at once, then SIGKILL to any still there after `grace` seconds."""
    for pid in children:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    left = set(children)
    while left and time.monotonic() < deadline:
        for pid in list(left):
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == 0:
                    continue
            left.discard(pid)
        time.sleep(0.02)
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _answer_one(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(10)
        try:
            host, env, data = parse_request(_read_request(conn))
            reply = b"ok\n" + handle(host, env, data, peer_of(conn)).encode("utf-8")
        except RequestError as exc:
            reply = b"error " + str(exc).replace("\n", " ").encode("utf-8") + b"\n"
        conn.sendall(reply)


class RequestError(Exception):
    """A request the daemon does not answer with a decision (the client denies, with this reason)."""


def _read_request(conn: socket.socket) -> bytes:
    raw = read_until_closed(conn, MAX_REQUEST)
    if raw is None:
        raise RequestError("the request is too large")
    return raw


def parse_request(raw: bytes) -> tuple[str, dict[str, str], str]:
    """`agentguard 1 hook HOST`, NAME=value lines, a blank line, the hook input (hook_client.request's form)."""
    head, sep, body = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    if not sep or not lines[0].startswith(GREETING):
        raise RequestError(f"not a request of this daemon's protocol ({GREETING.decode().strip()} HOST)")
    try:
        host = lines[0][len(GREETING) :].decode("ascii")
        env = dict(line.decode("utf-8").partition("=")[::2] for line in lines[1:])
        data = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("the request is not UTF-8") from None
    return host, env, data


def handle(host: str, env: dict[str, str], data: str, peer: Peer) -> str:
    """The host's answer to one hook request, decided as the hook process would, for the peer's user."""
    if host != "claude":
        raise RequestError(f"unknown host {host!r}: this daemon answers hooks for claude")
    global _decided_for
    _become_callers_environment(peer, env)
    from agentguard.hosts.claude import answer

    reply = answer(data)
    _decided_for = _project_of(data)
    return reply


def _project_of(data: str) -> tuple[str, str] | None:
    """(home, project root) as the gate saw them for this hook input, or None."""
    from agentguard.state import find_project_root

    try:
        cwd = json.loads(data).get("cwd")
    except ValueError:
        return None
    root = os.environ.get("CLAUDE_PROJECT_DIR") or (find_project_root(cwd) if isinstance(cwd, str) else None)
    return (os.environ.get("HOME", ""), root) if root else None


def _become_callers_environment(peer: Peer, env: dict[str, str]) -> None:
    """`~` is the caller's home (from the password database, by the uid the kernel reported)."""
    import pwd

    try:
        os.environ["HOME"] = pwd.getpwuid(peer.uid).pw_dir
    except KeyError:
        raise RequestError(f"uid {peer.uid} has no entry in the password database") from None
    for name in FORWARDED_ENV:
        value = env.get(name)
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)


def main(socket_path: str) -> int:
    def ready() -> None:
        print(f"agentguard daemon: answering on {socket_path} (pid {os.getpid()})", file=sys.stderr, flush=True)

    serve(socket_path, on_ready=ready)
    return 0
