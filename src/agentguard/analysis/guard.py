"""The agent must not switch its own guard off: `agentguard` run from the agent's side may only look.

Commands that change the guard (mode, init, policy edits, ledger resolution, restore, uninstall) are
`guard.tamper`, which the default policy denies. A human runs them in their own terminal, outside the hook.
"""

from __future__ import annotations

import re

from agentguard.analysis.spec.vocabulary import destroys
from agentguard.analysis.types import Context, Handler, Invocation
from agentguard.models import Effect, Kind

# Sub-commands that only report. Everything else changes the guard's state or wiring; `ledger sync` too: it
# only publishes checkpoints and sends alerts, but it writes ledger events and could flood the admin's phone.
READ_ONLY = {
    ("check",), ("explain",), ("doctor",), ("policy", "test"), ("policy", "show"), ("mode", "show"),
    ("ledger", "verify"), ("ledger", "list"), ("ledger", "show"), ("ledger", "breaks"),
    ("ledger", "verify-proof"), ("ledger", "prove"), ("ledger", "consistency"), ("snapshots", "list"),
    ("snapshots", "show"), ("approvals", "list"), ("approvals", "show"), ("plan", "show"),
    ("snapshots", "verify"), ("version",), ("--version",), ("--help",), ("help",), ("demo",),
    ("receipts", "list"), ("receipts", "show"), ("receipts", "verify"), ("review", "status"), ("review", "hook"),
}  # fmt: skip


def agentguard(inv: Invocation, ctx: Context) -> list[Effect]:
    words = [w.text for w in inv.args if not w.text.startswith("-") or w.text in ("--version", "--help")]
    if any(not w.known for w in inv.args):
        return [Effect.make(Kind.GUARD_TAMPER, "agentguard", "runs agentguard with arguments not known "
                            "before it runs", source=inv.source)]  # fmt: skip
    # `ledger prove -o FILE` writes wherever it is told, `ledger verify --declare` stamps breaks: not reads.
    flags = [w.text for w in inv.args if w.text.startswith("-")]
    writes = (words[:2] == ["ledger", "prove"] and any(f.startswith(("-o", "--output")) for f in flags)) or (
        words[:2] == ["ledger", "verify"] and "--declare" in flags
    )
    if not writes and (not words or tuple(words[:1]) in READ_ONLY or tuple(words[:2]) in READ_ONLY):
        return [Effect.make(Kind.READ, "agentguard", "asks agentguard for information", source=inv.source)]
    if words[:1] == ["mode"] and len(words) == 1:
        return [Effect.make(Kind.READ, "agentguard", "shows the mode", source=inv.source)]
    return [
        Effect.make(
            Kind.GUARD_TAMPER,
            "agentguard " + " ".join(words[:2]),
            "changes agentguard itself (only a human may, outside the agent)",
            source=inv.source,
        )
    ]


HANDLERS: dict[str, Handler] = {"agentguard": agentguard}


def pip(inv: Invocation, ctx: Context) -> list[Effect]:
    texts = [w.text for w in inv.args]
    names_guard = any(re.split(r"[<>=!~\[ @]", t.lower(), maxsplit=1)[0] == "agentguard" for t in texts)
    if names_guard and any(t in ("uninstall", "install", "reinstall", "upgrade", "inject") for t in texts):
        # Replacing, downgrading or removing the guard changes what protects the machine: a human does that.
        return [Effect.make(Kind.GUARD_TAMPER, "agentguard", f"{inv.name} changes the installed agentguard",
                            source=inv.source)]  # fmt: skip
    verb = next((t for t in texts if not t.startswith("-")), "")
    if destroys(verb):  # the spec vocabulary: `pip uninstall`, `pipx uninstall-all`
        return [Effect.make(Kind.EXEC_MUTATE, "python packages", f"{inv.name} {verb} removes installed packages",
                            source=inv.source)]  # fmt: skip
    kind = Kind.READ if verb in ("list", "show", "freeze", "check", "search", "index", "--version") else Kind.EXEC_BUILD
    effects = [Effect.make(kind, "python packages", f"pip {verb}".strip(), source=inv.source)]
    if verb in ("install", "download", "wheel") or kind != Kind.READ:
        effects += _install_places(inv)
    return effects + (_local_builds(inv, ctx) if verb == "install" else [])


PLACE_OPTIONS = ("--target", "-t", "--prefix", "--root", "--src")


def _install_places(inv: Invocation) -> list[Effect]:
    """Where the packages go, when the line says: the environment of a pip named by path (`venv/bin/pip`,
    `venv/bin/python -m pip`) or a --target/--prefix/--root folder. A package can ship a `.pth` file that runs
    at every start of that environment's python: installing into agentguard's own is tampering with it."""
    import os

    if inv.cwd is None:
        return []
    places = []
    program = inv.words[0].text if inv.words else ""
    if "/" in program and inv.words[0].known:
        places.append(os.path.dirname(os.path.dirname(os.path.join(inv.cwd, program))))
    args = inv.args
    for i, word in enumerate(args):
        option, _, value = word.text.partition("=")
        if option in PLACE_OPTIONS and not value and i + 1 < len(args) and args[i + 1].known:
            value = args[i + 1].text
        if option in PLACE_OPTIONS and value:
            places.append(os.path.join(inv.cwd, os.path.expanduser(value)))
    return [Effect.make(Kind.FILE_WRITE, os.path.normpath(p), f"{inv.name} installs packages into",
                        source=inv.source, path=os.path.normpath(p), is_dir=True) for p in places]  # fmt: skip


def _local_builds(inv: Invocation, ctx: Context) -> list[Effect]:
    """`pip install -e .` / `pip install ./pkg` runs that project's setup.py: judged as the code it is."""
    import os

    from agentguard.analysis.tasks import setup_py

    effects: list[Effect] = []
    for word in inv.args:
        local = word.text.startswith((".", "/")) or word.text.startswith("file:")
        if word.known and local and inv.cwd is not None:
            directory = os.path.normpath(os.path.join(inv.cwd, word.text.removeprefix("file:")))
            effects += setup_py(directory, inv, ctx) if os.path.isdir(directory) else []
    return effects


HANDLERS.update({"pip": pip, "pip3": pip, "pipx": pip})
