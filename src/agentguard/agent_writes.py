"""Files the agent wrote or changed in this session, kept in the state dir.

An agent can write a program and run it in its next call: a script in a language the gate does not read, a
binary, a file too large to analyse. The gate cannot judge such code, and code the agent itself wrote a
moment ago is the code most worth asking about. Every file an allowed or asked action writes (the file tools,
and shell writes: redirections, cp, tee…) is recorded here with its session; when a later command runs one
of them and the gate cannot read it as code, the command is unknown (asked).

The list is the state dir's, which the agent cannot write through the gate; it is capped (the newest kept).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from agentguard.models import Effect, Kind
from agentguard.state import Places

NAME = "agent-writes"
MAX_LINES = 5000
WRITING = frozenset({Kind.FILE_WRITE, Kind.FILE_OVERWRITE})


def _file(places: Places) -> str:
    return os.path.join(places.state, NAME)


def load(places: Places, session: str | None) -> frozenset[str]:
    """Paths written in `session` (every session's when there is no session id)."""
    try:
        with open(_file(places), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return frozenset()
    found = (line.split("\t", 1) for line in lines if "\t" in line)
    return frozenset(path for who, path in found if session is None or who == (session or ""))


def record(places: Places, session: str | None, effects: Iterable[Effect]) -> None:
    """Add the files `effects` write. Raises OSError when the list cannot be written."""
    paths = sorted({p for e in effects if e.kind in WRITING for p in (e.path, e.real_path) if p})
    if not paths:
        return
    os.makedirs(places.state, mode=0o700, exist_ok=True)
    with open(_file(places), "a", encoding="utf-8") as handle:
        handle.writelines(f"{session or ''}\t{p}\n" for p in paths if "\n" not in p)
    if os.path.getsize(_file(places)) > MAX_LINES * 200:
        _trim(places)


def _trim(places: Places) -> None:
    with open(_file(places), encoding="utf-8", errors="replace") as handle:
        kept = handle.read().splitlines()[-MAX_LINES:]
    temporary = _file(places) + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in kept)
    os.replace(temporary, _file(places))
