"""The hook command in protected mode: a stdlib-only client that hands the host's hook input to the agentguard
daemon over its Unix socket and prints the answer. It imports nothing from agentguard, so it runs as
`python3 -I -S hook_client.py` from a root-owned file that the agent's user cannot change, in ~15 ms.

Every failure (no daemon, a refused or timed-out connection, an answer that is not the protocol's, a crash
here) is a deny: the reason on stderr, exit code 2, which Claude Code treats as a block. An allow prints `{}`
rather than nothing, so the shell wrapper around this command can tell "allowed" from "said nothing".

    python3 -I -S hook_client.py --socket /run/agentguard/agentguard.sock claude < hook.json
"""

from __future__ import annotations

import _socket  # the C module: `socket` imports enum and selectors (~5 ms); this client must start fast
import os
import sys

GREETING = b"agentguard 1 hook "  # then the host, a newline, NAME=value lines, a blank line, the hook input
TIMEOUT = 55.0  # Claude Code gives a hook 60 s; the daemon's own deadline for a decision is 50 s
FORWARDED_ENV = ("CLAUDE_PROJECT_DIR", "CLAUDE_CODE_ENTRYPOINT")  # what the gate needs from the host's environment
MAX_ANSWER = 1 << 20
DOCTOR = "run `agentguard doctor` (protected mode: `sudo agentguard system status`)"


class NoDecision(Exception):
    """The daemon gave no usable answer: the call is denied."""


def main(argv: list[str]) -> int:
    try:
        socket_path, host, timeout = _args(argv)
        data = sys.stdin.buffer.read()
        answer = ask(socket_path, host, data, timeout)
    except NoDecision as exc:
        return _deny(str(exc))
    except BaseException as exc:  # a crash here must still block the tool, never let it run
        return _deny(f"the hook client failed ({type(exc).__name__}: {exc})")
    sys.stdout.write(answer if answer.strip() else "{}\n")
    sys.stdout.flush()
    return 0


def request(host: str, data: bytes, environ: dict[str, str]) -> bytes:
    lines = [f"{k}={environ[k]}" for k in FORWARDED_ENV if environ.get(k) and "\n" not in environ[k]]
    header = GREETING + host.encode() + b"\n" + "".join(line + "\n" for line in lines).encode()
    return header + b"\n" + data


def ask(socket_path: str, host: str, data: bytes, timeout: float = TIMEOUT) -> str:
    """One request, one answer: the daemon's text for the host, or NoDecision saying why there is none."""
    try:
        conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            conn.settimeout(timeout)
            conn.connect(socket_path)
            conn.sendall(request(host, data, dict(os.environ)))
            conn.shutdown(_socket.SHUT_WR)
            raw = read_until_closed(conn, MAX_ANSWER)
            if raw is None:
                raise NoDecision("the daemon's answer is too long")
        finally:
            conn.close()
    except TimeoutError:
        raise NoDecision(f"the agentguard daemon did not answer within {timeout:g} s") from None
    except FileNotFoundError:
        raise NoDecision(f"the agentguard daemon is not running (no socket at {socket_path})") from None
    except OSError as exc:
        raise NoDecision(f"cannot reach the agentguard daemon at {socket_path}: {exc.strerror or exc}") from None
    return _answer(raw)


def read_until_closed(conn: _socket.socket, limit: int) -> bytes | None:
    """Everything the other end sends until it shuts its side; None past `limit` bytes (both ends of the
    protocol read this way: the daemon its request, the client its answer)."""
    chunks, size = [], 0
    while chunk := conn.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(chunks)


def _answer(raw: bytes) -> str:
    """`ok` and a newline, then the host's answer; or `error` and the reason."""
    if not raw:
        raise NoDecision("the agentguard daemon closed the connection without an answer (it may have crashed)")
    status, _, rest = raw.partition(b"\n")
    try:
        text = rest.decode("utf-8")
    except UnicodeDecodeError:
        raise NoDecision("the agentguard daemon's answer is not UTF-8") from None
    if status == b"ok":
        return text
    if status.startswith(b"error"):
        reason = status[5:].decode("utf-8", "replace").strip() or "no reason given"
        raise NoDecision(f"the agentguard daemon refused: {reason}")
    raise NoDecision("the agentguard daemon's answer is not in its protocol")


def _args(argv: list[str]) -> tuple[str, str, float]:
    """`--socket PATH [--timeout SECONDS] claude`; a timeout above Claude Code's own limit is cut to TIMEOUT."""
    timeout = TIMEOUT
    if len(argv) == 5 and argv[2] == "--timeout":
        try:
            timeout = min(float(argv[3]), TIMEOUT)
        except ValueError:
            timeout = -1.0
        argv = [*argv[:2], argv[4]]
    if len(argv) == 3 and argv[0] == "--socket" and argv[2] == "claude" and timeout > 0:
        return argv[1], argv[2], timeout
    raise NoDecision(f"usage: hook_client.py --socket PATH [--timeout SECONDS] claude (got {' '.join(argv)})")


def _deny(why: str) -> int:
    sys.stderr.write(f"agentguard: no decision, so this call is blocked: {why}; {DOCTOR}\n")
    sys.stderr.flush()
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
