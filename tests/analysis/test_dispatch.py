"""Every command the walker sees leaves at least one effect for the policy to judge: none vanishes."""

from __future__ import annotations

import pytest
from families import assert_never_crashes


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("docker-compose exec workspace", id="wrapper-with-no-inner-command"),
        pytest.param("nohup", id="bare-wrapper"),
        pytest.param("minikube ssh -s ssh prod type=bind,source=/,target=/h", id="handler-that-finds-nothing"),
    ],
)
def test_a_command_never_vanishes(command: str) -> None:
    assert_never_crashes(command)
