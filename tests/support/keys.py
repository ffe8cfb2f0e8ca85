"""Keys for the tests: a fixed Ed25519 key per seed (so that failures reproduce), and the
key ring of the signature tests (node-a's current, rotated-out, revoked and next keys)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from timebank import keys
from timebank.signing import KeyRecord, KeyRing

NOW = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z, FakeClock's default
HOUR_MICROS = 3_600_000_000
DAY_MICROS = 24 * HOUR_MICROS


def private_key(seed: int) -> Ed25519PrivateKey:
    """A fixed key per seed, so that failures reproduce."""
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def key_record(key: Ed25519PrivateKey, party_id: str, **fields: Any) -> KeyRecord:
    """A record valid from a day before NOW, open-ended, unless fields say otherwise."""
    public_key = key.public_key()
    record = KeyRecord(
        key_id=keys.key_id(public_key),
        party_id=party_id,
        public_key=keys.public_bytes(public_key),
        valid_from_micros=NOW - DAY_MICROS,
        valid_until_micros=None,
        revoked_at_micros=None,
    )
    return replace(record, **fields)


def key_id_of(key: Ed25519PrivateKey) -> str:
    return keys.key_id(key.public_key())


NODE_A = private_key(1)
NODE_B = private_key(2)
ROTATED_OUT = private_key(3)  # node-a's previous key: overlap ended an hour ago
REVOKED = private_key(4)  # node-a's key revoked an hour ago
NEXT = private_key(5)  # node-a's next key: valid from an hour from now
UNKNOWN = private_key(6)

RING = KeyRing(
    [
        key_record(NODE_A, "node-a"),
        key_record(NODE_B, "node-b"),
        key_record(
            ROTATED_OUT,
            "node-a",
            valid_from_micros=NOW - 9 * DAY_MICROS,
            valid_until_micros=NOW - HOUR_MICROS,
        ),
        key_record(REVOKED, "node-a", revoked_at_micros=NOW - HOUR_MICROS),
        key_record(NEXT, "node-a", valid_from_micros=NOW + HOUR_MICROS),
    ]
)
