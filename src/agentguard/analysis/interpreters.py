"""Interpreter one-liners and scripts: python, node, perl, ruby, php.

Python code is parsed with `ast` (never run). Shell strings handed to os.system / subprocess are analysed as
shell; any other call that deletes, overwrites or runs code makes the effect unknown, so the code is asked
about rather than guessed at. The other languages are scanned for their file and process APIs the same way.
"""

from __future__ import annotations

import ast
import re

from agentguard.analysis.types import Context, Handler, Invocation, Word, option_value
from agentguard.models import Effect, Kind

PY_DESTRUCTIVE = frozenset(
    [
        "rmtree",
        "remove",
        "unlink",
        "rmdir",
        "removedirs",
        "rename",
        "replace",
        "move",
        "truncate",
        "write_text",
        "write_bytes",
        "chmod",
        "chown",
        "copy",
        "copyfile",
        "copy2",
        "copytree",
        "execute",
        "executescript",
        "executemany",
        "exec",
        "eval",
        "compile",
        "__import__",
        "import_module",
        "popen",
        "spawnl",
        "spawnv",
        "execv",
        "execl",
        "Popen",
        "call",
        "run",
        "check_call",
        "check_output",
        "system",
    ]
)
PY_SHELL_CALLS = frozenset({"system", "popen", "getoutput", "getstatusoutput"})
PY_SUBPROCESS = frozenset({"run", "call", "check_call", "check_output", "Popen"})
TEST_MODULES = frozenset({"pytest", "unittest", "doctest", "mypy", "ruff", "flake8", "pylint", "black",
                          "isort", "coverage", "tox", "nox", "pyright"})  # fmt: skip
BUILD_MODULES = frozenset({"pip", "venv", "build", "twine", "setuptools", "ensurepip", "pipx", "poetry"})
SCRIPT_DANGER = {
    "node": r"\b(rmSync|rmdirSync|unlinkSync|rm|rmdir|unlink|writeFileSync|writeFile|truncateSync|"
    r"renameSync|execSync|exec|spawnSync|spawn|execFileSync|execFile|remove|rimraf|Bun\.write)\s*\(",
    "perl": r"\b(unlink|rmtree|remove_tree|rmdir|system|exec|qx|open|rename|truncate)\b|`",
    "ruby": r"\b(rm_rf|rm_r|rm_f|rm|remove_dir|remove_entry|delete|unlink|write|system|exec|spawn|"
    r"rename|truncate)\b|`|%x",
    "php": r"\b(unlink|rmdir|file_put_contents|shell_exec|system|exec|passthru|popen|proc_open|rename|"
    r"fopen)\s*\(|`",
}
LANGUAGE = {"python": "python", "python3": "python", "python2": "python", "pypy": "python", "pypy3": "python",
            "node": "node", "nodejs": "node", "deno": "node", "bun": "node", "perl": "perl", "ruby": "ruby",
            "php": "php"}  # fmt: skip


def interpreter(inv: Invocation, ctx: Context) -> list[Effect]:
    language = LANGUAGE.get(inv.name, "python")
    if language == "python":
        return _python(inv, ctx)
    return _scripted(inv, ctx, language)


def _python(inv: Invocation, ctx: Context) -> list[Effect]:
    args = list(inv.args)
    module = option_value(args, "-m")
    if module is not None:
        return _module(module, inv, args, ctx)
    code = _inline_code(args, ("-c",))
    if code is not None:
        return _python_code(code, inv, ctx) if code.known else [_unknown_code(inv, code)]
    script = next((w for w in args if not w.text.startswith("-")), None)
    if script is None:
        return ctx_stdin(inv, ctx)
    if script.text.endswith("manage.py"):
        return ctx.run(inv.with_words([Word.literal("manage.py"), *args[args.index(script) + 1 :]]))
    text = ctx.read_text(script.text, inv.cwd) if script.known else None
    effects = [Effect.make(Kind.EXEC_PROGRAM, script.text, "runs a python script", source=inv.source)]
    return effects + (_python_code(Word.literal(text), inv, ctx) if text is not None else [])


def _module(module: str, inv: Invocation, args: list[Word], ctx: Context) -> list[Effect]:
    top = module.split(".", 1)[0]
    if top in TEST_MODULES:
        return [Effect.make(Kind.EXEC_TEST, module, "runs checks", source=inv.source)]
    if top in BUILD_MODULES:
        return [Effect.make(Kind.EXEC_BUILD, module, "installs or builds", source=inv.source)]
    if top in ("alembic", "django"):
        rest = args[[w.text for w in args].index(module) + 1 :]
        name = "alembic" if top == "alembic" else "django-admin"
        return ctx.run(inv.with_words([Word.literal(name), *rest]))
    return [Effect.make(Kind.EXEC_PROGRAM, module, "runs a python module", source=inv.source)]


def ctx_stdin(inv: Invocation, ctx: Context) -> list[Effect]:
    from agentguard.analysis.shell import Walker

    if isinstance(ctx, Walker):
        return ctx.code_from_stdin(inv, "python", lambda text: _python_code(Word.literal(text), inv, ctx))
    return [Effect.unknown("python code from stdin", inv.source)]


