"""Sealing and opening signed batches (SignedBatch), and single-item proofs for auditors.

Owns the order of the checks a receiver makes before it reads any item: the signature and
key id are well formed; the header parses; the key named by key_id belongs to the header's
sender and is valid now; the signature verifies over the raw header bytes; only then are
the other header fields trusted (sender, recipient, freshness, item count, items root,
batch id). The header is signed as the exact bytes that travel and is never re-serialised
to check a signature. Every refusal raises VerificationError naming the field and the rule.
Time and randomness are arguments. Must not import gRPC or a database, and does not parse
items: that is for the caller, after open_batch returns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import DecodeError

from timebank import keys, merkle, signing
from timebank.errors import VerificationError
from timebank.quoting import named, quoted
from timebank.signing import KeyRing
from timebank.v1 import clearing_pb2 as cpb

__all__ = [
    "BATCH_ID_SIZE_BYTES",
    "BATCH_PURPOSE",
    "ItemProof",
    "KEY_ID_PATTERN",
    "OpenedBatch",
    "item_proof",
    "open_batch",
    "seal",
    "verify_item_proof",
]

BATCH_PURPOSE = "batch"
BATCH_ID_SIZE_BYTES = 16
KEY_ID_PATTERN = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class OpenedBatch:
    """A batch whose signature, parties, freshness and items root all verified."""

    header: cpb.BatchHeader
    items: tuple[bytes, ...]
    key_id: str


@dataclass(frozen=True)
class ItemProof:
    """One item of a signed batch, provable on its own: header, signature and inclusion path."""

    header: bytes
    key_id: str
    signature: bytes
    item: bytes
    index: int
    path: tuple[bytes, ...]


def seal(
    sender_id: str,
    recipient_id: str,
    items: Sequence[bytes],
    private_key: Ed25519PrivateKey,
    *,
    batch_id: bytes,
    created_at_micros: int,
    seen_checkpoint: tuple[int, bytes] = (0, b""),
) -> cpb.SignedBatch:
    """Signs a header binding the items by their Merkle root; the items travel beside it.

    seen_checkpoint is the (size, root) of the latest clearinghouse checkpoint a node verified.
    """
    if len(batch_id) != BATCH_ID_SIZE_BYTES:
        raise ValueError(f"batch_id: got {len(batch_id)} bytes, want {BATCH_ID_SIZE_BYTES}")
    header = cpb.BatchHeader(
        sender_id=sender_id,
        recipient_id=recipient_id,
        batch_id=batch_id,
        created_at_micros=created_at_micros,
        item_count=len(items),
        items_root=merkle.root_hash(items),
        seen_checkpoint_size=seen_checkpoint[0],
        seen_checkpoint_root=seen_checkpoint[1],
    ).SerializeToString(deterministic=True)
    return cpb.SignedBatch(
        header=header,
        key_id=keys.key_id(private_key.public_key()),
        signature=signing.sign(private_key, BATCH_PURPOSE, header),
        items=list(items),
    )


def open_batch(
    signed: cpb.SignedBatch,
    key_ring: KeyRing,
    *,
    expected_recipient: str,
    now_micros: int,
    skew_micros_max: int,
    expected_sender: str | None = None,
    items_max: int,
) -> OpenedBatch:
    """Verifies a batch in full and returns its header and items; raises VerificationError.

    expected_sender is the authenticated transport identity (the mTLS peer) when there is one.
    """
    header = _verified_header(signed.header, signed.key_id, signed.signature, key_ring, now_micros)
    _check_parties(header, expected_recipient, expected_sender)
    _check_freshness(header.created_at_micros, now_micros, skew_micros_max)
    items = tuple(signed.items)
    _check_items(header, items, items_max)
    if len(header.batch_id) != BATCH_ID_SIZE_BYTES:
        raise VerificationError(f"batch_id: got {len(header.batch_id)} bytes, want {BATCH_ID_SIZE_BYTES}")
    return OpenedBatch(header=header, items=items, key_id=signed.key_id)


def item_proof(signed: cpb.SignedBatch, index: int) -> ItemProof:
    """The proof that item `index` was in this signed batch. Verifies nothing itself."""
    items = list(signed.items)
    path = tuple(merkle.inclusion_proof(items, index))  # ValueError for an index out of range
    return ItemProof(
        header=signed.header,
        key_id=signed.key_id,
        signature=signed.signature,
        item=items[index],
        index=index,
        path=path,
    )


def verify_item_proof(proof: ItemProof, key_ring: KeyRing, at_micros: int) -> cpb.BatchHeader:
    """Checks the signature (key valid at at_micros) and the item's inclusion; no freshness check."""
    header = _verified_header(proof.header, proof.key_id, proof.signature, key_ring, at_micros)
    merkle.verify_inclusion(proof.item, proof.index, header.item_count, proof.path, header.items_root)
    return header


def _verified_header(
    header_bytes: bytes, key_id: str, signature: bytes, key_ring: KeyRing, at_micros: int
) -> cpb.BatchHeader:
    """The parsed header, once its signature verified; only sender_id is read before that."""
    _check_signature_fields(key_id, signature)
    header = _parse_header(header_bytes)
    public_key = key_ring.key_for(key_id, header.sender_id, at_micros)
    signing.verify(public_key, BATCH_PURPOSE, header_bytes, signature)
    return header


def _check_signature_fields(key_id: str, signature: bytes) -> None:
    if len(signature) != signing.SIGNATURE_SIZE_BYTES:
        raise VerificationError(f"signature: got {len(signature)} bytes, want {signing.SIGNATURE_SIZE_BYTES}")
    if KEY_ID_PATTERN.fullmatch(key_id) is None:
        raise VerificationError(f"key_id: got {quoted(key_id)}, want 16 lowercase hexadecimal digits")


def _parse_header(header_bytes: bytes) -> cpb.BatchHeader:
    try:
        header: cpb.BatchHeader = cpb.BatchHeader.FromString(header_bytes)
    except DecodeError:
        raise VerificationError("header: not a BatchHeader") from None
    return header


def _check_parties(header: cpb.BatchHeader, expected_recipient: str, expected_sender: str | None) -> None:
    if expected_sender is not None and header.sender_id != expected_sender:
        raise VerificationError(
            f"sender_id: batch signed by {named(header.sender_id)} but the TLS peer is {expected_sender}"
        )
    if header.recipient_id != expected_recipient:
        raise VerificationError(
            f"recipient_id: batch is for {named(header.recipient_id)}, not this party ({expected_recipient})"
        )


def _check_freshness(created_at_micros: int, now_micros: int, skew_micros_max: int) -> None:
    distance_micros = abs(created_at_micros - now_micros)
    if distance_micros > skew_micros_max:
        raise VerificationError(
            f"created_at_micros: {created_at_micros} is {_seconds(distance_micros)} s from this party's "
            f"clock, want within {_seconds(skew_micros_max)} s"
        )


def _seconds(micros: int) -> str:
    whole, fraction = divmod(micros, 1_000_000)
    return str(whole) if fraction == 0 else f"{whole}.{fraction:06d}".rstrip("0")


def _check_items(header: cpb.BatchHeader, items: tuple[bytes, ...], items_max: int) -> None:
    if header.item_count != len(items):
        raise VerificationError(f"item_count: header says {header.item_count}, batch carries {len(items)}")
    if len(items) > items_max:
        raise VerificationError(f"items: got {len(items)}, want at most {items_max}")
    if merkle.root_hash(items) != header.items_root:
        raise VerificationError("items_root: does not match the items (altered or reordered)")
