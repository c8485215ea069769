"""JavaScript code (node, deno, bun), read by its fs, child_process, Deno and Bun calls.

Module bindings are followed (`require('fs')`, `import fs from 'node:fs'`, `const {rmSync} = require('fs')`,
`fs.promises`), so `fs.rmSync('dist', {recursive: true})` becomes a recursive delete of dist that policy can
judge by path. A modelled call with an argument computed at run time is unknown; `eval` of code fetched from
the network is remote execution.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from agentguard.analysis.interpreters import calls, common, fold, node_bindings
from agentguard.analysis.interpreters.calls import Call
from agentguard.analysis.interpreters.lexer import Lexer, LexError, Tok, unescape
from agentguard.analysis.interpreters.node_api import (
    DISTINCTIVE,
    EVALUATORS,
    GLOBALS,
    NETWORK,
    NETWORK_MODULES,
    TABLES,
)
from agentguard.analysis.types import Context, Invocation, Word
from agentguard.models import Effect, Kind

TEMPLATE_PART = re.compile(r"\$\{\s*([A-Za-z_$][\w$]*)\s*\}")
JOINS: dict[tuple[str, ...], str] = {
    ("path", ".", "join"): "join",
    ("path", ".", "resolve"): "resolve",
    ("path", ".", "posix", ".", "join"): "join",
}
JOINS.update(
    {
        ("require", "(", f"{q}{m}{q}", ")", ".", f): f
        for q in "'\""
        for m in ("path", "node:path")
        for f in ("join", "resolve")
    }
)
HOME_EXPRESSIONS = (
    "os . homedir ( )",
    "require ( 'os' ) . homedir ( )",
    'require ( "os" ) . homedir ( )',
    "process . env . HOME",
    "Deno . env . get ( 'HOME' )",
)


class JsLexer(Lexer):
    """JavaScript: '…' and "…" strings, `…` templates (unknown with `${…}`), // and /* */ comments."""

    def special(self, i: int) -> int | None:
        char = self.src[i]
        if char in "'\"`":
            raw, end = self.delimited(i + 1, char)
            self.add_str("str", raw, self.src[i:end], char == "`" and "${" in raw)
            return end
        return None


def analyse(
    code: str, inv: Invocation, ctx: Context, depth: int = 0, args: Sequence[Word] = (), script: str | None = None
) -> list[Effect]:
    """Effects of JavaScript `code`; `args` are the command-line arguments after it (`script` when the code
    is a script file), for `process.argv[2]` and the like."""
    try:
        tokens = JsLexer(code).run()
    except LexError as exc:
        return [Effect.unknown(f"{inv.name}: could not read the code ({exc})", inv.source)]
    consts = {"__dirname": os.path.dirname(script) or "." if script else ".", **common.constants(tokens)}
    process_argv = [Word.literal(inv.name), *([Word.literal(script)] if script else []), *args]
    argv: dict[tuple[str, ...], Sequence[Word]] = {
        ("process", ".", "argv"): process_argv,
        ("Bun", ".", "argv"): process_argv,
        ("Deno", ".", "args"): args,
    }
    home = fold.home_values(ctx.home, *HOME_EXPRESSIONS)
    tokens = fold.fold(_templates(tokens, consts), consts, argv=argv, joins=JOINS, values=home)
    consts = {"__dirname": consts["__dirname"], **common.constants(tokens)}
    aliases, imported = node_bindings.bindings(tokens)
    effects: list[Effect] = []
    names = {t.text for t in tokens if t.kind == "name"}
    network = bool(names & NETWORK) or any(m in NETWORK_MODULES for m in node_bindings.required(tokens))
    if network and names & EVALUATORS:
        return [Effect.make(Kind.EXEC_REMOTE, inv.name, "evaluates code fetched from the network", source=inv.source)]
    for call in calls.find_calls(tokens) + _tagged_templates(tokens):
        effects.extend(_call_effects(call, inv, ctx, aliases, imported, consts, depth))
    if _computed_member(tokens, aliases):
        effects.append(Effect.unknown(f"{inv.name}: calls fs or child_process through a computed name", inv.source))
    return effects or common.read_only(inv, inv.name)


