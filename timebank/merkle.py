"""RFC 6962 / RFC 9162 Merkle tree hashing: tree heads, inclusion and consistency proofs.

Owns the hashing rules (leaf SHA-256(0x00 || data), node SHA-256(0x01 || left || right)) and
the proof algorithms of RFC 9162 section 2.1. Pure functions over bytes: no I/O, no clock, no
knowledge of what the leaves mean. Verification raises VerificationError naming what is wrong
and never returns a bool. Trees are computed level by level, so a million leaves need no
recursion; a level's odd last node is carried up unchanged, which gives exactly the RFC's
split at the largest power of two below the size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from timebank.errors import VerificationError

__all__ = [
    "CompactRange",
    "EMPTY_ROOT_HASH",
    "HASH_SIZE_BYTES",
    "LEAF_PREFIX",
    "NODE_PREFIX",
    "Subtree",
    "consistency_proof",
    "consistency_subtrees",
    "inclusion_proof",
    "inclusion_subtrees",
    "leaf_hash",
    "node_hash",
    "root_from_leaf_hashes",
    "root_hash",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE_BYTES = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT_HASH = hashlib.sha256(b"").digest()

# A subtree is the half-open range of leaf positions [start, end).
Subtree = tuple[int, int]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH over the leaf data; the empty tree's root is SHA-256 of the empty string."""
    return root_from_leaf_hashes([leaf_hash(data) for data in leaves])


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    if not hashes:
        return EMPTY_ROOT_HASH
    level = list(hashes)
    while len(level) > 1:
        level = _parent_level(level)
    return level[0]


def _parent_level(level: list[bytes]) -> list[bytes]:
    parents = [node_hash(level[position], level[position + 1]) for position in range(0, len(level) - 1, 2)]
    if len(level) % 2 == 1:
        parents.append(level[-1])
    return parents


def _largest_power_of_two_below(size: int) -> int:
    """The k of RFC 9162: the largest power of two smaller than size (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def inclusion_subtrees(index: int, tree_size: int) -> list[Subtree]:
    """The subtrees whose heads form PATH(index, D[tree_size]), in proof order (leaf upward)."""
    subtrees: list[Subtree] = []
    start, end = 0, tree_size
    while end - start > 1:
        middle = start + _largest_power_of_two_below(end - start)
        if index < middle:
            subtrees.append((middle, end))
            end = middle
        else:
            subtrees.append((start, middle))
            start = middle
    return subtrees[::-1]


def consistency_subtrees(old_size: int, new_size: int) -> list[Subtree]:
    """The subtrees whose heads form PROOF(old_size, D[new_size]) of RFC 9162 section 2.1.4.1."""
    if old_size in (0, new_size):
        return []
    subtrees: list[Subtree] = []
    start, end, old_is_whole_subtree = 0, new_size, True
    while old_size != end:
        middle = start + _largest_power_of_two_below(end - start)
        if old_size <= middle:
            subtrees.append((middle, end))
            end = middle
        else:
            subtrees.append((start, middle))
            start, old_is_whole_subtree = middle, False
    if not old_is_whole_subtree:
        subtrees.append((start, end))
    return subtrees[::-1]


def _subtree_roots(leaves: Sequence[bytes], subtrees: list[Subtree]) -> list[bytes]:
    return [root_hash(leaves[start:end]) for start, end in subtrees]


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The audit path of leaf `index` (RFC 9162 section 2.1.3.1), nearest sibling first."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"index: got {index}, want 0 <= index < {len(leaves)}")
    return _subtree_roots(leaves, inclusion_subtrees(index, len(leaves)))


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """The proof that the first old_size leaves are a prefix of all of them (RFC 9162 2.1.4.1)."""
    if not 0 <= old_size <= len(leaves):
        raise ValueError(f"old_size: got {old_size}, want 0 <= old_size <= {len(leaves)}")
    return _subtree_roots(leaves, consistency_subtrees(old_size, len(leaves)))


def _check_proof_shape(proof: Sequence[bytes], length: int, sizes: str) -> None:
    if len(proof) != length:
        raise VerificationError(f"proof: got {len(proof)} hashes, want {length} for {sizes}")
    for position, element in enumerate(proof):
        if len(element) != HASH_SIZE_BYTES:
            raise VerificationError(f"proof[{position}]: got {len(element)} bytes, want {HASH_SIZE_BYTES}")


def _shift_while_right_child(first: int, second: int) -> tuple[int, int]:
    """Right-shifts both numbers until first's lowest bit is set or first is 0."""
    while first & 1 == 0 and first != 0:
        first, second = first >> 1, second >> 1
    return first, second


