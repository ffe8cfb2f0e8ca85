"""Ed25519 signatures with domain separation, and the key ring that says whose key is valid when.

Owns the signed-message layout ("timebank/v1" 0x00 purpose 0x00 data), so that a signature
made for one purpose can never be replayed as another, and the rules for which key may sign
for which party at a given time (validity window, rotation overlap, revocation).
Verification raises VerificationError naming the field and the rule; it never returns a
bool. Also owns a key's id: the first 16 hexadecimal digits of SHA-256 over the raw 32-byte
public key (timebank.keys, which keeps keys on disk, builds on this module and re-exports it).
Times are arguments; this module reads no clock, does no I/O and parses no messages.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from types import MappingProxyType

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from timebank.errors import VerificationError
from timebank.quoting import named

__all__ = [
    "DOMAIN",
    "EPOCH",
    "KeyRecord",
    "KeyRing",
    "PUBLIC_KEY_SIZE_BYTES",
    "SIGNATURE_SIZE_BYTES",
    "key_id",
    "key_id_of_raw",
    "public_bytes",
    "sign",
    "signed_message",
    "verify",
]

DOMAIN = b"timebank/v1\x00"
SIGNATURE_SIZE_BYTES = 64
PUBLIC_KEY_SIZE_BYTES = 32


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return key_id_of_raw(public_bytes(key))


def key_id_of_raw(public_key: bytes) -> str:
    """The key id of a raw 32-byte Ed25519 public key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def signed_message(purpose: str, data: bytes) -> bytes:
    """The exact bytes signed: the domain, the purpose and a separator, then the data."""
    if not purpose or "\x00" in purpose:
        raise ValueError(f"purpose: got {purpose!r}, want a non-empty string without NUL")
    return DOMAIN + purpose.encode() + b"\x00" + data


def sign(private_key: Ed25519PrivateKey, purpose: str, data: bytes) -> bytes:
    return private_key.sign(signed_message(purpose, data))


def verify(public_key: Ed25519PublicKey, purpose: str, data: bytes, signature: bytes) -> None:
    if len(signature) != SIGNATURE_SIZE_BYTES:
        raise VerificationError(f"signature: got {len(signature)} bytes, want {SIGNATURE_SIZE_BYTES}")
    try:
        public_key.verify(signature, signed_message(purpose, data))
    except InvalidSignature:
        raise VerificationError(f"signature: does not verify over this {purpose} under the named key") from None


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _describe_micros(micros: int) -> str:
    """A time for messages: the microseconds since the epoch and, for people, the UTC time."""
    moment = EPOCH + datetime.timedelta(microseconds=micros)
    return f"{micros} ({moment.isoformat(timespec='microseconds').replace('+00:00', 'Z')})"


@dataclass(frozen=True)
class KeyRecord:
    """One public key of one party and when it may sign.

    Valid from valid_from_micros (inclusive) until valid_until_micros (exclusive; None while
    open-ended, set when the key is rotated out with an overlap) unless revoked: from
    revoked_at_micros on, the key signs nothing.
    """

    key_id: str
    party_id: str
    public_key: bytes
    valid_from_micros: int
    valid_until_micros: int | None = None
    revoked_at_micros: int | None = None

    def __post_init__(self) -> None:
        if len(self.public_key) != PUBLIC_KEY_SIZE_BYTES:
            raise ValueError(f"public_key: got {len(self.public_key)} bytes, want {PUBLIC_KEY_SIZE_BYTES}")
        expected_key_id = key_id(Ed25519PublicKey.from_public_bytes(self.public_key))
        if self.key_id != expected_key_id:
            raise ValueError(f"key_id: got {self.key_id}, the public key's id is {expected_key_id}")
        until = self.valid_until_micros
        if until is not None and until <= self.valid_from_micros:
            raise ValueError(f"valid_until_micros: got {until}, want > valid_from_micros")

    def refusal_at(self, at_micros: int) -> str | None:
        """Why this key may not sign at at_micros, or None when it may."""
        if self.revoked_at_micros is not None and at_micros >= self.revoked_at_micros:
            return f"was revoked at {_describe_micros(self.revoked_at_micros)}"
        if at_micros < self.valid_from_micros:
            return f"is valid from {_describe_micros(self.valid_from_micros)} (not yet)"
        if self.valid_until_micros is not None and at_micros >= self.valid_until_micros:
            return f"expired at {_describe_micros(self.valid_until_micros)} (rotated out)"
        return None


class KeyRing:
    """The known public keys of every party, by key id. Immutable once built."""

    __slots__ = ("_records", "_public_keys")

    def __init__(self, records: Iterable[KeyRecord]) -> None:
        by_key_id: dict[str, KeyRecord] = {}
        for record in records:
            if record.key_id in by_key_id:
                raise ValueError(f"key_id: {record.key_id} appears twice in the key ring")
            by_key_id[record.key_id] = record
        self._records = MappingProxyType(by_key_id)
        self._public_keys = MappingProxyType(
            {key_id: Ed25519PublicKey.from_public_bytes(record.public_key) for key_id, record in by_key_id.items()}
        )

    def key_for(self, key_id: str, party_id: str, at_micros: int) -> Ed25519PublicKey:
        """The public key named key_id, if it is party_id's and may sign at at_micros."""
        record = self._records.get(key_id)
        if record is None:
            raise VerificationError(f"key_id: unknown key {named(key_id)}")
        if record.party_id != party_id:
            raise VerificationError(f"key_id: key {key_id} belongs to {record.party_id}, not {named(party_id)}")
        refusal = record.refusal_at(at_micros)
        if refusal is not None:
            raise VerificationError(f"key_id: key {key_id} {refusal}")
        return self._public_keys[key_id]

    def records(self) -> tuple[KeyRecord, ...]:
        """Every key record, by key id."""
        return tuple(self._records[key_id] for key_id in sorted(self._records))

    def current_key_ids(self, party_id: str, at_micros: int) -> tuple[str, ...]:
        """The ids of party_id's keys that may sign at at_micros, oldest first."""
        records = [
            record
            for record in self._records.values()
            if record.party_id == party_id and record.refusal_at(at_micros) is None
        ]
        records.sort(key=lambda record: (record.valid_from_micros, record.key_id))
        return tuple(record.key_id for record in records)
