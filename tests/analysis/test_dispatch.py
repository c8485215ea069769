"""Every command the walker sees leaves at least one effect for the policy to judge: none vanishes."""

from __future__ import annotations

import pytest

from agentguard.analysis import analyze_command


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("docker-compose exec workspace", id="wrapper-with-no-inner-command"),
        pytest.param("nohup", id="bare-wrapper"),
        pytest.param("minikube ssh -s ssh prod type=bind,source=/,target=/h", id="handler-that-finds-nothing"),
    ],
)
def test_a_command_never_vanishes(command: str) -> None:
    effects = analyze_command(command, "/tmp")
    assert effects and not [e for e in effects if "could not analyse" in e.detail]
