"""Task runners run code that sits in a file: the gate reads that file and judges the code.

`make T` is T's recipe (and its prerequisites'), `just T` the justfile recipe, `tox` the `commands` of tox.ini,
`nox` the noxfile, `pytest` every conftest.py it loads, `jest` its config. An agent can write any of these
and run them in the next command; judging only the last command's words would miss all of it. What cannot be
read or followed (a recipe that names a variable the file does not set, an `include`, a rule the file does not
have) is unknown, and asked.
"""

from __future__ import annotations

import os
import re

from agentguard.analysis.types import Context, Handler, Invocation, Word, has_flag, option_value
from agentguard.models import Effect, Kind

MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
JUSTFILES = ("justfile", "Justfile", ".justfile")
MAX_RECIPES = 32
MAX_TEST_DIRS = 3000
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__", ".mypy_cache"})
_RULE_RE = re.compile(r"^([^\s:=#][^:=]*?)\s*::?(?!=)\s*([^=]*)$")
_ASSIGN_RE = re.compile(r"^\s*(?:export\s+|override\s+)?([A-Za-z_][\w.]*)\s*(?::{1,3}=|\?=|=)\s*(.*)$")
_MAKE_VAR_RE = re.compile(r"\$(?:\(([^()]*)\)|\{([^{}]*)\}|([A-Za-z@<^*?]))")


def _unknown(why: str, inv: Invocation) -> Effect:
    return Effect.unknown(why, inv.source)


def stale(ctx: Context, inv: Invocation, names: list[str], cwd: str | None = None) -> list[Effect]:
    """Unknown effects for the files among `names` an earlier command of the line writes: the gate reads them
    now, but the runner will read what that command put there (`printf … > Makefile && make`)."""
    base = cwd if cwd is not None else inv.cwd
    if base is None:
        return []
    full = [os.path.normpath(os.path.join(base, n)) for n in names]
    return [_unknown(f"{inv.name} runs code from {os.path.basename(p)}, which this command line writes first: "
                     "what it will hold is not known", inv) for p in full if ctx.written(p)]  # fmt: skip


def _ran(inv: Invocation, what: str, kind: Kind = Kind.EXEC_BUILD) -> Effect:
    return Effect.make(kind, inv.name, what, source=inv.source)


# ---- make -----------------------------------------------------------------------------------------------


def make(inv: Invocation, ctx: Context) -> list[Effect]:
    """`make [-C dir] [-f file] [targets] [VAR=value]`: the recipes it would run, as shell code."""
    if has_flag(list(inv.args), "-n", "--dry-run", "--just-print", "-q", "--question", "-p", "--help", "-v"):
        return [_ran(inv, "make prints what it would do", Kind.READ)]
    cwd = _make_dir(inv)
    named = option_value(list(inv.args), "-f", "--file", "--makefile")
    fresh = stale(ctx, inv, [named] if named else list(MAKEFILES), cwd)
    if fresh:
        return [_ran(inv, "builds"), *fresh]
    text, name = _read_first(ctx, [named] if named else list(MAKEFILES), cwd)
    if text is None:
        if named:
            return [_unknown(f"make: cannot read the makefile {named}", inv)]
        return [_ran(inv, "builds (no makefile here to read)")]
    if re.search(r"^\s*-?include\s", text, re.M):
        return [_ran(inv, "builds"), _unknown(f"make: {name} includes other makefiles, not followed", inv)]
    rules, variables = parse_makefile(text)
    variables.update(_overrides(inv.args))
    goals = _make_goals(inv.args) or ([next(iter(rules))] if rules else [])
    lines, missing = _recipes(goals, rules)
    effects = [_ran(inv, f"runs make {' '.join(goals)}".strip())]
    if missing and any("%" in target for target in rules):  # a pattern rule may be what runs
        effects += [_unknown(f"make: {g} would be made by a pattern rule of {name}, not followed", inv)
                    for g in missing]  # fmt: skip
    script = "\n".join(_expand_make(line, variables) for line in lines)
    sub = Invocation(inv.words, cwd, inv.source, inv.stdin, inv.assignments)
    return effects + (ctx.shell(script, sub) if script.strip() else [])


