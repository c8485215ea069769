"""`system install` wires Claude Code's managed settings; `system uninstall` takes out only what it put in."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agentguard.system import install
from agentguard.system.layout import Layout

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the managed settings are root's files")


@pytest.fixture
def layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Layout:
    monkeypatch.setenv("AGENTGUARD_SYSTEM_FILE", str(tmp_path / "etc-agentguard" / "system.json"))
    return Layout(prefix=str(tmp_path / "opt"), managed=str(tmp_path / "claude-code" / "managed-settings.json"))


def settings(layout: Layout) -> dict[str, object]:
    return dict(json.loads(Path(layout.managed).read_text()))


def test_uninstall_takes_out_the_allow_managed_hooks_only_it_set(layout: Layout) -> None:
    Path(layout.managed).parent.mkdir(parents=True)
    Path(layout.managed).write_text(json.dumps({"model": "opus"}))

    install._managed(layout, print)
    assert settings(layout)["allowManagedHooksOnly"] is True
    assert "hooks" in settings(layout)
    install._unwire(layout.managed)

    assert settings(layout) == {"model": "opus"}


def test_uninstall_keeps_the_allow_managed_hooks_only_an_administrator_set(layout: Layout) -> None:
    Path(layout.managed).parent.mkdir(parents=True)
    Path(layout.managed).write_text(json.dumps({"allowManagedHooksOnly": True}))

    install._managed(layout, print)
    install._managed(layout, print)  # a repair run changes nothing of it
    install._unwire(layout.managed)

    assert settings(layout) == {"allowManagedHooksOnly": True}
