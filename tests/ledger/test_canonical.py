"""RFC 8785 canonical bytes: the published vectors, and the ledger's stricter value rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agentguard.ledger.canonical import canonical, canonical_any
from agentguard.ledger.errors import LedgerError

VECTORS = Path(__file__).parent / "vectors" / "rfc8785-jcs" / "testdata"
NAMES = sorted(p.stem for p in (VECTORS / "input").glob("*.json"))


def test_vectors_are_there() -> None:
    assert len(NAMES) == 6


@pytest.mark.parametrize("name", NAMES)
def test_rfc8785_vectors(name: str) -> None:
    value = json.loads((VECTORS / "input" / f"{name}.json").read_text(encoding="utf-8"))
    want = (VECTORS / "output" / f"{name}.json").read_bytes()
    assert canonical_any(value) == want
    assert want.hex() == "".join((VECTORS / "outhex" / f"{name}.txt").read_text().split())


def test_key_order_is_utf16_not_code_points() -> None:
    # U+FB33 sorts after U+1F600 in code points but before its UTF-16 surrogates (0xD83D…) it does not:
    # RFC 8785 §3.2.3 orders by UTF-16 code units, which json.dumps(sort_keys=True) gets wrong.
    value = {"\U0001f600": 1, "\ufb33": 2}
    assert canonical(value) == '{"\U0001f600":1,"\ufb33":2}'.encode()
    assert json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode() != canonical(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param({"a": 1.5}, "floats are not allowed", id="float"),
        pytest.param({"a": float("nan")}, "floats are not allowed", id="nan"),
        pytest.param([float("inf")], "floats are not allowed", id="inf"),
        pytest.param({1: "x"}, "is not a string", id="int-key"),
        pytest.param({"a": {"b": [1, {2: 3}]}}, "$.a.b[1]", id="nested-key-path"),
        pytest.param({"a": 2**53}, "outside", id="big-int"),
        pytest.param({"a": b"bytes"}, "bytes is not JSON", id="bytes"),
        pytest.param({"a": {1, 2}}, "set is not JSON", id="set"),
    ],
)
def test_rejects_what_is_not_ledger_json(value: object, message: str) -> None:
    with pytest.raises(LedgerError, match=message.replace("$", r"\$").replace("[", r"\[").replace(".", r"\.")):
        canonical(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_round_trips(value: object) -> None:
    data = canonical(value)
    assert json.loads(data) == value
    assert canonical(json.loads(data)) == data


unicode_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(st.characters(codec="utf-8")),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(codec="utf-8"), max_size=3), inner, max_size=5)
    ),
    max_leaves=25,
)


@given(unicode_values)
def test_fast_path_equals_rfc8785(value: object) -> None:
    # canonical() takes json.dumps when every key is below U+E000; it must match the reference bytes always.
    assert canonical(value) == canonical_any(value)


def test_fast_path_covers_control_characters_and_high_keys() -> None:
    value = {"\x00\x1f\x7f\u2028": '\b\t\n\f\r"\\\x01\u2029', "\ue000": 1, "\U00010000": 2, "z": [True, None]}
    assert canonical(value) == canonical_any(value)


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4),
    max_leaves=20,
)


@given(_JSONISH)
def test_the_fast_check_agrees_with_the_full_one(value: object) -> None:
    from agentguard.ledger import canonical as c

    def outcome(check: Any) -> object:
        try:
            return check(value)
        except LedgerError as exc:
            return ("refused", exc.message)

    assert outcome(c._fast_check) == outcome(c.check_value)