def _make_dir(inv: Invocation) -> str | None:
    where = option_value(list(inv.args), "-C", "--directory")
    if where is None or inv.cwd is None:
        return inv.cwd
    return os.path.normpath(os.path.join(inv.cwd, where))


def _make_goals(args: tuple[Word, ...]) -> list[str]:
    goals, skip = [], False
    for word in args:
        if skip:
            skip = False
        elif word.text in ("-C", "-f", "-I", "-j", "-l", "-o", "-W", "--file", "--directory"):
            skip = True
        elif not word.text.startswith("-") and "=" not in word.text:
            goals.append(word.text)
    return goals


def _overrides(args: tuple[Word, ...]) -> dict[str, str | None]:
    return {w.text.split("=", 1)[0]: (w.text.split("=", 1)[1] if w.known else None)
            for w in args if not w.text.startswith("-") and "=" in w.text}  # fmt: skip


def parse_makefile(text: str) -> tuple[dict[str, tuple[list[str], list[str]]], dict[str, str | None]]:
    """Rules (target -> prerequisites, recipe lines) in file order, and the variables it sets."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    variables: dict[str, str | None] = {}
    current: list[str] = []
    for raw in text.replace("\\\n", " ").splitlines():
        if raw.startswith("\t"):
            for target in current:
                rules[target][1].append(raw[1:])
            continue
        line = raw.split("#", 1)[0].rstrip()
        assigned = _ASSIGN_RE.match(line)
        rule = _RULE_RE.match(line) if not assigned else None
        if rule:
            current = [t for t in rule.group(1).split() if not t.startswith(".")]
            for target in current:
                rules.setdefault(target, ([], []))[0].extend(rule.group(2).split(";")[0].split())
            if ";" in rule.group(2):
                for target in current:
                    rules[target][1].append(rule.group(2).split(";", 1)[1])
        elif assigned:
            variables[assigned.group(1)] = assigned.group(2).strip()
            current = []
        elif line.strip():
            current = []
    return rules, variables


def _recipes(goals: list[str], rules: dict[str, tuple[list[str], list[str]]]) -> tuple[list[str], list[str]]:
    """Recipe lines in the order make runs them (prerequisites first), and goals with no rule."""
    lines: list[str] = []
    missing: list[str] = []
    done: set[str] = set()

    def visit(target: str, top: bool) -> None:
        if target in done or len(done) > MAX_RECIPES:
            return
        done.add(target)
        rule = rules.get(target)
        if rule is None:
            if top:
                missing.append(target)
            return  # a file prerequisite
        for prerequisite in rule[0]:
            visit(prerequisite, False)
        lines.extend(rule[1])

    for goal in goals:
        visit(goal, True)
    return lines, missing


def _expand_make(line: str, variables: dict[str, str | None], depth: int = 0) -> str:
    """A recipe line as the shell gets it: make's variables substituted, `$$` made `$`; a variable the file
    does not set becomes a shell variable no one set, which the walker reports as unknown."""
    line = line.lstrip()
    while line[:1] in ("@", "-", "+"):
        line = line[1:].lstrip()
    line = line.replace("$$", "\0")

    def value(match: re.Match[str]) -> str:
        name = (match.group(1) or match.group(2) or match.group(3) or "").strip()
        if name in ("MAKE", "MAKE_COMMAND"):
            return "make"
        if name in ("CURDIR",):
            return "$PWD"
        known = variables.get(name)
        if known is None or depth > 5:
            return "${AGENTGUARD_UNSET_MAKE_VARIABLE}"
        return _expand_make(known, variables, depth + 1)

    return _MAKE_VAR_RE.sub(value, line).replace("\0", "$")


# ---- just -----------------------------------------------------------------------------------------------


def just(inv: Invocation, ctx: Context) -> list[Effect]:
    if has_flag(list(inv.args), "-l", "--list", "--summary", "--show", "-n", "--dry-run", "--help"):
        return [_ran(inv, "just lists or shows recipes", Kind.READ)]
    fresh = stale(ctx, inv, list(JUSTFILES))
    if fresh:
        return [_ran(inv, "runs a task", Kind.EXEC_PROGRAM), *fresh]
    text, name = _read_first(ctx, list(JUSTFILES), inv.cwd)
    if text is None:
        return [_ran(inv, "runs a task (no justfile here to read)", Kind.EXEC_PROGRAM)]
    recipes = _just_recipes(text)
    goals = [w.text for w in inv.args if not w.text.startswith("-")][:1] or list(recipes)[:1]
    effects = [_ran(inv, f"runs just {' '.join(goals)}".strip(), Kind.EXEC_PROGRAM)]
    for goal in goals:
        body = recipes.get(goal)
        if body is None:
            effects.append(_unknown(f"just: no recipe {goal} in {name} that the gate can read", inv))
            continue
        script = re.sub(r"\{\{[^}]*\}\}", "${AGENTGUARD_UNSET_JUST_VARIABLE}", "\n".join(body))
        effects += ctx.shell("\n".join(ln.lstrip("@-") for ln in script.splitlines()), inv)
    return effects


def _just_recipes(text: str) -> dict[str, list[str]]:
    recipes: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line[:1] in (" ", "\t"):
            if current is not None and line.strip():
                current.append(line.strip())
            continue
        match = re.match(r"^@?([A-Za-z_][\w-]*)[^:=]*:(?!=)", line)
        current = recipes.setdefault(match.group(1), []) if match else None
    return recipes


# ---- Python test and build runners: the code they import ------------------------------------------------


def pytest(inv: Invocation, ctx: Context) -> list[Effect]:
    """pytest imports every conftest.py from its root down to the tests: that code runs first."""
    effects = [_ran(inv, "runs checks", Kind.EXEC_TEST)]
    if inv.cwd in (None, "/"):  # elsewhere (a container's /, another host): its files are not ours to read
        return effects
    effects += stale(ctx, inv, ["conftest.py", "tests/conftest.py", "test/conftest.py", "pytest.ini"])
    found, complete = _conftests(inv.cwd)
    if not complete:
        effects.append(_unknown("pytest: too many directories to find every conftest.py it loads", inv))
    return effects + [e for path in found for e in _python_file(path, inv, ctx)]


def _conftests(root: str) -> tuple[list[str], bool]:
    """conftest.py files under root (where pytest collects), and whether the look was complete. Bounded by
    a count of directories, not time, so a loaded machine decides the same way."""
    found: list[str] = []
    for seen, (folder, dirs, files) in enumerate(os.walk(root), 1):
        if seen > MAX_TEST_DIRS:
            return found, False
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        if "conftest.py" in files:
            found.append(os.path.join(folder, "conftest.py"))
    return found, True


def tox(inv: Invocation, ctx: Context) -> list[Effect]:
    """tox runs the `commands` (and `commands_pre`, `allowlist`…) of its environments: read from tox.ini."""
    effects = [_ran(inv, "runs checks", Kind.EXEC_TEST), *stale(ctx, inv, ["tox.ini"])]
    text = ctx.read_text("tox.ini", inv.cwd)
    if text is None:
        return effects
    root = inv.cwd or "."
    for command in _ini_commands(text):
        expanded = _tox_substitutions(command, root)
        if expanded is None:
            effects.append(Effect.unknown(f"tox runs a command with a substitution not known here: {command}",
                                          inv.source))  # fmt: skip
            continue
        effects += ctx.shell(expanded.lstrip("- "), inv)
    return effects


# tox's substitutions that name places: {toxinidir} is the project, the env folders live in .tox.
TOX_PLACES = {
    "toxinidir": "{root}", "tox_root": "{root}", "toxworkdir": "{root}/.tox", "work_dir": "{root}/.tox",
    "envdir": "{root}/.tox/env", "env_dir": "{root}/.tox/env", "envtmpdir": "{root}/.tox/env/tmp",
    "env_tmp_dir": "{root}/.tox/env/tmp", "envlogdir": "{root}/.tox/env/log", "envbindir": "{root}/.tox/env/bin",
    "envpython": "python", "envsitepackagesdir": "{root}/.tox/env/lib/site-packages",
    "homedir": "~", "posargs": "", "/": "/", ":": ":",
}  # fmt: skip


def _tox_substitutions(command: str, root: str) -> str | None:
    """The command with tox's substitutions filled in as tox would; None when one is not known here
    (`{env:NAME}`, `{[section]key}`): the command's words then are not known either."""
    unknown = False

    def fill(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group(1)
        if name.startswith("posargs:"):  # `{posargs:tests}`: the default when no arguments are given
            return name.split(":", 1)[1]
        if name in TOX_PLACES:
            return TOX_PLACES[name].replace("{root}", root)
        unknown = True
        return ""

    expanded = re.sub(r"\{([^{}]*)\}", fill, command)
    return None if unknown else expanded


def _ini_commands(text: str) -> list[str]:
    out: list[str] = []
    taking = False
    for line in text.splitlines():
        key = re.match(r"^(commands(?:_pre|_post)?)\s*=\s*(.*)$", line)
        if key:
            taking = True
            if key.group(2).strip():
                out.append(key.group(2).strip())
        elif taking and line[:1] in (" ", "\t") and line.strip():
            out.append(line.strip())
        else:
            taking = False
    return out


def nox(inv: Invocation, ctx: Context) -> list[Effect]:
    return _runs_python_file(inv, ctx, "noxfile.py", Kind.EXEC_TEST)


def jest(inv: Invocation, ctx: Context) -> list[Effect]:
    """jest (and vitest) load their config as code: jest.config.js runs before any test."""
    from agentguard.analysis.interpreters.node_code import analyse as node_analyse

    effects = [_ran(inv, "runs checks", Kind.EXEC_TEST)]
    stem = "vitest.config" if inv.name == "vitest" else "jest.config"
    effects += stale(ctx, inv, [stem + suffix for suffix in (".js", ".ts", ".mjs", ".cjs")])
    for suffix in (".js", ".ts", ".mjs", ".cjs"):
        text = ctx.read_text(stem + suffix, inv.cwd)
        if text is not None:
            effects += [e for e in node_analyse(text, inv, ctx) if e.kind != Kind.READ]
    return effects


def _runs_python_file(inv: Invocation, ctx: Context, name: str, kind: Kind) -> list[Effect]:
    effects = [_ran(inv, "runs checks" if kind == Kind.EXEC_TEST else "builds", kind), *stale(ctx, inv, [name])]
    if inv.cwd is None or not os.path.exists(os.path.join(inv.cwd, name)):
        return effects
    return effects + _python_file(os.path.join(inv.cwd, name), inv, ctx)


def _python_file(path: str, inv: Invocation, ctx: Context) -> list[Effect]:
    from agentguard.analysis.interpreters.python_code import analyse

    text = ctx.read_text(path, inv.cwd)
    if text is None:
        return [_unknown(f"cannot read {os.path.basename(path)}, which runs as code", inv)]
    return [e for e in analyse(text, inv, ctx) if e.kind != Kind.READ]


def setup_py(directory: str, inv: Invocation, ctx: Context) -> list[Effect]:
    """`pip install -e .` (or `pip install ./pkg`) runs the project's setup.py."""
    path = os.path.join(directory, "setup.py")
    fresh = stale(ctx, inv, [path])
    return fresh or (_python_file(path, inv, ctx) if os.path.exists(path) else [])


def _read_first(ctx: Context, names: list[str], cwd: str | None) -> tuple[str | None, str]:
    for name in names:
        text = ctx.read_text(name, cwd)
        if text is not None:
            return text, name
    return None, names[0] if names else "?"


HANDLERS: dict[str, Handler] = {
    "make": make, "gmake": make, "just": just, "pytest": pytest, "py.test": pytest, "tox": tox, "nox": nox,
    "jest": jest, "vitest": jest,
}  # fmt: skip
