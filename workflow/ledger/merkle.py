"""RFC 9162 Merkle tree hashing, proofs and the append frontier for the signing log.

The log is a CT-style tree (RFC 9162 §2.1) so that one document can be exported with an
O(log n) inclusion proof and an auditor can check with an O(log n) consistency proof that
today's log extends the one it saw before. The hashing must match Go tooling (Tessera,
witnesses) byte for byte, so it follows the RFC exactly: leaves and interior nodes carry
the 0x00 / 0x01 domain-separation prefixes and the tree is never padded.

Verifiers treat every input as hostile: sizes, indices and every hash length are checked
before any hashing, and a proof must have exactly the length the tree shape implies.
Proofs are lists of 32-byte hashes ordered from the leaf level upwards.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
MAX_TREE_SIZE = 2**64 - 1


class ProofError(ValueError):
    """An inclusion or consistency proof is malformed or does not match its roots."""


def leaf_hash(data: bytes) -> bytes:
    """Hash log entry bytes with the 0x00 prefix so no leaf can pose as an interior node."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes with the 0x01 prefix; order matters, so position is bound."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """Compute the Merkle Tree Hash from scratch, the reference the frontier is checked against."""
    _check_leaf_hashes(leaf_hashes)
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree_root(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """Build PATH(index, D[n]) (RFC 9162 §2.1.3.1) for the tree of all given leaves.

    Raises ValueError when index is not a leaf of the tree: asking for such a proof is a
    caller bug, not a verification failure.
    """
    _check_leaf_hashes(leaf_hashes)
    _check_int(index, "leaf index", ValueError)
    if index >= len(leaf_hashes):
        raise ValueError(f"leaf index {index} is not below tree size {len(leaf_hashes)}")
    return _path(leaf_hashes, index, 0, len(leaf_hashes))


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """Build PROOF(old_size, D[n]) (RFC 9162 §2.1.4.1) from the old tree to all given leaves.

    There is no proof from the empty tree (every tree extends it), so old_size must be at
    least 1; that mirrors verify_consistency, which refuses size1 == 0.
    """
    _check_leaf_hashes(leaf_hashes)
    _check_int(old_size, "old tree size", ValueError)
    if old_size == 0:
        raise ValueError("there is no consistency proof from the empty tree")
    if old_size > len(leaf_hashes):
        raise ValueError(f"old tree size {old_size} exceeds new tree size {len(leaf_hashes)}")
    return _subproof(leaf_hashes, old_size, 0, len(leaf_hashes), True)


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that `leaf` is leaf number `index` of the tree of `size` leaves with `root`.

    Raises ProofError saying what is wrong; returns None only for a valid proof.
    """
    _check_int(index, "leaf index", ProofError)
    _check_int(size, "tree size", ProofError)
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root hash")
    _check_proof(proof)
    inner, border = _decompose_inclusion(index, size)
    if len(proof) != inner + border:
        raise ProofError(
            f"inclusion proof has {len(proof)} hashes, a tree of size {size} "
            f"needs {inner + border} for leaf {index}"
        )
    computed = _chain_border_right(_chain_inner(leaf, proof[:inner], index), proof[inner:])
    if computed != root:
        raise ProofError(f"inclusion proof for leaf {index} does not lead to the root hash")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree (size2, root2) is an append-only extension of (size1, root1).

    Follows RFC 9162 §2.1.4.2 in the decomposed form of transparency-dev/merkle: both roots
    are recomputed from the same proof. A proof from the empty tree is refused because it
    proves nothing. Raises ProofError; returns None only for a valid proof.
    """
    _check_int(size1, "old tree size", ProofError)
    _check_int(size2, "new tree size", ProofError)
    _check_hash(root1, "old root hash")
    _check_hash(root2, "new root hash")
    _check_proof(proof)
    if size2 < size1:
        raise ProofError(f"new tree size {size2} is smaller than old tree size {size1}")
    if size1 == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if size1 == size2:
        if proof:
            raise ProofError(
                f"trees of equal size {size1} need an empty proof, got {len(proof)} hashes"
            )
        if root1 != root2:
            raise ProofError(f"trees of equal size {size1} have different root hashes")
        return
    if not proof:
        raise ProofError(f"empty consistency proof for different sizes {size1} and {size2}")

    inner, border = _decompose_inclusion(size1 - 1, size2)
    shift = _trailing_zeros(size1)
    inner -= shift
    if size1 == 1 << shift:
        seed, rest = root1, proof
    else:
        seed, rest = proof[0], proof[1:]
    if len(rest) != inner + border:
        want = inner + border + (len(proof) - len(rest))
        raise ProofError(
            f"consistency proof has {len(proof)} hashes, sizes {size1} -> {size2} need {want}"
        )
    mask = (size1 - 1) >> shift
    old = _chain_border_right(_chain_inner_right(seed, rest[:inner], mask), rest[inner:])
    if old != root1:
        raise ProofError(f"consistency proof does not lead to the old root hash (size {size1})")
    new = _chain_border_right(_chain_inner(seed, rest[:inner], mask), rest[inner:])
    if new != root2:
        raise ProofError(f"consistency proof does not lead to the new root hash (size {size2})")


@dataclass(frozen=True)
class Frontier:
    """The compact range [0, size): roots of the perfect subtrees the leaves fill, largest first.

    Storing this (at most 64 hashes) next to the log head lets an append update the root in
    O(log n) without reading old leaves.
    """

    size: int = 0
    hashes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        _check_int(self.size, "frontier size", ValueError)
        if not isinstance(self.hashes, tuple):
            raise ValueError("frontier hashes must be a tuple")
        if len(self.hashes) != self.size.bit_count():
            raise ValueError(
                f"a frontier of size {self.size} holds {self.size.bit_count()} hashes, "
                f"got {len(self.hashes)}"
            )
        for position, value in enumerate(self.hashes):
            _check_hash(value, f"frontier hash {position}", ValueError)


def frontier_append(frontier: Frontier, leaf: bytes) -> Frontier:
    """Add one leaf hash, merging equal-sized subtrees like a binary counter carry."""
    _check_hash(leaf, "leaf hash", ValueError)
    if frontier.size >= MAX_TREE_SIZE:
        raise ValueError("the tree is full")
    hashes = list(frontier.hashes)
    node, carry = leaf, frontier.size
    while carry & 1:
        node = node_hash(hashes.pop(), node)
        carry >>= 1
    hashes.append(node)
    return Frontier(frontier.size + 1, tuple(hashes))


def frontier_root(frontier: Frontier) -> bytes:
    """Fold the subtree roots right to left, which is the MTH of the unpadded tree."""
    if not frontier.hashes:
        return EMPTY_ROOT
    root = frontier.hashes[-1]
    for left in reversed(frontier.hashes[:-1]):
        root = node_hash(left, root)
    return root


def frontier_from_leaves(leaf_hashes: Sequence[bytes]) -> Frontier:
    """Rebuild the frontier from the full leaf list, e.g. when re-deriving cached log state."""
    frontier = Frontier()
    for leaf in leaf_hashes:
        frontier = frontier_append(frontier, leaf)
    return frontier


def _split(n: int) -> int:
    """Largest power of two strictly below n (n >= 2), RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree_root(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    if hi - lo == 1:
        return leaves[lo]
    k = _split(hi - lo)
    return node_hash(_subtree_root(leaves, lo, lo + k), _subtree_root(leaves, lo + k, hi))


def _path(leaves: Sequence[bytes], m: int, lo: int, hi: int) -> list[bytes]:
    if hi - lo == 1:
        return []
    k = _split(hi - lo)
    if m < k:
        return _path(leaves, m, lo, lo + k) + [_subtree_root(leaves, lo + k, hi)]
    return _path(leaves, m - k, lo + k, hi) + [_subtree_root(leaves, lo, lo + k)]


def _subproof(leaves: Sequence[bytes], m: int, lo: int, hi: int, complete: bool) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if complete else [_subtree_root(leaves, lo, hi)]
    k = _split(n)
    if m <= k:
        return _subproof(leaves, m, lo, lo + k, complete) + [_subtree_root(leaves, lo + k, hi)]
    return _subproof(leaves, m - k, lo + k, hi, False) + [_subtree_root(leaves, lo, lo + k)]


def _decompose_inclusion(index: int, size: int) -> tuple[int, int]:
    """Split a proof where the paths to `index` and to the last leaf diverge."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _trailing_zeros(value: int) -> int:
    return (value & -value).bit_length() - 1


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(proof):
        if (index >> level) & 1:
            seed = node_hash(sibling, seed)
        else:
            seed = node_hash(seed, sibling)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(proof):
        if (index >> level) & 1:
            seed = node_hash(sibling, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for sibling in proof:
        seed = node_hash(sibling, seed)
    return seed


def _check_int(value: object, what: str, error: type[ValueError]) -> None:
    if type(value) is not int:
        raise error(f"{what} must be an int, got {type(value).__name__}")
    if not 0 <= value <= MAX_TREE_SIZE:
        raise error(f"{what} {value} is outside 0..2**64-1")


def _check_hash(value: object, what: str, error: type[ValueError] = ProofError) -> None:
    if not isinstance(value, bytes):
        raise error(f"{what} must be bytes, got {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise error(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")


def _check_proof(proof: object) -> None:
    if not isinstance(proof, (list, tuple)):
        raise ProofError(f"proof must be a list of hashes, got {type(proof).__name__}")
    for position, value in enumerate(proof):
        _check_hash(value, f"proof hash {position}")


def _check_leaf_hashes(leaf_hashes: object) -> None:
    if not isinstance(leaf_hashes, Sequence) or isinstance(leaf_hashes, (bytes, str)):
        raise ValueError("leaf hashes must be a sequence of 32-byte hashes")
    for position, value in enumerate(leaf_hashes):
        _check_hash(value, f"leaf hash {position}", ValueError)
