"""Who may use the dashboard, and which POSTs are genuine.

The URL the dashboard prints carries a random token; the first visit with it sets an HttpOnly, SameSite=Strict
cookie so later links need not carry it. Every state-changing request is a POST carrying a form nonce that was
issued for that very path: one-time, expiring after NONCE_SECONDS, so a link or a form copied from the page or
an alert cannot be replayed. GET handlers change nothing.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

COOKIE = "agentguard_dashboard"
NONCE_SECONDS = 600


@dataclass
class Nonces:
    """Form nonces, each for one path, used at most once, within NONCE_SECONDS."""

    issued: dict[str, tuple[str, float]] = field(default_factory=dict)  # nonce → (path, expires)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, path: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        nonce = secrets.token_urlsafe(24)
        with self.lock:
            self.issued = {k: v for k, v in self.issued.items() if v[1] > now}  # drop the expired
            self.issued[nonce] = (path, now + NONCE_SECONDS)
        return nonce

    def redeem(self, nonce: str, path: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        with self.lock:
            found = self.issued.pop(nonce, None)
        return found is not None and found[0] == path and found[1] > now


def same_token(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)


def allowed_host(host: str | None, port: int) -> bool:
    """Only the loopback names (a page from another site that rebinds its DNS to 127.0.0.1 is refused)."""
    return host in (f"127.0.0.1:{port}", f"localhost:{port}")
