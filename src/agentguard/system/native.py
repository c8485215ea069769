"""Build the compiled hook client (hook_client.c) with the system's C compiler, libc only.

A stamp beside the binary holds the source's digest, so a repair run rebuilds it only when the source changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hook_client.c")
FLAGS = ("-O2", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror")


def stamp(binary: str) -> str:
    return binary + ".sha256"


def _digest() -> str:
    return hashlib.sha256(Path(SOURCE).read_bytes()).hexdigest()


def up_to_date(binary: str) -> bool:
    try:
        return os.access(binary, os.X_OK) and Path(stamp(binary)).read_text().strip() == _digest()
    except OSError:
        return False


def build(binary: str) -> str | None:
    """Compile the client to `binary` (mode 0755, put in place atomically); None when built, else why not."""
    compiler = next((c for c in (os.environ.get("CC"), "cc", "gcc", "clang") if c and shutil.which(c)), None)
    if compiler is None:
        return "no cc, gcc or clang on PATH"
    temporary = f"{binary}.{os.getpid()}.new"
    done = subprocess.run([compiler, *FLAGS, "-o", temporary, SOURCE], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        return f"{compiler} failed: {done.stderr.strip()[-500:]}"
    os.chmod(temporary, 0o755)
    os.replace(temporary, binary)
    Path(stamp(binary)).write_text(_digest() + "\n")
    return None