def _computed_member(tokens: Sequence[Tok], aliases: dict[str, str]) -> bool:
    """`fs['rm' + 'Sync'](…)`: a member of a modelled module chosen by an expression."""
    for i, tok in enumerate(tokens[:-1]):
        bound = tok.kind == "name" and (tok.text in aliases or tok.text in GLOBALS)
        if bound and tokens[i + 1].text == "[" and (i == 0 or tokens[i - 1].text not in (".", "?.")):
            return True
    return False


def _call_effects(
    call: Call,
    inv: Invocation,
    ctx: Context,
    aliases: dict[str, str],
    imported: dict[str, tuple[str, str]],
    consts: dict[str, str],
    depth: int,
) -> list[Effect]:
    if call.name in EVALUATORS and call.chain[:1] != ("JSON",):
        code = common.str_value(call.args[0], consts) if len(call.args) == 1 else None
        if code is None or depth > 2:
            return [Effect.unknown(f"{inv.name}: {call.name}() of code {common.RUNTIME}", inv.source)]
        return [e for e in analyse(code, inv, ctx, depth + 1) if e.kind != Kind.READ]
    if call.name in ("require", "import") and not call.chain and call.args:
        if common.str_value(call.args[0], consts) is None:
            return [Effect.unknown(f"{inv.name}: loads a module whose name is {common.RUNTIME}", inv.source)]
        return []
    if call.name == "chdir" and call.chain[-1:] in (("process",), ("Deno",)):
        return [Effect.unknown(f"{inv.name}: changes directory, so relative paths are not known", inv.source)]
    resolved = resolve(call, aliases, imported)
    if resolved is None:
        return []
    module, name = resolved
    table, reads = TABLES[module]
    api = table.get(name)
    label = f"{module}.{name}()" if name != "default" else f"{module}()"
    if api is None:
        if name in reads or not name[:1].isalpha():
            return []
        return [Effect.unknown(f"{inv.name}: {label} is not modelled", inv.source)]
    if name == "Command":
        call = _command_call(call)
    options = any(common.has_option(arg, "recursive") for arg in call.args[1:])  # fs.rm(p, {recursive: true}, cb)
    recursive = api.op == "delete" and (api.recursive or options)
    return common.apply(api, call, inv, ctx, consts, recursive=recursive, label=label)


def resolve(call: Call, aliases: dict[str, str], imported: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """(module key, function) of a call, or None when it is not on a modelled module."""
    if not call.chain and call.name in imported:
        return imported[call.name]
    if not call.chain and call.name in aliases:
        return aliases[call.name], "default"
    if call.chain:
        head, rest = call.chain[0], call.chain[1:]
        module = aliases.get(head) or GLOBALS.get(head) or node_bindings.required_module(head)
        if module is None and head in imported and imported[head][1] == "promises":
            module = imported[head][0]
        if module is not None and all(part in ("promises", "default") for part in rest):
            return module, call.name
    if call.name in DISTINCTIVE:  # whatever it is called on, or bound in a form not read here
        return DISTINCTIVE[call.name], call.name
    return None


def _templates(tokens: Sequence[Tok], consts: dict[str, str]) -> list[Tok]:
    """Template literals whose `${name}` parts are all known constants become plain strings."""
    out = []
    for tok in tokens:
        if tok.kind == "str" and tok.value is None and tok.text.startswith("`"):
            raw = TEMPLATE_PART.sub(lambda m: consts.get(m.group(1), m.group(0)), tok.text[1:-1])
            if "${" not in raw:
                tok = Tok("str", tok.text, unescape(raw))
        out.append(tok)
    return out


def _tagged_templates(tokens: Sequence[Tok]) -> list[Call]:
    """Bun's shell: $`rm -rf dist` is a call of $ with the template as its argument."""
    return [
        Call(calls.receiver(tokens, i), tok.text, ((tokens[i + 1],),))
        for i, tok in enumerate(tokens[:-1])
        if tok.kind == "name" and tokens[i + 1].kind == "str" and tokens[i + 1].text.startswith("`")
    ]


def _command_call(call: Call) -> Call:
    """`new Deno.Command('rm', {args: ['-rf', 'x']})` as spawn('rm', ['-rf', 'x'])."""
    options = call.args[1] if len(call.args) > 1 else ()
    texts = [t.text for t in options]
    if "args" in texts:
        start = texts.index("args") + 2
        if start < len(options) and options[start].text == "[":
            end = calls.matching(options, start)
            return Call(call.chain, call.name, (call.args[0], tuple(options[start : end + 1])))
    return Call(call.chain, call.name, call.args[:1])
