"""agentguard's own reading of the XDG dirs gives platformdirs' answer, without importing it on the hook path."""

from __future__ import annotations

import sys

import platformdirs
import pytest

from agentguard.state import Places, user_dirs

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the fast path is Linux's")


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({}, id="defaults"),
        pytest.param({"XDG_STATE_HOME": "/x/state", "XDG_CONFIG_HOME": "/x/config"}, id="xdg-absolute"),
        pytest.param({"XDG_STATE_HOME": "", "XDG_CONFIG_HOME": ""}, id="xdg-empty"),
        pytest.param({"XDG_STATE_HOME": "rel/state", "XDG_CONFIG_HOME": "  "}, id="xdg-relative-or-blank"),
        pytest.param({"HOME": "/home/other"}, id="other-home"),
        pytest.param({"HOME": "relative-home"}, id="relative-home-asks-platformdirs"),
        pytest.param({"HOME": "/home/x/", "XDG_CONFIG_HOME": "/c/"}, id="trailing-slashes"),
    ],
)
def test_user_dirs_are_platformdirs_answer(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    expected = (platformdirs.user_state_dir("agentguard"), platformdirs.user_config_dir("agentguard"))
    assert user_dirs() == expected


def test_places_without_agentguard_home_use_the_user_dirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTGUARD_HOME")
    monkeypatch.setenv("XDG_STATE_HOME", "/x/state")
    places = Places.from_env()
    assert (places.state, places.config) == ("/x/state/agentguard", platformdirs.user_config_dir("agentguard"))
