"""RFC 6962 / RFC 9162 Merkle tree over the ledger's events.

leaf hash = SHA-256(0x00 ‖ event bytes), node = SHA-256(0x01 ‖ left ‖ right), the root of n leaves splits at
the largest power of two below n (RFC 9162 §2.1.1). Proof generation follows §2.1.3.1 / §2.1.4.1 and proof
verification §2.1.3.2 / §2.1.4.2 (the same algorithms as transparency-dev/merkle, whose vectors the tests run).

`Frontier` is the compact range [0, n): the roots of the perfect subtrees that make up the tree, largest first.
Appending a leaf merges equal-sized subtrees (O(log n), amortised O(1)) and the root is a fold of at most
log2(n) hashes, so the head can carry its tree without reading any earlier event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hashlib import sha256 as sha256
else:  # the builtin SHA-256: hashlib's first import loads OpenSSL (_hashlib), ~2.5 ms of every hook process
    try:
        from _sha256 import sha256
    except ImportError:  # 3.12+ names it _sha2; a build may have neither
        try:
            from _sha2 import sha256
        except ImportError:
            from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify; the message says which check failed."""


def leaf_hash(data: bytes) -> bytes:
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def frontier_append(hashes: list[bytes], size: int, leaf: bytes) -> None:
    """Add one leaf hash to a compact range of `size` leaves, in place."""
    node = leaf
    while size & 1:
        node = node_hash(hashes.pop(), node)
        size >>= 1
    hashes.append(node)


def frontier_root(hashes: Sequence[bytes]) -> bytes:
    if not hashes:
        return EMPTY_ROOT
    root = hashes[-1]
    for left in reversed(hashes[:-1]):
        root = node_hash(left, root)
    return root


class Frontier(NamedTuple):
    """The compact range of an RFC 6962 tree: enough to append and compute the root in O(log n).

    The ledger's record types are NamedTuples, not dataclasses: as frozen and typed, but a frozen dataclass
    costs every hook process ~0.4 ms to create and a NamedTuple ~0.07 ms."""

    size: int = 0
    hashes: tuple[bytes, ...] = ()

    def append(self, leaf: bytes) -> Frontier:
        hashes = list(self.hashes)
        frontier_append(hashes, self.size, leaf)
        return Frontier(self.size + 1, tuple(hashes))

    def root(self) -> bytes:
        return frontier_root(self.hashes)

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    @classmethod
    def from_bytes(cls, size: int, data: bytes) -> Frontier:
        """Rebuild from storage; the number of hashes must be popcount(size) or the blob is corrupt."""
        count = size.bit_count()
        if len(data) != count * HASH_SIZE:
            raise ValueError(f"a frontier of {size} leaves has {count} hashes, not {len(data) / HASH_SIZE:g}")
        return cls(size, tuple(data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)))


class Tree:
    """All leaf hashes in memory, with the perfect subtrees cached level by level, for proofs at any size."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.levels: list[Sequence[bytes]] = [leaves]
        level = leaves
        while len(level) > 1:
            level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            self.levels.append(level)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def _hash(self, lo: int, hi: int) -> bytes:
        """MTH of leaves [lo, hi): a cached node when the range is a perfect aligned subtree."""
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and lo % n == 0:
            return self.levels[n.bit_length() - 1][lo // n]
        k = _split(n)
        return node_hash(self._hash(lo, lo + k), self._hash(lo + k, hi))

    def root(self, size: int | None = None) -> bytes:
        return self._hash(0, self.size if size is None else self._check_size(size))

    def _check_size(self, size: int) -> int:
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is outside 0..{self.size}")
        return size

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1."""
        self._check_size(size)
        if not 0 <= index < size:
            raise ValueError(f"leaf {index} is not in a tree of {size}")
        return self._path(index, 0, size)

    def _path(self, m: int, lo: int, hi: int) -> list[bytes]:
        n = hi - lo
        if n == 1:
            return []
        k = _split(n)
        if m < k:
            return [*self._path(m, lo, lo + k), self._hash(lo + k, hi)]
        return [*self._path(m - k, lo + k, hi), self._hash(lo, lo + k)]

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        """PROOF(old, D[0:new]) of RFC 9162 §2.1.4.1; empty when old is 0 or old == new."""
        self._check_size(new)
        if not 0 <= old <= new:
            raise ValueError(f"cannot prove size {old} against the smaller size {new}")
        if old in (0, new):
            return []
        return self._subproof(old, 0, new, True)

    def _subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [self._hash(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, whole), self._hash(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self._hash(lo, lo + k)]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2; raises ProofError."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash(leaf)
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError("the inclusion proof does not lead to the checkpoint's root")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p)
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return r


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """RFC 9162 §2.1.4.2; raises ProofError. Nothing is proved from size 0 (as transparency-dev rules)."""
    if old > new:
        raise ProofError(f"old size {old} is larger than new size {new}")
    if old == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old == new:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if old_root != new_root:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    for p in proof:
        _check_hash(p)
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root:
        raise ProofError("the consistency proof does not lead to the old root")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the new root")


def _check_hash(value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"a proof hash is {len(value)} bytes, not {HASH_SIZE}")
