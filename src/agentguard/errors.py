"""One error base with a message that says what happened and what to do, and an exit code per class."""

from __future__ import annotations


class AgentGuardError(Exception):
    """Base of agentguard's own errors. `exit_code` values are documented in docs/cli.md and never reused."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PolicyError(AgentGuardError):
    """A policy file is invalid: the message names the file and line."""

    exit_code = 3


class StateError(AgentGuardError):
    """agentguard's state (mode file, state dir) cannot be read or written."""

    exit_code = 4


class HookError(AgentGuardError):
    """The host's hook input is not what its protocol says."""

    exit_code = 5
