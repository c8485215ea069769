"""Hypothesis: whatever text arrives, analysis returns effects and never raises."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.analysis import analyze_command
from agentguard.models import Effect

SHELLISH = st.text(alphabet=st.sampled_from(list("rm -f*.db'\"$(){}|&;<>`\\\n~/ab=#!xargs bash -c eval")),
                   max_size=80)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=200), SHELLISH))
def test_analyzer_never_raises(command: str) -> None:
    effects = analyze_command(command, "/tmp")
    assert isinstance(effects, tuple)
    assert all(isinstance(e, Effect) for e in effects)
