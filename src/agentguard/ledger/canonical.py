"""RFC 8785 (JSON Canonicalization Scheme) bytes of an event: what is signed and hashed.

The `rfc8785` package implements the scheme (UTF-16 key order, ES6 number and string forms); plain
`json.dumps(sort_keys=True)` does not. The ledger allows no floats at all: an IEEE double's text is where
implementations disagree, and nothing the gate records needs one. Integers must fit in ±(2**53 - 1), the range
RFC 8785 (via I-JSON, RFC 7493) keeps exact.
"""

from __future__ import annotations

from typing import Any

from agentguard.ledger.errors import LedgerError

MAX_INT = 2**53 - 1


def canonical(value: Any) -> bytes:
    """The canonical bytes of a JSON value made of dicts (str keys), lists, str, int, bool and None."""
    check_value(value)
    return canonical_any(value)


def canonical_any(value: Any) -> bytes:
    """RFC 8785 bytes of any JSON value, floats included (for the conformance vectors)."""
    import rfc8785

    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise LedgerError(f"cannot canonicalize this value as RFC 8785 JSON: {exc}") from None


def check_value(value: Any, where: str = "$") -> None:
    """Raise LedgerError naming the first place that is not ledger JSON (float, NaN, non-string key…)."""
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise LedgerError(f"{where}: integer {value} is outside ±(2**53-1); store it as a string")
        return
    if isinstance(value, float):
        raise LedgerError(f"{where}: floats are not allowed in ledger events ({value!r}); use an integer or a string")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise LedgerError(f"{where}: object key {key!r} is not a string")
            check_value(item, f"{where}.{key}")
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            check_value(item, f"{where}[{i}]")
        return
    raise LedgerError(f"{where}: {type(value).__name__} is not JSON; convert it to a string, number, list or object")
