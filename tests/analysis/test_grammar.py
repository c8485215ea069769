"""The bash grammar loaded without tree_sitter_bash's __init__ parses as the ordinary import does."""

from __future__ import annotations

import subprocess
import sys

import pytest
import tree_sitter
import tree_sitter_bash

from agentguard.analysis import grammar

SCRIPT = b"for f in *.db; do rm -f \"$f\"; done && echo $(cat x) | bash -c 'ls' <<EOF\nhi\nEOF\n"


def test_the_direct_binding_parses_like_the_package() -> None:
    expected = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language())).parse(SCRIPT)
    assert str(grammar.parser().parse(SCRIPT).root_node) == str(expected.root_node)


def test_the_hook_path_skips_importlib_resources() -> None:
    code = (
        "import sys\nfrom agentguard.analysis import grammar\ngrammar.parser()\n"
        "print('importlib.resources' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_failing_direct_load_falls_back_to_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ImportError("layout changed")

    monkeypatch.setattr(grammar, "_load_binding", broken)
    monkeypatch.delitem(sys.modules, grammar.BINDING, raising=False)
    language = tree_sitter.Language(grammar._language_pointer())
    assert str(tree_sitter.Parser(language).parse(b"ls").root_node).startswith("(program")
