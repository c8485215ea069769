"""The tree-sitter bash parser, built once per process.

`import tree_sitter_bash` runs the package's `__init__`, which imports importlib.resources (and with it
tempfile, shutil, random, bz2, lzma: ~5 ms of the hook's every call) only to serve highlight queries agentguard
never reads. The grammar itself is the `_binding` extension module, so it is loaded straight from the
package's folder; if that ever fails (a different layout, a zipped install), the ordinary import is used.
"""

from __future__ import annotations

import re
import sys
from functools import cache
from typing import Any

import tree_sitter

BINDING = "tree_sitter_bash._binding"


def _language_pointer() -> Any:
    module = sys.modules.get(BINDING)
    if module is None:
        try:
            module = _load_binding()
        except Exception:  # any surprise: the documented import, slower but the same grammar
            import tree_sitter_bash

            return tree_sitter_bash.language()
    return module.language()


def _load_binding() -> Any:
    # importlib.machinery, not importlib.util: the latter pulls in contextlib and friends (~1-3 ms).
    from importlib.machinery import ExtensionFileLoader, PathFinder

    package = PathFinder.find_spec("tree_sitter_bash")  # finds the package without running its __init__
    if package is None or not package.submodule_search_locations:
        raise ImportError("tree_sitter_bash is not installed as a package folder")
    spec = PathFinder.find_spec(BINDING, list(package.submodule_search_locations))
    if spec is None or not isinstance(spec.loader, ExtensionFileLoader):
        raise ImportError(f"{BINDING} is not an extension module here")
    module = spec.loader.create_module(spec)
    spec.loader.exec_module(module)
    module.__spec__, module.__loader__ = spec, spec.loader
    sys.modules[BINDING] = module  # a later `import tree_sitter_bash` reuses it rather than loading it twice
    return module


@cache
def parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(_language_pointer()))


# tree-sitter-bash 0.25 reads out of bounds when `{` is followed, anywhere later, by a 4-byte UTF-8 character
# (tree-sitter/tree-sitter-bash#337, open): a segfault on Linux, and a hook that dies lets the tool run. So the
# parser never sees one: each character above U+FFFF goes in as a pair of private-use characters (3 bytes each,
# like a surrogate pair) and comes back in `unshield`. Stateless, so nested parses (bash -c) need no bookkeeping.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_PRIVATE = re.compile("[\ue000-\ue7ff]")
_PAIR = re.compile("[\ue000-\ue3ff][\ue400-\ue7ff]")


def shield(script: str) -> str:
    """`script` with no 4-byte UTF-8 character. Raises ValueError when it already holds private-use characters of
    the pairs' range and an astral one (then the pairs would be ambiguous): the caller fails closed."""
    if script.isascii() or not _ASTRAL.search(script):
        return script
    if _PRIVATE.search(script):
        raise ValueError("the command mixes private-use and astral Unicode characters; agentguard cannot parse it")
    return _ASTRAL.sub(_to_pair, script)


def unshield(text: str) -> str:
    """A node's text as the agent wrote it."""
    return text if text.isascii() else _PAIR.sub(_from_pair, text)


def node_text(node: tree_sitter.Node) -> str:
    """A parsed node's source text, as the agent wrote it."""
    return unshield((node.text or b"").decode("utf-8", "replace"))


def _to_pair(match: re.Match[str]) -> str:
    offset = ord(match.group()) - 0x10000
    return chr(0xE000 + (offset >> 10)) + chr(0xE400 + (offset & 0x3FF))


def _from_pair(match: re.Match[str]) -> str:
    pair = match.group()
    return chr(0x10000 + ((ord(pair[0]) - 0xE000) << 10) + (ord(pair[1]) - 0xE400))
