"""Which names in JavaScript code are bound to the modules agentguard models.

`const fs = require('fs')`, `import * as fs from 'node:fs'`, `const {rmSync: rm} = require('fs')`,
`const fsp = require('fs').promises`, `import {rm} from 'fs/promises'` — a small reading of the binding forms
one-liners and short scripts use. A form not read here leaves the name unbound, so calls on it are not
recognised by module; distinctive names (`rmSync`) are still recognised whatever they are called on.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentguard.analysis.interpreters import calls
from agentguard.analysis.interpreters.lexer import Tok
from agentguard.analysis.interpreters.node_api import MODULES


def required_module(head: str) -> str | None:
    for prefix in ("require(", "import("):
        if head.startswith(prefix):
            return MODULES.get(head[len(prefix) : -1])
    return None


def bindings(tokens: Sequence[Tok]) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Names bound to modelled modules (`fs` → "fs") and to their functions (`rmSync` → ("fs", "rmSync"))."""
    aliases: dict[str, str] = {}
    imported: dict[str, tuple[str, str]] = {}
    for i, tok in enumerate(tokens):
        spec = _module_at(tokens, i) if tok.text in ("require", "import", "from") else None
        if spec is None:
            continue
        module, start, end = spec
        member = _member_after(tokens, end)
        binding = _binding_before(tokens, start)
        if isinstance(binding, str):
            if member in (None, "promises", "default"):
                aliases[binding] = module
            else:
                imported[binding] = (module, member)
        elif binding is not None:
            for local, original in binding:
                if original in ("promises", "default") or original is None:
                    aliases[local] = module
                else:
                    imported[local] = (module, original)
    imported.update(_member_aliases(tokens, aliases))
    return aliases, imported


def _member_aliases(tokens: Sequence[Tok], aliases: dict[str, str]) -> dict[str, tuple[str, str]]:
    """`const f = fs.unlinkSync` (not called there): `f` is that function of the module."""
    found: dict[str, tuple[str, str]] = {}
    for j in range(len(tokens) - 4):
        local, eq, base, dot, member = tokens[j : j + 5]
        after = tokens[j + 5].text if j + 5 < len(tokens) else ""
        if (local.kind == "name" and eq.text == "=" and base.text in aliases and dot.text == "."
                and member.kind == "name" and after != "("):  # fmt: skip
            found[local.text] = (aliases[base.text], member.text)
    return found


def _module_at(tokens: Sequence[Tok], i: int) -> tuple[str, int, int] | None:
    """`require('fs')` / `import('fs')` / `from 'fs'` at i: (module key, first token, last token)."""
    tok = tokens[i]
    nxt = tokens[i + 1 : i + 4]
    if tok.kind == "name" and tok.text in ("require", "import") and len(nxt) == 3 and nxt[0].text == "(":
        module = MODULES.get(nxt[1].value or "") if nxt[1].kind == "str" else None
        return (module, i, i + 3) if module and nxt[2].text == ")" else None
    if tok.kind == "name" and tok.text == "from" and nxt and nxt[0].kind == "str":
        module = MODULES.get(nxt[0].value or "")
        start = next((j for j in range(i - 1, -1, -1) if tokens[j].text == "import"), None)
        return (module, start, i + 1) if module and start is not None else None
    return None


def _member_after(tokens: Sequence[Tok], end: int) -> str | None:
    if end + 2 < len(tokens) and tokens[end + 1].text == "." and tokens[end + 2].kind == "name":
        return tokens[end + 2].text
    return None


def _binding_before(tokens: Sequence[Tok], start: int) -> str | list[tuple[str, str | None]] | None:
    if tokens[start].text == "import" and start + 1 < len(tokens) and tokens[start + 1].text != "(":
        return _import_clause(tokens[start + 1 :])
    j = start - 1
    if j >= 0 and tokens[j].text == "await":
        j -= 1
    if j < 1 or tokens[j].text != "=":
        return None
    if tokens[j - 1].kind == "name":
        return tokens[j - 1].text
    if tokens[j - 1].text == "}":
        opening = max((k for k in range(j - 1) if tokens[k].text == "{"), default=None)
        return _destructured(tokens[opening + 1 : j - 1]) if opening is not None else None
    return None


def _import_clause(tokens: Sequence[Tok]) -> str | list[tuple[str, str | None]] | None:
    texts = [t.text for t in tokens]
    if texts[:2] == ["*", "as"] and len(texts) > 2:
        return texts[2]
    out: list[tuple[str, str | None]] = []
    if tokens and tokens[0].kind == "name" and texts[0] != "from":
        out.append((texts[0], None))
    if "{" in texts:
        close = texts.index("}") if "}" in texts else len(texts)
        for part in calls.split_args(tokens[texts.index("{") + 1 : close]):
            words = [t.text for t in part]
            if words:
                out.append((words[-1], words[0]))  # `a as b` binds b to a
    return out


def _destructured(tokens: Sequence[Tok]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for part in calls.split_args(tokens):
        words = [t.text for t in part if t.kind == "name"]
        if words:
            out.append((words[-1], words[0]))  # `rmSync: remove` binds remove to rmSync
    return out


def required(tokens: Sequence[Tok]) -> list[str]:
    """Module names the code loads: `require('x')`, `import('x')`, `from 'x'`."""
    out = []
    for i, tok in enumerate(tokens):
        if tok.kind != "str" or i == 0:
            continue
        before = [t.text for t in tokens[max(0, i - 2) : i]]
        if before[-1:] == ["from"] or before in (["require", "("], ["import", "("]):
            out.append(tok.value or "")
    return out
