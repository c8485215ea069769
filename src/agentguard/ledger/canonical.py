"""RFC 8785 (JSON Canonicalization Scheme) bytes of an event: what is signed and hashed.

The `rfc8785` package implements the scheme (UTF-16 key order, ES6 number and string forms); plain
`json.dumps(sort_keys=True)` does not. The ledger allows no floats at all: an IEEE double's text is where
implementations disagree, and nothing the gate records needs one. Integers must fit in ±(2**53 - 1), the range
RFC 8785 (via I-JSON, RFC 7493) keeps exact.

Speed (the hook appends on every tool call): without floats, RFC 8785 differs from
`json.dumps(sort_keys=True, ensure_ascii=False, separators=(",", ":"))` only in key order, and only for keys
holding characters at or above U+E000 (code-point order and UTF-16 order agree below the surrogate range).
String escapes already agree (short forms for backspace, tab, newline, form feed, return, quote and
backslash; other controls as a lowercase 4-digit escape; nothing else escaped). So values whose keys are all
below U+E000 take json.dumps; the rest go through `rfc8785`. Hypothesis checks the two paths give the same bytes.
"""

from __future__ import annotations

from typing import Any

from agentguard.ledger.errors import LedgerError

MAX_INT = 2**53 - 1


def canonical(value: Any) -> bytes:
    """The canonical bytes of a JSON value made of dicts (str keys), lists, str, int, bool and None."""
    if _fast_check(value):
        import json

        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        except UnicodeEncodeError:
            raise LedgerError("a string holds a lone surrogate, which is not Unicode text") from None
    return canonical_any(value)


def canonical_any(value: Any) -> bytes:
    """RFC 8785 bytes of any JSON value, floats included (for the conformance vectors)."""
    import rfc8785

    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError) as exc:
        raise LedgerError(f"cannot canonicalize this value as RFC 8785 JSON: {exc}") from None


class _NotPlain(Exception):
    """Raised by the fast pass at anything it does not vouch for: the full check then says what and where."""


def _fast_check(value: Any) -> bool:
    """`check_value` for the common case, ~3x faster: exact built-in types only, and no location strings
    (building `$.payload.effects[3].target` for every node cost a fifth of an append). Anything else —
    a subclass, a bad value — goes to `check_value`, which returns the same answer or raises with the place."""
    try:
        return _plain(value)
    except _NotPlain:
        return check_value(value)


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        if -MAX_INT <= value <= MAX_INT:
            return True
        raise _NotPlain
    if kind is dict:
        simple = True
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            if not _plain(item) or not (key.isascii() or max(key) < "\ue000"):
                simple = False
        return simple
    if kind is list or kind is tuple:
        simple = True
        for item in value:
            if not _plain(item):
                simple = False
        return simple
    raise _NotPlain


def check_value(value: Any, where: str = "$") -> bool:
    """Raise LedgerError naming the first place that is not ledger JSON (float, NaN, non-string key…).

    Returns whether every object key is below U+E000 (so code-point key order is RFC 8785 order).
    """
    if value is None or isinstance(value, (bool, str)):
        return True
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise LedgerError(f"{where}: integer {value} is outside ±(2**53-1); store it as a string")
        return True
    if isinstance(value, float):
        raise LedgerError(f"{where}: floats are not allowed in ledger events ({value!r}); use an integer or a string")
    if isinstance(value, dict):
        simple = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise LedgerError(f"{where}: object key {key!r} is not a string")
            simple = check_value(item, f"{where}.{key}") and simple and (key.isascii() or max(key) < "\ue000")
        return simple
    if isinstance(value, (list, tuple)):
        simple = True
        for i, item in enumerate(value):
            simple = check_value(item, f"{where}[{i}]") and simple
        return simple
    raise LedgerError(f"{where}: {type(value).__name__} is not JSON; convert it to a string, number, list or object")
