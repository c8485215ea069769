"""What the receivers got (a plain module, named apart from other folders' conftest)."""

from __future__ import annotations

import threading
import time
from typing import Any, NamedTuple


class Mail(NamedTuple):
    subject: str
    body: str


class Inbox:
    """What the receivers got; `wait` polls for a matching message (notifications are sent in the background)."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.lock = threading.Lock()

    def add(self, item: Any) -> None:
        with self.lock:
            self.items.append(item)

    def wait(self, text: str, within: float = 30) -> Any:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self.lock:
                found = [i for i in self.items if text in str(i)]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no notification with {text!r} arrived; got {self.items}")