def _inline_code(args: list[Word], flags: tuple[str, ...]) -> Word | None:
    for i, word in enumerate(args):
        if word.text in flags and i + 1 < len(args):
            return args[i + 1]
    return None


def _unknown_code(inv: Invocation, code: Word) -> Effect:
    return Effect.unknown(f"{inv.name} code not known before it runs ({code.why})", inv.source)


def _python_code(code: Word, inv: Invocation, ctx: Context) -> list[Effect]:
    try:
        tree = ast.parse(code.text)
    except (SyntaxError, ValueError) as exc:
        return [Effect.unknown(f"python: could not parse the code ({exc})", inv.source)]
    effects: list[Effect] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            effects.extend(_python_call(node, inv, ctx))
    return effects or [Effect.make(Kind.READ, inv.name, "python code that only computes or reads",
                                   source=inv.source)]  # fmt: skip


def _python_call(node: ast.Call, inv: Invocation, ctx: Context) -> list[Effect]:
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    shell_text = _first_str(node)
    if (name in PY_SHELL_CALLS or (name in PY_SUBPROCESS and _is_shell_call(node))) and shell_text is not None:
        return ctx.shell(shell_text, inv)
    first = node.args[0] if node.args else None
    if name in PY_SUBPROCESS and isinstance(first, ast.List | ast.Tuple):
        words = _literal_words(first)
        if words is not None:
            return ctx.run(inv.with_words(words))
    if name == "open" and _opens_for_writing(node):
        return _path_effect(node, inv, ctx, Kind.FILE_OVERWRITE, "python open() for writing")
    if name in ("rmtree",):
        return _path_effect(node, inv, ctx, Kind.FILE_DELETE, "python shutil.rmtree", recursive=True)
    if name in ("remove", "unlink", "rmdir", "removedirs"):
        return _path_effect(node, inv, ctx, Kind.FILE_DELETE, f"python {name}")
    if name in PY_DESTRUCTIVE:
        return [Effect.unknown(f"python calls {name}(): effect not modelled, so it is asked", inv.source)]
    return []


def _path_effect(node: ast.Call, inv: Invocation, ctx: Context, kind: Kind, detail: str,
                 recursive: bool = False) -> list[Effect]:  # fmt: skip
    path = _first_str(node)
    if path is None:
        return [Effect.unknown(f"{detail}: path computed at run time", inv.source)]
    return ctx.file_effects(kind, Word.literal(path), inv, detail, recursive=recursive)


def _first_str(node: ast.Call) -> str | None:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def _is_shell_call(node: ast.Call) -> bool:
    return any(k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value for k in node.keywords)


def _literal_words(node: ast.List | ast.Tuple) -> list[Word] | None:
    words = []
    for element in node.elts:
        if not isinstance(element, ast.Constant) or not isinstance(element.value, str):
            words.append(Word("?", known=False, why="argument computed at run time"))
        else:
            words.append(Word.literal(element.value))
    return words or None


def _opens_for_writing(node: ast.Call) -> bool:
    mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
    if mode is None:
        return False
    if not isinstance(mode, ast.Constant) or not isinstance(mode.value, str):
        return True
    return any(c in mode.value for c in "wax+")


def _scripted(inv: Invocation, ctx: Context, language: str) -> list[Effect]:
    flags = {"node": ("-e", "--eval", "-p", "--print"), "perl": ("-e", "-E"), "ruby": ("-e",),
             "php": ("-r",)}[language]  # fmt: skip
    args = list(inv.args)
    if language == "perl" and any(w.text.startswith("-") and "i" in w.text.lstrip("-") and w.text[1:2] != "-"
                                  for w in args if w.text not in ("-e", "-E")):  # fmt: skip
        files = [w for w in args[1:] if not w.text.startswith("-")][1:]
        return [e for w in files for e in ctx.file_effects(Kind.FILE_OVERWRITE, w, inv, "perl -i edits in place")]
    code = _inline_code(args, flags)
    if code is None:
        script = next((w for w in args if not w.text.startswith("-")), None)
        if script is None:
            return [Effect.make(Kind.EXEC_PROGRAM, inv.name, f"starts {language}", source=inv.source)]
        if language == "node" and inv.name in ("bun", "deno") and script.text in ("test",):
            return [Effect.make(Kind.EXEC_TEST, inv.name, "runs tests", source=inv.source)]
        return [Effect.make(Kind.EXEC_PROGRAM, script.text, f"runs a {language} script", source=inv.source)]
    if not code.known:
        return [_unknown_code(inv, code)]
    found = re.search(SCRIPT_DANGER[language], _without_strings(code.text, language))
    if found:
        return [Effect.unknown(f"{language} code calls {found.group(0).strip('( ')}: effect not modelled, "
                               "so it is asked", inv.source)]  # fmt: skip
    return [Effect.make(Kind.READ, inv.name, f"{language} code that only computes or prints", source=inv.source)]


def _without_strings(code: str, language: str) -> str:
    """API names inside string literals (`console.log('fs.rmSync')`) are text, not calls."""
    if language == "perl":
        return code
    return re.sub(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", "''", code)


HANDLERS: dict[str, Handler] = {name: interpreter for name in LANGUAGE}
