"""Console entry point. `agentguard hook claude` skips click entirely: it runs on every tool call."""

from __future__ import annotations

import gc
import os
import sys
import types
from typing import NoReturn

# Imported by the hook path but needed there only in rare cases: `dataclasses` imports `inspect` (with ast,
# dis, tokenize: ~5 ms) yet calls it only for a dataclass without a docstring.
DEFERRED = ("inspect",)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:2] == ["hook", "claude"] and len(args) == 2:
        # A hook process lives for one decision: the cyclic GC would only rescan what the imports just built
        # (~35 passes, ~3 ms); reference counting still frees everything else, and the process exits soon.
        gc.disable()
        defer_imports(DEFERRED)
        from agentguard.hosts.claude import answer, deadline_for, failure_answer
        from agentguard.hosts.supervise import supervise

        # A crash below, even in native code, answers deny (a blocked stop for a stop).
        fast_exit(supervise(answer, failure_answer, deadline=deadline_for))
    from agentguard.system.cli_mode import apply

    apply(args)  # protected mode: the daemon's state for root, sudo for everyone else
    from agentguard.cli.app import cli

    cli.main(args=args, prog_name="agentguard")


class _Deferred(types.ModuleType):
    """Stands in for a module until one of its attributes is read, then imports it and becomes a copy of it.

    Not importlib.util.LazyLoader: on 3.11 `import x` reads `x.__spec__`, which makes LazyLoader load at once.
    Here `__spec__` is a real attribute, so only a use of the module loads it."""

    def __getattr__(self, attr: str) -> object:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = __import__(name)
        self.__dict__.update(real.__dict__)
        return getattr(real, attr)


def defer_imports(names: tuple[str, ...]) -> None:
    """Put a stand-in for each not yet imported top-level module in sys.modules (the hook process only)."""
    from importlib.machinery import PathFinder

    for name in names:
        if name in sys.modules:
            continue
        spec = PathFinder.find_spec(name)
        if spec is None:
            continue  # unusual layout: the import simply happens when asked for
        stand_in = _Deferred(name)
        stand_in.__spec__ = spec
        sys.modules[name] = stand_in


def fast_exit(code: int) -> NoReturn:
    """Exit without tearing the interpreter down (~5 ms of every hook call) when nothing is left to run at exit:
    no atexit handler (logging, for one, registers one) and no other thread. Otherwise the ordinary exit."""
    sys.stdout.flush()
    sys.stderr.flush()
    if _nothing_left_at_exit():
        os._exit(code)
    sys.exit(code)


def _nothing_left_at_exit() -> bool:
    import atexit

    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return False
    count = getattr(atexit, "_ncallbacks", None)  # CPython's; elsewhere, take the ordinary exit
    return count is not None and count() == 0
