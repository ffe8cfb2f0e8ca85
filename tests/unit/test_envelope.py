"""Sealed batches open; every kind of forged, misaddressed, stale or altered batch is refused,
each by its own test and with a message naming the field; single-item proofs for auditors."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import DecodeError

from tests.support.keys import (
    HOUR_MICROS,
    NEXT,
    NODE_A,
    NODE_B,
    NOW,
    REVOKED,
    RING,
    ROTATED_OUT,
    UNKNOWN,
    key_id_of,
)
from timebank import envelope, merkle, signing
from timebank.envelope import ItemProof, OpenedBatch
from timebank.errors import VerificationError
from timebank.v1 import clearing_pb2 as cpb

ITEMS = (b"prepare 1", b"vote 2", b"ack 3")
BATCH_ID = bytes(range(16))
SKEW_MICROS_MAX = 300_000_000  # five minutes
ITEMS_MAX = 100


def sealed(
    key: Ed25519PrivateKey = NODE_A,
    *,
    sender_id: str = "node-a",
    recipient_id: str = "clearinghouse",
    items: tuple[bytes, ...] = ITEMS,
    created_at_micros: int = NOW,
) -> cpb.SignedBatch:
    return envelope.seal(sender_id, recipient_id, items, key, batch_id=BATCH_ID, created_at_micros=created_at_micros)


def opened(
    signed: cpb.SignedBatch,
    *,
    expected_recipient: str = "clearinghouse",
    expected_sender: str | None = None,
    items_max: int = ITEMS_MAX,
) -> OpenedBatch:
    """Opens as the clearinghouse would, now, unless the arguments say otherwise."""
    return envelope.open_batch(
        signed,
        RING,
        expected_recipient=expected_recipient,
        now_micros=NOW,
        skew_micros_max=SKEW_MICROS_MAX,
        expected_sender=expected_sender,
        items_max=items_max,
    )


def refused(signed: cpb.SignedBatch, message: str, **overrides: Any) -> None:
    with pytest.raises(VerificationError, match=message):
        opened(signed, **overrides)


def signed_header(header: cpb.BatchHeader, items: tuple[bytes, ...], key: Ed25519PrivateKey) -> cpb.SignedBatch:
    """A batch around a header built by hand: for headers seal would never make."""
    header_bytes = header.SerializeToString()
    return cpb.SignedBatch(
        header=header_bytes,
        key_id=key_id_of(key),
        signature=signing.sign(key, envelope.BATCH_PURPOSE, header_bytes),
        items=items,
    )


def header_of(signed: cpb.SignedBatch) -> cpb.BatchHeader:
    header: cpb.BatchHeader = cpb.BatchHeader.FromString(signed.header)
    return header


# -- a good batch ------------------------------------------------------------------------------


def test_a_sealed_batch_opens() -> None:
    signed = sealed()
    batch = opened(signed, expected_sender="node-a")
    assert batch.items == ITEMS
    assert batch.key_id == key_id_of(NODE_A)
    assert batch.header.sender_id == "node-a"
    assert batch.header.recipient_id == "clearinghouse"
    assert batch.header.batch_id == BATCH_ID
    assert batch.header.created_at_micros == NOW
    assert batch.header.item_count == 3
    assert batch.header.items_root == merkle.root_hash(ITEMS)


def test_an_empty_batch_opens() -> None:
    assert opened(sealed(items=())).items == ()


def test_a_batch_within_the_skew_opens() -> None:
    opened(sealed(created_at_micros=NOW - SKEW_MICROS_MAX))
    opened(sealed(created_at_micros=NOW + SKEW_MICROS_MAX))


def test_seal_refuses_a_batch_id_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="batch_id: got 15 bytes, want 16"):
        envelope.seal("node-a", "clearinghouse", ITEMS, NODE_A, batch_id=bytes(15), created_at_micros=NOW)


# -- refusals: malformed before anything else ---------------------------------------------------


def test_a_signature_of_the_wrong_size_is_refused() -> None:
    signed = sealed()
    signed.signature = signed.signature[:10]
    refused(signed, "^signature: got 10 bytes, want 64$")


@pytest.mark.parametrize("key_id", ["", "ABCDEF0123456789", "0123456789abcde", "0123456789abcdef0", "x" * 500])
def test_a_malformed_key_id_is_refused(key_id: str) -> None:
    signed = sealed()
    signed.key_id = key_id
    refused(signed, "^key_id: got .*, want 16 lowercase hexadecimal digits$")


def test_header_bytes_that_are_not_a_header_are_refused() -> None:
    signed = sealed()
    signed.header = b"\xff\xff\xff"
    refused(signed, "^header: not a BatchHeader$")


# -- refusals: signature and key -----------------------------------------------------------------


def test_a_forged_signature_is_refused() -> None:
    signed = sealed()
    signed.signature = random.Random(1).randbytes(64)
    refused(signed, "^signature: does not verify over this batch")


def test_a_node_signing_for_another_node_is_refused() -> None:
    signed = sealed(NODE_B, sender_id="node-a")
    refused(signed, f"^key_id: key {key_id_of(NODE_B)} belongs to node-b, not node-a$")


def test_a_batch_signed_with_a_revoked_key_is_refused() -> None:
    refused(sealed(REVOKED), f"^key_id: key {key_id_of(REVOKED)} was revoked at ")


def test_a_batch_signed_with_a_rotated_out_key_is_refused() -> None:
    refused(sealed(ROTATED_OUT), rf"^key_id: key {key_id_of(ROTATED_OUT)} expired at .* \(rotated out\)$")


def test_a_batch_signed_with_a_key_not_yet_valid_is_refused() -> None:
    refused(sealed(NEXT), rf"^key_id: key {key_id_of(NEXT)} is valid from .* \(not yet\)$")


def test_a_batch_signed_with_an_unknown_key_is_refused() -> None:
    refused(sealed(UNKNOWN), f"^key_id: unknown key {key_id_of(UNKNOWN)}$")


def test_altered_header_bytes_are_refused() -> None:
    signed = sealed()
    signed.header = signed.header.replace(b"clearinghouse", b"clearinghousf")
    refused(signed, "^signature: does not verify over this batch", expected_recipient="clearinghousf")


def test_the_signature_is_checked_before_any_other_header_field() -> None:
    """A forged batch that is also misaddressed and stale is refused for its signature."""
    signed = sealed(recipient_id="node-b", created_at_micros=NOW - HOUR_MICROS)
    signed.signature = random.Random(2).randbytes(64)
    refused(signed, "^signature: does not verify")


# -- refusals: verified, but not acceptable here ---------------------------------------------------


def test_a_sender_other_than_the_tls_peer_is_refused() -> None:
    signed = sealed(NODE_B, sender_id="node-b")
    refused(signed, "^sender_id: batch signed by node-b but the TLS peer is node-a$", expected_sender="node-a")


def test_a_batch_for_another_party_is_refused() -> None:
    refused(
        sealed(recipient_id="node-b"),
        r"^recipient_id: batch is for node-b, not this party \(clearinghouse\)$",
    )


def test_a_stale_batch_replayed_later_is_refused() -> None:
    refused(
        sealed(created_at_micros=NOW - HOUR_MICROS),
        rf"^created_at_micros: {NOW - HOUR_MICROS} is 3600 s from this party's clock, want within 300 s$",
    )


def test_a_batch_from_too_far_in_the_future_is_refused() -> None:
    refused(
        sealed(created_at_micros=NOW + SKEW_MICROS_MAX + 500_000),
        r"^created_at_micros: \d+ is 300.5 s from this party's clock, want within 300 s$",
    )


def test_too_many_items_are_refused() -> None:
    refused(sealed(), "^items: got 3, want at most 2$", items_max=2)


def test_an_altered_item_is_refused() -> None:
    signed = sealed()
    signed.items[1] = b"vote 3"
    refused(signed, r"^items_root: does not match the items \(altered or reordered\)$")


def test_reordered_items_are_refused() -> None:
    signed = sealed()
    signed.items[0], signed.items[2] = signed.items[2], signed.items[0]
    refused(signed, r"^items_root: does not match the items \(altered or reordered\)$")


def test_a_removed_item_is_refused() -> None:
    signed = sealed()
    del signed.items[-1]
    refused(signed, "^item_count: header says 3, batch carries 2$")


def test_an_added_item_is_refused() -> None:
    signed = sealed()
    signed.items.append(b"extra")
    refused(signed, "^item_count: header says 3, batch carries 4$")


def test_a_header_whose_count_matches_but_root_does_not_is_refused() -> None:
    header = header_of(sealed())
    header.items_root = merkle.root_hash(ITEMS[:2])
    refused(signed_header(header, ITEMS, NODE_A), "^items_root: does not match the items")


def test_a_batch_id_of_the_wrong_size_is_refused() -> None:
    header = header_of(sealed())
    header.batch_id = bytes(15)
    refused(signed_header(header, ITEMS, NODE_A), "^batch_id: got 15 bytes, want 16$")


# -- every single-byte change of a whole batch -------------------------------------------------------


def test_every_flipped_byte_of_a_sealed_batch_is_refused() -> None:
    """Rule: for each position of the serialized SignedBatch in turn, XOR that byte with 0x01.

    The mutation is refused when SignedBatch.FromString raises DecodeError or open_batch raises
    VerificationError. If open_batch accepts it, the parsed message must carry a header, key_id,
    signature and items each byte-identical to the original's (protobuf read the changed framing
    as the same message); any other acceptance fails. So no altered signed content, key id or
    item is ever accepted. Accepted equal-meaning mutations are counted and expected to be none.
    """
    original = sealed(items=(b"a", b"bc"))
    data = original.SerializeToString()
    equal_meaning = []
    for position in range(len(data)):
        mutated = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
        try:
            signed = cpb.SignedBatch.FromString(mutated)
            opened(signed)
        except (DecodeError, VerificationError):
            continue
        assert (signed.header, signed.key_id, signed.signature, list(signed.items)) == (
            original.header,
            original.key_id,
            original.signature,
            list(original.items),
        ), f"byte {position} changed signed content and was accepted"
        equal_meaning.append(position)
    assert equal_meaning == []


# -- item proofs for auditors ---------------------------------------------------------------------


def test_every_item_proof_verifies_on_its_own() -> None:
    signed = sealed()
    for index, item in enumerate(ITEMS):
        proof = envelope.item_proof(signed, index)
        assert proof.item == item
        header = envelope.verify_item_proof(proof, RING, NOW)
        assert header.batch_id == BATCH_ID


def test_an_item_proof_needs_no_freshness() -> None:
    signed = sealed(created_at_micros=NOW - HOUR_MICROS)
    envelope.verify_item_proof(envelope.item_proof(signed, 0), RING, NOW)


def test_item_proof_refuses_an_index_outside_the_batch() -> None:
    with pytest.raises(ValueError, match="index: got 3, want 0 <= index < 3"):
        envelope.item_proof(sealed(), 3)


def tampered_proofs() -> dict[str, tuple[ItemProof, str]]:
    """Each tampering of a good proof for item 1 of 3, with the refusal it must meet."""
    proof = envelope.item_proof(sealed(), 1)
    first, *rest = proof.path
    wrong_root = "^root: the proof for leaf 1 of a tree of 3 leads to another root"
    return {
        "item altered": (replace(proof, item=b"vote 3"), wrong_root),
        "item of another index": (replace(proof, item=ITEMS[0]), wrong_root),
        "index changed": (replace(proof, index=2), "^proof: got 2 hashes, want 1 for leaf 2 of a tree of 3$"),
        "path element flipped": (
            replace(proof, path=(bytes([first[0] ^ 0x01]) + first[1:], *rest)),
            wrong_root,
        ),
        "path cut short": (replace(proof, path=proof.path[:-1]), "^proof: got 1 hashes, want 2"),
        "header altered": (
            replace(proof, header=proof.header.replace(b"clearinghouse", b"clearinghousf")),
            "^signature: does not verify over this batch",
        ),
        "header sender altered": (
            replace(proof, header=proof.header.replace(b"node-a", b"node-c")),
            "^key_id: key .* belongs to node-a, not node-c$",
        ),
        "signature forged": (
            replace(proof, signature=random.Random(3).randbytes(64)),
            "^signature: does not verify",
        ),
        "key of another party": (
            replace(proof, key_id=key_id_of(NODE_B)),
            "^key_id: key .* belongs to node-b",
        ),
    }


@pytest.mark.parametrize("case", sorted(tampered_proofs()))
def test_a_tampered_item_proof_is_refused(case: str) -> None:
    proof, message = tampered_proofs()[case]
    with pytest.raises(VerificationError, match=message):
        envelope.verify_item_proof(proof, RING, NOW)


def test_an_item_proof_is_refused_after_the_key_is_revoked() -> None:
    proof = envelope.item_proof(sealed(REVOKED), 0)
    envelope.verify_item_proof(proof, RING, NOW - 2 * HOUR_MICROS)
    with pytest.raises(VerificationError, match="was revoked at"):
        envelope.verify_item_proof(proof, RING, NOW)
