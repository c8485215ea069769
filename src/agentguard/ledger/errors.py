"""The ledger's errors: each message says what is wrong and what to do."""

from __future__ import annotations

from agentguard.errors import AgentGuardError


class LedgerError(AgentGuardError):
    """The ledger cannot be used as asked (bad input, missing key, unreadable database)."""

    exit_code = 6


class IntegrityError(LedgerError):
    """The ledger's content does not check out: a link, signature, root or anchor is wrong."""

    exit_code = 7

    def __init__(self, message: str, *, seq: int | None = None, kind: str = "hash_mismatch", last: int | None = None,
                 expected: str = "", actual: str = "", reached: int = 0, checkpoint: str = "") -> None:  # fmt: skip
        super().__init__(message)
        self.seq, self.kind, self.last, self.expected, self.actual = seq, kind, last, expected, actual
        # How many events the ledger is known to have had (a head, anchor or checkpoint says so): events below
        # this size that are not stored were lost, and the break that declares them comes after them.
        self.reached = reached
        self.checkpoint = checkpoint  # the signed checkpoint the ledger as stored contradicts, if any


class BreakDeclared(LedgerError):
    """The ledger verifies, but a declared chain break is not resolved (status broken_declared)."""

    exit_code = 8
