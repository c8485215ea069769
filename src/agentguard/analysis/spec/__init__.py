"""Program specs: sub-command CLIs described as data (`programs/*.toml`) and read by one engine.

`handler_for(name)` is what the registry asks: a handler for a program some spec names, else None. A spec that
cannot be read makes its programs fail closed (an unknown effect naming the error), never pass as ordinary.
"""

from __future__ import annotations

from agentguard.analysis.spec.index import NAMES
from agentguard.analysis.types import Context, Handler, Invocation
from agentguard.models import Effect


def handler_for(name: str) -> Handler | None:
    where = NAMES.get(name)
    if where is None:
        return None

    def handle(inv: Invocation, ctx: Context) -> list[Effect]:
        from agentguard.analysis.spec.engine import run
        from agentguard.analysis.spec.load import load_program
        from agentguard.analysis.spec.model import SpecError

        try:
            program = load_program(*where)
        except SpecError as exc:
            return [Effect.unknown(f"the spec for {name} cannot be read ({exc}), so a human decides", inv.source)]
        return run(program, inv, ctx)

    return handle


def describe(line: str) -> str | None:
    """For `agentguard explain`: the spec entry (or vocabulary word) that judged a plain `program …` line; None
    when the line does not start with a spec program or does not split as plain words."""
    import os
    import shlex

    from agentguard.analysis.spec.engine import explain
    from agentguard.analysis.spec.load import load_program
    from agentguard.analysis.spec.model import SpecError
    from agentguard.analysis.types import Word

    try:
        words = shlex.split(line)
        name = os.path.basename(words[0]) if words else ""
        program = load_program(*NAMES[name]) if name in NAMES else None
    except (ValueError, SpecError):
        return None
    if program is None:
        return None
    inv = Invocation(words=tuple(Word(w) for w in words), cwd=None, source=line)
    return explain(program, inv)
