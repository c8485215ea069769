"""The tree-sitter bash parser, built once per process.

`import tree_sitter_bash` runs the package's `__init__`, which imports importlib.resources (and with it
tempfile, shutil, random, bz2, lzma: ~5 ms of the hook's every call) only to serve highlight queries agentguard
never reads. The grammar itself is the `_binding` extension module, so it is loaded straight from the
package's folder; if that ever fails (a different layout, a zipped install), the ordinary import is used.
"""

from __future__ import annotations

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
