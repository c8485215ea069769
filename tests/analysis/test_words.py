"""Word expansion: what a quoted word really holds, as the shell would hand it over."""

from __future__ import annotations

from pathlib import Path

from agentguard.analysis import analyze_command


def test_a_line_break_inside_double_quotes_separates_commands(tmp_path: Path) -> None:
    (tmp_path / "build2").mkdir()
    effects = analyze_command('bash -c "echo hi\nrm -rf build2"', str(tmp_path))
    assert [(e.kind.value, e.target) for e in effects if e.kind.value != "read"] == [("file.delete", "build2")]
