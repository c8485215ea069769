"""What the hooks of hosted-service specs share: the command a `run` verb executes, and SQL given inline.

The services themselves (gh, heroku, vercel, vault…) are described as data in `analysis/spec/programs/`;
these helpers are for what data cannot say.
"""

from __future__ import annotations

from agentguard.analysis.infra.cli import effect, unknown_words
from agentguard.analysis.spec.engine import Reading
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind


def without(words: list[Word], options: tuple[str, ...]) -> list[Word]:
    """Drop the CLI's own `-a app` options from the inner command (heroku reads them anywhere before `--`)."""
    out: list[Word] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word.text in options:
            skip = True
        elif not any(word.text.startswith(o + "=") for o in options if o.startswith("--")):
            out.append(word)
    return out


def command_after(inv: Invocation, verb: str, valued: frozenset[str]) -> list[Word]:
    """The command a `run`-style verb executes: the words after `verb`, less the CLI's own leading options."""
    args = list(inv.args)
    i = next((n for n, w in enumerate(args) if w.text == verb), len(args)) + 1
    while i < len(args) and args[i].text.startswith("-") and args[i].text != "--":
        i += 2 if args[i].text in valued else 1
    if i < len(args) and args[i].text == "--":
        i += 1
    return args[i:]


def sql_effects(
    inv: Invocation, ctx: Context, r: Reading, command: Word | None, file: Word | None, dialect: str, database: str
) -> list[Effect]:
    """SQL given inline, in a file or on stdin, judged by the SQL analyser."""
    bad = unknown_words([command, file], "the SQL", inv)
    if bad:
        return bad
    text = command.text if command else (ctx.read_text(file.text, inv.cwd) if file else inv.stdin.text)
    if text is None:
        if command is None and file is None and inv.stdin.origin == "none":
            return [effect(Kind.EXEC_PROGRAM, database, "opens an interactive SQL shell", inv, r.context)]
        return [Effect.unknown(f"SQL for {database} is not known before it runs", inv.source)]
    from agentguard.analysis.sql import effects_of_sql

    context = {k: v for k, v in r.context.items() if v}
    return effects_of_sql(text, dialect=dialect, target=database, context=context, source=inv.source)
