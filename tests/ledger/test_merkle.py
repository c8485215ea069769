"""RFC 6962 Merkle tree: transparency-dev vectors, and proofs from our tree checked by our verifier."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentguard.ledger.merkle import (
    EMPTY_ROOT,
    Frontier,
    ProofError,
    Tree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).parent / "vectors" / "rfc6962-merkle"


def _cases(kind: str) -> list[Any]:
    files = sorted((VECTORS / "testdata" / kind).rglob("*.json"))
    return [pytest.param(json.loads(f.read_text()), id=str(f.relative_to(VECTORS / "testdata"))) for f in files]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


INCLUSION = _cases("inclusion")
CONSISTENCY = _cases("consistency")


def test_vector_counts() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98


@pytest.mark.parametrize("case", INCLUSION)
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    proof = [_b64(p) for p in case["proof"] or []]
    args = (case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("case", CONSISTENCY)
def test_consistency_vectors(case: dict[str, Any]) -> None:
    proof = [_b64(p) for p in case["proof"] or []]
    args = (case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_roots_of_reference_trees() -> None:
    data = json.loads((VECTORS / "roots.json").read_text())
    leaves = [leaf_hash(bytes.fromhex(h)) for h in data["leaf_inputs_hex"]]
    tree = Tree(leaves)
    frontier = Frontier()
    for n, want in enumerate(data["root_hashes_hex"]):
        assert tree.root(n).hex() == want
        assert frontier.root().hex() == want
        if n < len(leaves):
            frontier = frontier.append(leaves[n])
    assert tree.root(0) == EMPTY_ROOT


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 140), st.data())
def test_generated_proofs_verify(size: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    tree = Tree(leaves)
    n = data.draw(st.integers(1, size))
    index = data.draw(st.integers(0, n - 1))
    root = tree.root(n)
    proof = tree.inclusion_proof(index, n)
    verify_inclusion(index, n, leaves[index], proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, n, leaf_hash(b"other"), proof, root)
    old = data.draw(st.integers(1, n))
    verify_consistency(old, n, tree.root(old), root, tree.consistency_proof(old, n))
    if old < n:
        with pytest.raises(ProofError):
            verify_consistency(old, n, tree.root(old - 1) if old > 1 else EMPTY_ROOT, root,
                               tree.consistency_proof(old, n))  # fmt: skip


@given(st.lists(st.binary(max_size=8), max_size=70))
def test_frontier_matches_tree(items: list[bytes]) -> None:
    frontier = Frontier()
    leaves = []
    for item in items:
        leaves.append(leaf_hash(item))
        frontier = frontier.append(leaves[-1])
        assert frontier.root() == Tree(leaves).root()
    restored = Frontier.from_bytes(frontier.size, frontier.to_bytes())
    assert restored == frontier
    assert len(frontier.hashes) == len(items).bit_count()


def test_inclusion_proof_at_a_million_is_small() -> None:
    # 20 levels x 32 bytes: the proof stays under 1 KB however large the ledger grows.
    assert (1_000_000 - 1).bit_length() * 32 <= 1024
