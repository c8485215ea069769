"""Real projects for the receipts tests: a git repo with a module, its pytest tests, and agentguard.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

GIT = ["git", "-c", "user.name=tests", "-c", "user.email=tests@example.invalid"]
PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"
CALC = "def add(a, b):\n    return a + b\n"
CALC_BROKEN = "def add(a, b):\n    return a - b\n"
TEST_CALC = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def git(root: Path, *args: str) -> str:
    done = subprocess.run([*GIT, "-C", str(root), *args], check=True, capture_output=True, text=True)
    return done.stdout


def make_pytest_project(root: Path, *, checks: tuple[str, ...] = (PYTEST,), extra_toml: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root.parent, "init", "-q", "-b", "main", str(root))
    (root / "calc.py").write_text(CALC)
    (root / "test_calc.py").write_text(TEST_CALC)
    (root / ".gitignore").write_text("__pycache__/\n*.pyc\n")
    listed = ", ".join(f'"{c}"' for c in checks)
    (root / "agentguard.toml").write_text(f"[receipts]\nchecks = [{listed}]\n{extra_toml}")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def stop_payload(root: Path, session: str = "s1", event: str = "Stop", active: bool = False) -> dict[str, object]:
    return {"hook_event_name": event, "session_id": session, "cwd": str(root), "stop_hook_active": active,
            "transcript_path": "/dev/null"}  # fmt: skip


BREAKER = "class CircuitBreaker:\n    def call(self, fn):\n        return fn()\n"
REVIEW_TOML = '[review]\nprotected = ["**/circuit_breaker*", "src/payments/**"]\n'


def make_payments_project(tmp: Path, *, toml: str = REVIEW_TOML) -> Path:
    """A payments service with a circuit breaker, pushed to a real bare remote that main tracks."""
    remote = tmp / "remote.git"
    git(tmp, "init", "-q", "--bare", "-b", "main", str(remote))
    root = tmp / "shop"
    root.mkdir()
    git(tmp, "init", "-q", "-b", "main", str(root))
    (root / "src" / "payments").mkdir(parents=True)
    (root / "src" / "payments" / "circuit_breaker.py").write_text(BREAKER)
    (root / "src" / "payments" / "charge.py").write_text("def charge(amount):\n    return amount\n")
    (root / "README.md").write_text("shop\n")
    (root / "deploy.sh").write_text("#!/bin/sh\necho deployed > deployed.txt\n")
    (root / "deploy.sh").chmod(0o755)
    (root / "agentguard.toml").write_text(toml)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    git(root, "config", "user.name", "agent")  # the agent's commits (its HOME has no git identity)
    git(root, "config", "user.email", "agent@example.invalid")
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "-u", "origin", "main")
    return root


def big_rewrite_text(lines: int = 1500) -> str:
    return "".join(f"def step_{i}(x):\n    return x + {i}\n\n" for i in range(lines // 3))


def big_rewrite(root: Path) -> None:
    """The incident: a 1,500-line rewrite of the payment code, its circuit breaker removed."""
    (root / "src" / "payments" / "engine.py").write_text(big_rewrite_text())
    (root / "src" / "payments" / "circuit_breaker.py").unlink()
