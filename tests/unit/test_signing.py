"""Signatures with domain separation, key records and the key ring's refusals, one by one."""

from __future__ import annotations

import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tests.support.keys import (
    DAY_MICROS,
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
    key_record,
    private_key,
)
from timebank import keys, signing
from timebank.errors import VerificationError
from timebank.signing import KeyRing

# -- signed messages ------------------------------------------------------------------------


def test_signed_message_is_domain_then_purpose_then_data() -> None:
    assert signing.signed_message("batch", b"\x00data") == b"timebank/v1\x00batch\x00\x00data"


@pytest.mark.parametrize("purpose", ["", "bat\x00ch"])
def test_purpose_must_be_non_empty_and_without_nul(purpose: str) -> None:
    with pytest.raises(ValueError, match="purpose: got"):
        signing.signed_message(purpose, b"data")


def test_a_signature_verifies() -> None:
    signature = signing.sign(NODE_A, "batch", b"header")
    signing.verify(NODE_A.public_key(), "batch", b"header", signature)


@pytest.mark.parametrize(
    ("public_key", "purpose", "data", "signature", "message"),
    [
        (
            NODE_A.public_key(),
            "checkpoint",
            b"header",
            None,
            "signature: does not verify over this checkpoint",
        ),
        (NODE_A.public_key(), "batch", b"headeR", None, "signature: does not verify over this batch"),
        (NODE_B.public_key(), "batch", b"header", None, "signature: does not verify"),
        (
            NODE_A.public_key(),
            "batch",
            b"header",
            random.Random(7).randbytes(64),
            "signature: does not verify",
        ),
        (NODE_A.public_key(), "batch", b"header", bytes(63), "signature: got 63 bytes, want 64"),
        (NODE_A.public_key(), "batch", b"header", NODE_A.sign(b"header"), "signature: does not verify"),
    ],
    ids=["other purpose", "altered data", "other key", "random bytes", "short", "without the domain"],
)
def test_verify_refuses(
    public_key: Ed25519PublicKey, purpose: str, data: bytes, signature: bytes | None, message: str
) -> None:
    good = signing.sign(NODE_A, "batch", b"header")
    with pytest.raises(VerificationError, match=message):
        signing.verify(public_key, purpose, data, good if signature is None else signature)


# -- key records and the ring ----------------------------------------------------------------


def test_a_key_record_refuses_a_key_id_that_is_not_its_keys() -> None:
    with pytest.raises(ValueError, match="key_id: got 0000000000000000, the public key's id is"):
        key_record(NODE_A, "node-a", key_id="0000000000000000")


def test_a_key_record_refuses_a_public_key_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="public_key: got 31 bytes, want 32"):
        key_record(NODE_A, "node-a", public_key=bytes(31))


def test_a_key_record_refuses_an_empty_validity_window() -> None:
    with pytest.raises(ValueError, match="valid_until_micros: got .*, want > valid_from_micros"):
        key_record(NODE_A, "node-a", valid_until_micros=NOW - DAY_MICROS)


def test_a_key_ring_refuses_a_key_id_twice() -> None:
    with pytest.raises(ValueError, match=f"key_id: {key_id_of(NODE_A)} appears twice"):
        KeyRing([key_record(NODE_A, "node-a"), key_record(NODE_A, "node-b")])


def test_a_key_ring_does_not_change_when_its_source_list_does() -> None:
    records = [key_record(NODE_A, "node-a")]
    ring = KeyRing(records)
    records.append(key_record(NODE_B, "node-b"))
    with pytest.raises(VerificationError, match="unknown key"):
        ring.key_for(key_id_of(NODE_B), "node-b", NOW)


def test_key_for_returns_the_partys_current_key() -> None:
    found = RING.key_for(key_id_of(NODE_A), "node-a", NOW)
    assert keys.public_bytes(found) == keys.public_bytes(NODE_A.public_key())


@pytest.mark.parametrize(
    ("key", "party_id", "at_micros", "message"),
    [
        (UNKNOWN, "node-a", NOW, "key_id: unknown key {key_id}$"),
        (NODE_B, "node-a", NOW, "key_id: key {key_id} belongs to node-b, not node-a$"),
        (
            REVOKED,
            "node-a",
            NOW,
            r"key_id: key {key_id} was revoked at 1767222000000000 \(2025-12-31T23:00:00.000000Z\)$",
        ),
        (REVOKED, "node-a", NOW - HOUR_MICROS, "key_id: key {key_id} was revoked at"),
        (NEXT, "node-a", NOW, r"key_id: key {key_id} is valid from 1767229200000000 \(.*\) \(not yet\)$"),
        (
            ROTATED_OUT,
            "node-a",
            NOW,
            r"key_id: key {key_id} expired at 1767222000000000 \(.*\) \(rotated out\)$",
        ),
        (ROTATED_OUT, "node-a", NOW - HOUR_MICROS, r"key_id: key {key_id} expired at .* \(rotated out\)$"),
        (NODE_A, "node-a", NOW - 2 * DAY_MICROS, r"key_id: key {key_id} is valid from .* \(not yet\)$"),
    ],
    ids=[
        "unknown",
        "another party's key",
        "revoked",
        "at the revocation instant",
        "not yet valid",
        "rotated out",
        "at the end of the overlap",
        "before its first day",
    ],
)
def test_key_for_refuses(key: Ed25519PrivateKey, party_id: str, at_micros: int, message: str) -> None:
    with pytest.raises(VerificationError, match=message.format(key_id=key_id_of(key))):
        RING.key_for(key_id_of(key), party_id, at_micros)


def test_a_key_is_valid_from_its_first_instant_until_just_before_its_end() -> None:
    RING.key_for(key_id_of(NEXT), "node-a", NOW + HOUR_MICROS)
    RING.key_for(key_id_of(ROTATED_OUT), "node-a", NOW - HOUR_MICROS - 1)
    RING.key_for(key_id_of(REVOKED), "node-a", NOW - HOUR_MICROS - 1)


def test_current_key_ids_follow_a_rotation_with_overlap() -> None:
    old, new = private_key(10), private_key(11)
    ring = KeyRing(
        [
            key_record(old, "node-a", valid_until_micros=NOW + HOUR_MICROS),
            key_record(new, "node-a", valid_from_micros=NOW - HOUR_MICROS),
            key_record(NODE_B, "node-b"),
            key_record(REVOKED, "node-a", revoked_at_micros=NOW - HOUR_MICROS),
        ]
    )
    same_start = tuple(sorted([key_id_of(old), key_id_of(REVOKED)]))  # equal valid_from: by key id
    assert ring.current_key_ids("node-a", NOW - 2 * HOUR_MICROS) == same_start
    assert ring.current_key_ids("node-a", NOW) == (key_id_of(old), key_id_of(new))
    assert ring.current_key_ids("node-a", NOW + HOUR_MICROS) == (key_id_of(new),)
    assert ring.current_key_ids("node-c", NOW) == ()
