"""RFC 6962 Merkle hashing: the published test vectors, refusals by name, and properties.

The vectors are facts published with the Certificate Transparency reference code, taken from
github.com/transparency-dev/merkle (formerly part of google/trillian):
  - testonly/constants.go: the eight leaf inputs, the root of every size 0..8 and the hashes
    of the complete subtrees;
  - proof/verify_test.go: the inclusion proofs (there numbered by 1-based leaf, here by 0-based
    index) and the consistency proofs.
The same numbers appear in certificate-transparency-go and in the C++ CT log's tests.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timebank import merkle
from timebank.errors import VerificationError

LEAVES = [
    bytes.fromhex(text)
    for text in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# Root hash by tree size; size 0 is SHA-256 of the empty string.
ROOTS = [
    bytes.fromhex(text)
    for text in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]

# The leaf hashes of the eight leaves (level 0 of testonly/constants.go NodeHashes).
LEAF_HASHES = [
    bytes.fromhex(text)
    for text in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    )
]


def hashes(*texts: str) -> list[bytes]:
    return [bytes.fromhex(text) for text in texts]


# (index, tree size, proof)
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        5,
        8,
        hashes(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (2, 3, hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        1,
        5,
        hashes(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]

# (old size, new size, proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        hashes(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]


def flipped(data: bytes, position: int) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def every_flip(data: bytes) -> list[bytes]:
    """Each single-byte change of data; for empty data, the one-byte extension."""
    return [flipped(data, position) for position in range(len(data))] or [b"\x01"]


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH written straight from the recursive definition of RFC 6962 section 2.1 (small trees)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    split = 1
    while split * 2 < len(leaves):
        split *= 2
    return hashlib.sha256(b"\x01" + reference_root(leaves[:split]) + reference_root(leaves[split:])).digest()


# -- the published vectors ----------------------------------------------------------------


def test_leaf_hashes_match_the_published_ones() -> None:
    assert [merkle.leaf_hash(data) for data in LEAVES] == LEAF_HASHES


def test_node_hash_of_the_first_two_leaves_is_the_root_of_size_two() -> None:
    assert merkle.node_hash(LEAF_HASHES[0], LEAF_HASHES[1]) == ROOTS[2]


@pytest.mark.parametrize("size", range(len(ROOTS)))
def test_root_of_every_size_matches_the_published_root(size: int) -> None:
    assert merkle.root_hash(LEAVES[:size]) == ROOTS[size]
    assert merkle.root_from_leaf_hashes(LEAF_HASHES[:size]) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_proof_matches_the_published_one_and_verifies(index: int, size: int, proof: list[bytes]) -> None:
    assert merkle.inclusion_proof(LEAVES[:size], index) == proof
    merkle.verify_inclusion(LEAVES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old_size", "new_size", "proof"), CONSISTENCY_VECTORS)
def test_consistency_proof_matches_the_published_one_and_verifies(
    old_size: int, new_size: int, proof: list[bytes]
) -> None:
    assert merkle.consistency_proof(LEAVES[:new_size], old_size) == proof
    merkle.verify_consistency(old_size, new_size, ROOTS[old_size], ROOTS[new_size], proof)


# -- refusals, each naming what is wrong ----------------------------------------------------

PROOF_5_OF_8 = INCLUSION_VECTORS[2][2]
PROOF_6_TO_8 = CONSISTENCY_VECTORS[2][2]


# Not among the refusals: leaf 5 of 7 has a path of the same shape as leaf 5 of 8, so the proof alone
# does not pin the tree size; the size is bound to the root where the root is signed.
@pytest.mark.parametrize(
    ("index", "size", "proof", "root", "message"),
    [
        (8, 8, PROOF_5_OF_8, ROOTS[8], "index: got 8, want 0 <= index < tree_size 8"),
        (-1, 8, PROOF_5_OF_8, ROOTS[8], "index: got -1"),
        (0, 0, [], ROOTS[0], "index: got 0, want 0 <= index < tree_size 0"),
        (5, 8, PROOF_5_OF_8[:2], ROOTS[8], "proof: got 2 hashes, want 3 for leaf 5 of a tree of 8"),
        (5, 8, [*PROOF_5_OF_8, ROOTS[8]], ROOTS[8], "proof: got 4 hashes, want 3"),
        (5, 8, [PROOF_5_OF_8[0][:31], *PROOF_5_OF_8[1:]], ROOTS[8], r"proof\[0\]: got 31 bytes, want 32"),
        (5, 8, PROOF_5_OF_8, ROOTS[7], "root: the proof for leaf 5 of a tree of 8 leads to another root"),
        (4, 8, PROOF_5_OF_8, ROOTS[8], "root: the proof for leaf 4 of a tree of 8 leads to another root"),
        (5, 6, PROOF_5_OF_8, ROOTS[8], "proof: got 3 hashes, want 2 for leaf 5 of a tree of 6"),
        (5, 16, PROOF_5_OF_8, ROOTS[8], "proof: got 3 hashes, want 4"),
    ],
)
def test_verify_inclusion_refuses(index: int, size: int, proof: list[bytes], root: bytes, message: str) -> None:
    with pytest.raises(VerificationError, match=message):
        merkle.verify_inclusion(LEAVES[5], index, size, proof, root)


@pytest.mark.parametrize(
    ("old_size", "new_size", "old_root", "new_root", "proof", "message"),
    [
        (9, 8, ROOTS[8], ROOTS[8], [], "old_size: got 9, want 0 <= old_size <= new_size 8"),
        (-1, 8, ROOTS[0], ROOTS[8], [], "old_size: got -1"),
        (6, 8, ROOTS[6], ROOTS[8], [], "proof: got 0 hashes, want 3 for sizes 6 -> 8"),
        (6, 8, ROOTS[6], ROOTS[8], PROOF_6_TO_8[1:], "proof: got 2 hashes, want 3"),
        (6, 8, ROOTS[6], ROOTS[8], [*PROOF_6_TO_8, ROOTS[6]], "proof: got 4 hashes, want 3"),
        (6, 8, ROOTS[6], ROOTS[8], [b"", *PROOF_6_TO_8[1:]], r"proof\[0\]: got 0 bytes, want 32"),
        (
            6,
            8,
            ROOTS[5],
            ROOTS[8],
            PROOF_6_TO_8,
            "old_root: does not match the consistency proof for sizes 6 -> 8",
        ),
        (6, 8, ROOTS[6], ROOTS[7], PROOF_6_TO_8, "new_root: does not match the consistency proof"),
        (6, 8, ROOTS[8], ROOTS[6], PROOF_6_TO_8, "old_root: does not match"),
        (8, 8, ROOTS[8], ROOTS[7], [], "new_root: does not match the consistency proof for sizes 8 -> 8"),
        (8, 8, ROOTS[8], ROOTS[8], [ROOTS[8]], "proof: got 1 hashes, want 0"),
        (0, 8, ROOTS[1], ROOTS[8], [], "old_root: does not match the consistency proof for sizes 0 -> 8"),
        (0, 8, ROOTS[0], ROOTS[8], [ROOTS[0]], "proof: got 1 hashes, want 0"),
    ],
)
def test_verify_consistency_refuses(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: list[bytes], message: str
) -> None:
    with pytest.raises(VerificationError, match=message):
        merkle.verify_consistency(old_size, new_size, old_root, new_root, proof)


def test_the_empty_tree_is_consistent_with_every_tree() -> None:
    for size in range(len(ROOTS)):
        merkle.verify_consistency(0, size, ROOTS[0], ROOTS[size], [])


def test_proof_generation_refuses_positions_outside_the_tree() -> None:
    with pytest.raises(ValueError, match="index: got 8, want 0 <= index < 8"):
        merkle.inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError, match="old_size: got 9, want 0 <= old_size <= 8"):
        merkle.consistency_proof(LEAVES, 9)


@pytest.mark.slow
def test_a_million_leaves_need_no_recursion() -> None:
    leaves = [number.to_bytes(4, "big") for number in range(1_000_000)]
    root = merkle.root_hash(leaves)
    index = len(leaves) - 1
    merkle.verify_inclusion(leaves[index], index, len(leaves), merkle.inclusion_proof(leaves, index), root)
    old_root = merkle.root_hash(leaves[:999_999])
    proof = merkle.consistency_proof(leaves, 999_999)
    merkle.verify_consistency(999_999, len(leaves), old_root, root, proof)


# -- properties over random trees -----------------------------------------------------------

leaf_lists = st.lists(st.binary(max_size=6), min_size=1, max_size=33)


@settings(max_examples=150, deadline=None)
@given(leaves=leaf_lists)
def test_root_matches_the_recursive_definition(leaves: list[bytes]) -> None:
    assert merkle.root_hash(leaves) == reference_root(leaves)


@settings(max_examples=100, deadline=None)
@given(leaves=leaf_lists)
def test_every_inclusion_proof_verifies(leaves: list[bytes]) -> None:
    root = merkle.root_hash(leaves)
    for index, data in enumerate(leaves):
        merkle.verify_inclusion(data, index, len(leaves), merkle.inclusion_proof(leaves, index), root)


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists)
def test_every_consistency_proof_between_every_pair_of_sizes_verifies(leaves: list[bytes]) -> None:
    roots = [merkle.root_hash(leaves[:size]) for size in range(len(leaves) + 1)]
    for new_size in range(len(leaves) + 1):
        for old_size in range(new_size + 1):
            proof = merkle.consistency_proof(leaves[:new_size], old_size)
            merkle.verify_consistency(old_size, new_size, roots[old_size], roots[new_size], proof)


def proofs_with_one_element_flipped(proof: list[bytes]) -> list[list[bytes]]:
    return [
        [*proof[:element], changed, *proof[element + 1 :]]
        for element, hash_bytes in enumerate(proof)
        for changed in every_flip(hash_bytes)
    ]


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_refuses_a_flipped_byte_in_the_proof_the_leaf_or_the_root(
    leaves: list[bytes], data: st.DataObject
) -> None:
    index = data.draw(st.integers(min_value=0, max_value=len(leaves) - 1), label="index")
    size, leaf, root = len(leaves), leaves[index], merkle.root_hash(leaves)
    proof = merkle.inclusion_proof(leaves, index)
    cases = [(leaf, bad, root) for bad in proofs_with_one_element_flipped(proof)]
    cases += [(bad, proof, root) for bad in every_flip(leaf)]
    cases += [(leaf, proof, bad) for bad in every_flip(root)]
    for case_leaf, case_proof, case_root in cases:
        with pytest.raises(VerificationError):
            merkle.verify_inclusion(case_leaf, index, size, case_proof, case_root)


@settings(max_examples=60, deadline=None)
@given(leaves=leaf_lists, data=st.data())
def test_consistency_refuses_a_flipped_byte_in_the_proof_or_either_root(
    leaves: list[bytes], data: st.DataObject
) -> None:
    """Old size from 1: the empty tree is consistent with every new root, so there is nothing to flip."""
    new_size = len(leaves)
    old_size = data.draw(st.integers(min_value=1, max_value=new_size), label="old_size")
    old_root, new_root = merkle.root_hash(leaves[:old_size]), merkle.root_hash(leaves)
    proof = merkle.consistency_proof(leaves, old_size)
    cases = [(old_root, new_root, bad) for bad in proofs_with_one_element_flipped(proof)]
    cases += [(bad, new_root, proof) for bad in every_flip(old_root)]
    cases += [(old_root, bad, proof) for bad in every_flip(new_root)]
    for case_old_root, case_new_root, case_proof in cases:
        with pytest.raises(VerificationError):
            merkle.verify_consistency(old_size, new_size, case_old_root, case_new_root, case_proof)


def test_a_compact_range_gives_the_published_root_of_every_size() -> None:
    compact = merkle.CompactRange()
    assert compact.root() == ROOTS[0]
    for size, leaf in enumerate(LEAF_HASHES, start=1):
        compact.append(leaf)
        assert (compact.size, compact.root()) == (size, ROOTS[size])


def test_a_compact_range_holds_one_hash_per_set_bit_of_its_size() -> None:
    compact = merkle.CompactRange()
    for size in range(1, 200):
        compact.append(merkle.leaf_hash(size.to_bytes(2, "big")))
        assert len(compact._hashes) == size.bit_count()


@settings(max_examples=60, deadline=None)
@given(leaves=st.lists(st.binary(max_size=8), max_size=70))
def test_a_compact_range_equals_the_tree_hash_at_every_size(leaves: list[bytes]) -> None:
    compact = merkle.CompactRange()
    for size, leaf in enumerate(leaves, start=1):
        compact.append(merkle.leaf_hash(leaf))
        assert compact.root() == merkle.root_hash(leaves[:size])
