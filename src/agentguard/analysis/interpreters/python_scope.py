"""What a python program's names stand for, as far as reading it (not running it) can tell.

Imports give qualified names (`from shutil import rmtree as r` makes `r` shutil.rmtree); variables assigned
exactly once keep their value; loop variables over `glob(…)`, `Path.glob(…)` or `os.listdir(…)` stand for the
glob pattern they iterate. Everything else is unknown (None), which the caller reports as unknown.
"""

from __future__ import annotations

import ast
import os
import shlex
from collections.abc import Iterable
from dataclasses import dataclass, field

from agentguard.analysis.types import Word

PATH_TYPES = frozenset(
    {"pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath", "path.Path", "Path"}
)
PATH_PASSTHROUGH = frozenset({"resolve", "absolute", "expanduser", "with_name", "with_suffix", "joinpath"})
PATH_RETURNING = PATH_PASSTHROUGH | {"home", "cwd", "with_stem", "relative_to"}  # methods that give a path
GLOBBERS = frozenset({"glob.glob", "glob.iglob"})
LISTERS = frozenset({"os.listdir", "os.scandir"})
MAX_DEPTH = 20

# A path value: its text and whether it is a glob pattern (from a loop over glob()).
PathValue = tuple[str, bool]


@dataclass
class Scope:
    home: str
    argv: tuple[Word, ...] = ()  # sys.argv as the program sees it
    imports: dict[str, str] = field(default_factory=dict)
    values: dict[str, ast.expr] = field(default_factory=dict)  # names assigned once
    loops: dict[str, ast.expr] = field(default_factory=dict)  # loop variable -> what it iterates
    modules: set[str] = field(default_factory=set)
    stars: list[str] = field(default_factory=list)  # modules imported with `from m import *`
    called: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, tree: ast.AST, home: str, argv: tuple[Word, ...] = ()) -> Scope:
        scope = cls(home, argv)
        counts: dict[str, int] = {}
        for node in ast.walk(tree):
            scope._note(node, counts)
        for name, count in counts.items():
            if count != 1:
                scope.values.pop(name, None)
                scope.loops.pop(name, None)
        scope.called = {q for n in ast.walk(tree) if isinstance(n, ast.Call) and (q := scope.qualified(n.func))}
        return scope

    def _note(self, node: ast.AST, counts: dict[str, int]) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.modules.add(alias.name)
                local = alias.asname or alias.name.split(".", 1)[0]
                self.imports[local] = alias.name if alias.asname else local
        elif isinstance(node, ast.ImportFrom) and node.module:
            self.modules.add(node.module)
            for alias in node.names:
                if alias.name == "*":
                    self.stars.append(node.module)
                else:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                self._bind(target, node.value, self.values, counts)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            counts[node.target.id] = counts.get(node.target.id, 0) + 2
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            self._bind(node.target, node.iter, self.loops, counts)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            self._bind(node.optional_vars, node.context_expr, self.values, counts)

    @staticmethod
    def _bind(target: ast.expr, value: ast.expr | None, into: dict[str, ast.expr], counts: dict[str, int]) -> None:
        for name in _names(target):
            counts[name] = counts.get(name, 0) + 1
        if isinstance(target, ast.Name) and value is not None:
            into[target.id] = value

    # ---- names -------------------------------------------------------------------------------------

    def qualified(self, node: ast.expr, depth: int = 0) -> str | None:
        """`shutil.rmtree` for `rmtree`, `sh.rmtree` or `shutil.rmtree`; `boto3.client().x` for `c.x`."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Name):
            if node.id in self.imports:
                return self.imports[node.id]
            value = self.values.get(node.id)
            if isinstance(value, ast.Call):
                inner = self.qualified(value.func, depth + 1)
                return f"{inner}()" if inner else node.id
            if isinstance(value, ast.Attribute | ast.Name):  # `f = shutil.rmtree; f(p)`: f is shutil.rmtree
                return self.qualified(value, depth + 1) or node.id
            return node.id
        if isinstance(node, ast.Attribute):
            base = self.qualified(node.value, depth + 1)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            inner = self.qualified(node.func, depth + 1)
            if inner in ("__import__", "importlib.import_module") and node.args:
                return self.string(node.args[0])  # __import__('os').system is os.system
            return f"{inner}()" if inner else None
        return None

    def calls_any(self, names: Iterable[str]) -> bool:
        return bool(self.called & set(names))

    # ---- values ------------------------------------------------------------------------------------

    def string(self, node: ast.expr, depth: int = 0) -> str | None:
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.values:
            return self.string(self.values[node.id], depth + 1)
        if isinstance(node, ast.Name) and node.id == "__file__" and self.argv and self.argv[0].text != "-c":
            return self.argv[0].text if self.argv[0].known else None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.string(node.left, depth + 1), self.string(node.right, depth + 1)
            return left + right if left is not None and right is not None else None
        if isinstance(node, ast.Subscript) and self.qualified(node.value) == "sys.argv":
            index = node.slice.value if isinstance(node.slice, ast.Constant) else None
            word = self.argv[index] if isinstance(index, int) and 0 <= index < len(self.argv) else None
            return word.text if word is not None and word.known else None
        if isinstance(node, ast.JoinedStr):
            parts = [self.string(v.value if isinstance(v, ast.FormattedValue) else v, depth + 1) for v in node.values]
            return "".join(p for p in parts if p is not None) if None not in parts else None
        return None

    def split(self, node: ast.expr) -> list[str] | None:
        """The words of `"rm -rf x".split()` or `shlex.split("rm -rf x")`, else None."""
        if not isinstance(node, ast.Call) or node.keywords:
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr == "split" and not node.args:
            text = self.string(node.func.value)
            return text.split() if text is not None else None
        if self.qualified(node.func) == "shlex.split" and len(node.args) == 1:
            text = self.string(node.args[0])
            try:
                return shlex.split(text) if text is not None else None
            except ValueError:
                return None
        return None

    def word(self, node: ast.expr) -> Word:
        text = self.string(node)
        return Word.literal(text) if text is not None else Word("?", known=False, why="computed at run time")

    def path(self, node: ast.expr) -> Word | None:
        value = self._path(node, 0)
        if value is None or not value[0]:
            return None
        text, is_glob = value
        return Word(text, glob=text) if is_glob else Word.literal(text)

    def _path(self, node: ast.expr, depth: int) -> PathValue | None:
        if depth > MAX_DEPTH:
            return None
        text = self.string(node, depth + 1)
        if text is not None:
            return text, False
        if isinstance(node, ast.Name):
            if node.id in self.values:
                return self._path(self.values[node.id], depth + 1)
            if node.id in self.loops:
                return self._iterated(self.loops[node.id], depth + 1)
            return None
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self._join([node.left, node.right], depth)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self._path(node.value, depth + 1)
            return (os.path.dirname(base[0]) or ".", base[1]) if base else None
        if isinstance(node, ast.Call):
            return self._path_call(node, depth)
        return None

    def _path_call(self, node: ast.Call, depth: int) -> PathValue | None:
        name = self.qualified(node.func) or ""
        if name in PATH_TYPES or name == "os.path.join":
            return self._join(node.args, depth) if node.args else (".", False)
        if name in ("os.path.expanduser", "os.path.abspath", "os.path.normpath", "os.fspath", "str"):
            base = self._path(node.args[0], depth + 1) if node.args else None
            return (_home(base[0], self.home), base[1]) if base and name == "os.path.expanduser" else base
        if name == "os.path.dirname" and node.args:
            base = self._path(node.args[0], depth + 1)
            return (os.path.dirname(base[0]) or ".", base[1]) if base else None
        if name.endswith(".home") and name.rsplit(".", 1)[0] in PATH_TYPES:
            return self.home, False
        if name.endswith(".cwd") and name.rsplit(".", 1)[0] in PATH_TYPES:
            return ".", False
        if isinstance(node.func, ast.Attribute) and node.func.attr in PATH_PASSTHROUGH:
            base = self._path(node.func.value, depth + 1)
            if base is None or node.func.attr in ("with_name", "with_suffix"):
                return None
            if node.func.attr == "joinpath":
                return self._join([node.func.value, *node.args], depth)
            return (_home(base[0], self.home), base[1]) if node.func.attr == "expanduser" else base
        return None

    def _join(self, parts: list[ast.expr], depth: int) -> PathValue | None:
        values = [self._path(p, depth + 1) for p in parts]
        if any(v is None for v in values):
            return None
        known = [v for v in values if v is not None]
        return os.path.join(*(v[0] for v in known)), any(v[1] for v in known)

    def _iterated(self, iterable: ast.expr, depth: int) -> PathValue | None:
        """What a loop variable stands for: the pattern of the glob it iterates."""
        if not isinstance(iterable, ast.Call):
            return None
        name = self.qualified(iterable.func) or ""
        arg = iterable.args[0] if iterable.args else None
        if name in GLOBBERS and arg is not None:
            pattern = self.string(arg, depth + 1)
            return (pattern, True) if pattern else None
        if name in LISTERS:  # names, not paths: os.path.join(d, name) or a name relative to the cwd
            return "*", True
        if isinstance(iterable.func, ast.Attribute) and iterable.func.attr in ("glob", "rglob", "iterdir"):
            base = self._path(iterable.func.value, depth + 1)
            pattern = "*" if iterable.func.attr == "iterdir" else (self.string(arg, depth + 1) if arg else None)
            if base is None or pattern is None:
                return None
            prefix = "**/" if iterable.func.attr == "rglob" else ""
            return os.path.join(base[0], prefix + pattern), True
        return None

    def is_path(self, node: ast.expr, depth: int = 0) -> bool:
        """True when `node` is a pathlib path even if its value is not known."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, ast.Call):
            name = self.qualified(node.func) or ""
            if name in PATH_TYPES:
                return True
            func = node.func  # Path.home(), Path('x').resolve(), p.with_suffix('.bak')
            return (
                isinstance(func, ast.Attribute)
                and func.attr in PATH_RETURNING
                and (self.qualified(func.value) in PATH_TYPES or self.is_path(func.value, depth + 1))
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return self.is_path(node.left, depth + 1)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            return self.is_path(node.value, depth + 1)
        if isinstance(node, ast.Name):
            if node.id in self.values:
                return self.is_path(self.values[node.id], depth + 1)
            loop = self.loops.get(node.id)
            return (
                isinstance(loop, ast.Call)
                and isinstance(loop.func, ast.Attribute)
                and (loop.func.attr in ("glob", "rglob", "iterdir"))
            )
        return False


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for element in target.elts for n in _names(element)]
    return []


def _home(path: str, home: str) -> str:
    return home + path[1:] if path == "~" or path.startswith("~/") else path