def verify_inclusion(leaf_data: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Checks that leaf_data is leaf `index` of the tree of tree_size leaves with this root.

    RFC 9162 section 2.1.3.2; the proof length is checked against the tree shape first.
    """
    if not 0 <= index < tree_size:
        raise VerificationError(f"index: got {index}, want 0 <= index < tree_size {tree_size}")
    sizes = f"leaf {index} of a tree of {tree_size}"
    _check_proof_shape(proof, len(inclusion_subtrees(index, tree_size)), sizes)
    position, last = index, tree_size - 1
    computed = leaf_hash(leaf_data)
    for sibling in proof:
        if position & 1 or position == last:
            computed = node_hash(sibling, computed)
            position, last = _shift_while_right_child(position, last)
        else:
            computed = node_hash(computed, sibling)
        position, last = position >> 1, last >> 1
    if computed != root:
        raise VerificationError(f"root: the proof for {sizes} leads to another root (leaf, proof or root altered)")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Checks that the tree of old_size leaves is a prefix of the tree of new_size leaves.

    RFC 9162 section 2.1.4.2. A tree of size 0 is a prefix of every tree, but its root must be
    the empty root; equal sizes need equal roots and an empty proof.
    """
    if not 0 <= old_size <= new_size:
        raise VerificationError(f"old_size: got {old_size}, want 0 <= old_size <= new_size {new_size}")
    sizes = f"sizes {old_size} -> {new_size}"
    _check_proof_shape(proof, len(consistency_subtrees(old_size, new_size)), sizes)
    if old_size == 0:
        _check_root("old_root", old_root, EMPTY_ROOT_HASH, sizes)
    elif old_size == new_size:
        _check_root("new_root", new_root, old_root, sizes)
    else:
        old_computed, new_computed = _roots_from_consistency(old_size, new_size, old_root, proof)
        _check_root("old_root", old_root, old_computed, sizes)
        _check_root("new_root", new_root, new_computed, sizes)


def _check_root(name: str, given: bytes, computed: bytes, sizes: str) -> None:
    if given != computed:
        raise VerificationError(f"{name}: does not match the consistency proof for {sizes}")


def _roots_from_consistency(
    old_size: int, new_size: int, old_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """Steps 2 to 6 of RFC 9162 section 2.1.4.2: the old and new roots the proof leads to."""
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    position, last = old_size - 1, new_size - 1
    while position & 1:
        position, last = position >> 1, last >> 1
    old_computed = new_computed = path[0]
    for sibling in path[1:]:
        if position & 1 or position == last:
            old_computed = node_hash(sibling, old_computed)
            new_computed = node_hash(sibling, new_computed)
            position, last = _shift_while_right_child(position, last)
        else:
            new_computed = node_hash(new_computed, sibling)
        position, last = position >> 1, last >> 1
    return old_computed, new_computed


class CompactRange:
    """The tree hash of a growing list of leaves in O(log n) memory, one leaf hash at a time.

    Holds the roots of the perfect subtrees covering leaves [0, size), largest first (one
    per set bit of size). Appending merges equal subtrees as a binary counter carries; root()
    folds them right to left, which is exactly RFC 9162's split at the largest power of two.
    """

    __slots__ = ("size", "_hashes")

    def __init__(self) -> None:
        self.size = 0
        self._hashes: list[bytes] = []

    def append(self, leaf: bytes) -> None:
        """Adds the leaf hash (not the leaf data) of leaf number size."""
        hashes, carry, position = self._hashes, leaf, self.size
        while position & 1:
            carry = node_hash(hashes.pop(), carry)
            position >>= 1
        hashes.append(carry)
        self.size += 1

    def root(self) -> bytes:
        """The Merkle tree hash of the leaves appended so far."""
        hashes = self._hashes
        if not hashes:
            return EMPTY_ROOT_HASH
        root = hashes[-1]
        for left in reversed(hashes[:-1]):
            root = node_hash(left, root)
        return root
