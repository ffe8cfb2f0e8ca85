"""The bytes of the transparency log: entries, signed checkpoints, signed statements, export files.

Owns how a LogEntry is built and chained (index, previous leaf hash), how checkpoints and
statements are signed and verified (domain-separated Ed25519, purposes "checkpoint" and
"statement"), and the framing of an audit export (records of a 4-byte big-endian length
then the bytes). Pure: no gRPC, no database, no clock; shared by the parties that write
logs and the offline auditor that reads them.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from google.protobuf.message import DecodeError

from timebank import keys, merkle, signing
from timebank.errors import VerificationError
from timebank.recon.model import NodeStatement, StatementLine
from timebank.signing import KeyRecord, KeyRing
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "CHECKPOINTS_FILE",
    "CHECKPOINT_PURPOSE",
    "ENTRIES_FILE",
    "RECORD_BYTES_MAX",
    "RECORD_LENGTH",
    "STATEMENT_PURPOSE",
    "TruncatedRecord",
    "VerifiedCheckpoint",
    "checkpoint_body",
    "entry_bytes",
    "key_record",
    "key_state",
    "merge_pages",
    "parse_entry",
    "parse_statement",
    "read_records",
    "sign_checkpoint",
    "sign_statement",
    "verify_checkpoint",
    "verify_statement",
    "write_record",
]

CHECKPOINT_PURPOSE = "checkpoint"
STATEMENT_PURPOSE = "statement"
ENTRIES_FILE = "entries.bin"
CHECKPOINTS_FILE = "checkpoints.bin"
RECORD_LENGTH = struct.Struct(">I")
# A record longer than this is refused as damaged framing rather than read into memory.
RECORD_BYTES_MAX = 16 * 1024 * 1024


def entry_bytes(index: int, previous_hash: bytes, logged_at_micros: int, **body: Any) -> bytes:
    """The exact bytes of one LogEntry; body is one keyword naming the oneof field."""
    if len(body) != 1:
        raise ValueError(f"body: got {sorted(body)}, want exactly one field")
    entry = lpb.LogEntry(index=index, previous_hash=previous_hash, logged_at_micros=logged_at_micros, **body)
    return entry.SerializeToString(deterministic=True)


def parse_entry(data: bytes) -> lpb.LogEntry:
    try:
        return lpb.LogEntry.FromString(data)
    except DecodeError:
        raise VerificationError("entry: not a timebank.v1.LogEntry") from None


def key_state(record: KeyRecord) -> lpb.KeyState:
    return lpb.KeyState(
        key_id=record.key_id,
        party_id=record.party_id,
        public_key=record.public_key,
        valid_from_micros=record.valid_from_micros,
        valid_until_micros=record.valid_until_micros or 0,
        revoked_at_micros=record.revoked_at_micros or 0,
    )


def key_record(state: lpb.KeyState) -> KeyRecord:
    """The KeyRecord a logged KeyState describes; ValueError when it is inconsistent."""
    return KeyRecord(
        key_id=state.key_id,
        party_id=state.party_id,
        public_key=bytes(state.public_key),
        valid_from_micros=state.valid_from_micros,
        valid_until_micros=state.valid_until_micros or None,
        revoked_at_micros=state.revoked_at_micros or None,
    )


# -- checkpoints ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedCheckpoint:
    log_id: str
    size: int
    root_hash: bytes
    timestamp_micros: int
    key_id: str


def sign_checkpoint(
    log_id: str, size: int, root_hash: bytes, timestamp_micros: int, private_key: Ed25519PrivateKey
) -> lpb.SignedCheckpoint:
    body = lpb.Checkpoint(log_id=log_id, size=size, root_hash=root_hash, timestamp_micros=timestamp_micros)
    data = body.SerializeToString(deterministic=True)
    return lpb.SignedCheckpoint(
        checkpoint=data,
        key_id=keys.key_id(private_key.public_key()),
        signature=signing.sign(private_key, CHECKPOINT_PURPOSE, data),
    )


def verify_checkpoint(signed: lpb.SignedCheckpoint, key_ring: KeyRing, owner_id: str) -> VerifiedCheckpoint:
    """Checks the owner's signature (key valid at the checkpoint's time) and the fields' shape."""
    try:
        body = lpb.Checkpoint.FromString(signed.checkpoint)
    except DecodeError:
        raise VerificationError("checkpoint: not a timebank.v1.Checkpoint") from None
    public_key = key_ring.key_for(signed.key_id, owner_id, body.timestamp_micros)
    signing.verify(public_key, CHECKPOINT_PURPOSE, signed.checkpoint, signed.signature)
    if body.log_id != owner_id:
        raise VerificationError(f"log_id: checkpoint is for log {body.log_id!r}, want {owner_id!r}")
    if len(body.root_hash) != merkle.HASH_SIZE_BYTES:
        raise VerificationError(f"root_hash: got {len(body.root_hash)} bytes, want {merkle.HASH_SIZE_BYTES}")
    return VerifiedCheckpoint(body.log_id, body.size, bytes(body.root_hash), body.timestamp_micros, signed.key_id)


def checkpoint_body(signed: lpb.SignedCheckpoint) -> lpb.Checkpoint:
    """The checkpoint's fields, unverified (for display and for choosing a proof)."""
    try:
        return lpb.Checkpoint.FromString(signed.checkpoint)
    except DecodeError:
        raise VerificationError("checkpoint: not a timebank.v1.Checkpoint") from None


# -- statements -----------------------------------------------------------------------------


def sign_statement(statement: lpb.Statement, private_key: Ed25519PrivateKey) -> lpb.SignedStatement:
    data = statement.SerializeToString(deterministic=True)
    return lpb.SignedStatement(
        statement=data,
        key_id=keys.key_id(private_key.public_key()),
        signature=signing.sign(private_key, STATEMENT_PURPOSE, data),
    )


def parse_statement(signed: lpb.SignedStatement) -> lpb.Statement:
    try:
        return lpb.Statement.FromString(signed.statement)
    except DecodeError:
        raise VerificationError("statement: not a timebank.v1.Statement") from None


def verify_statement(signed: lpb.SignedStatement, key_ring: KeyRing) -> lpb.Statement:
    """The statement, once its node's signature verified with a key valid when it was made."""
    statement = parse_statement(signed)
    public_key = key_ring.key_for(signed.key_id, statement.node_id, statement.created_at_micros)
    signing.verify(public_key, STATEMENT_PURPOSE, signed.statement, signed.signature)
    return statement


def merge_pages(pages: list[lpb.SignedStatement], signature_problem: str) -> NodeStatement | None:
    """One NodeStatement from a node's pages (in order); a missing page is named as a problem."""
    if not pages:
        return None
    first = parse_statement(pages[0])
    counterparties: dict[str, str] = {}  # each node id kept once, however many lines name it
    lines = [
        StatementLine(
            int.from_bytes(line.transfer_id, "big"),
            line.amount_minutes,
            line.credit,
            counterparties.setdefault(line.counterparty_node_id, line.counterparty_node_id),
            line.pending,
        )
        for page in pages
        for line in parse_statement(page).lines
    ]
    if len(pages) != first.page_count and not signature_problem:
        signature_problem = f"statement has {len(pages)} of its {first.page_count} pages"
    return NodeStatement(
        node_id=first.node_id,
        cycle_id=first.cycle_id,
        created_at_micros=first.created_at_micros,
        signature_problem=signature_problem,
        opening_minutes=first.opening_minutes,
        closing_minutes=first.closing_minutes,
        debits_minutes=first.debits_minutes,
        debit_count=first.debit_count,
        credits_minutes=first.credits_minutes,
        credit_count=first.credit_count,
        pending_minutes=first.pending_minutes,
        pending_count=first.pending_count,
        lines=tuple(lines),
    )


# -- export files ---------------------------------------------------------------------------


def write_record(stream: BinaryIO, data: bytes) -> None:
    stream.write(RECORD_LENGTH.pack(len(data)))
    stream.write(data)


class TruncatedRecord(VerificationError):
    """A record's length or body ends early: the file was cut or its framing damaged."""

    def __init__(self, message: str, offset: int, records_read: int) -> None:
        super().__init__(message)
        self.offset = offset
        self.records_read = records_read


def read_records(stream: BinaryIO, name: str) -> Iterator[bytes]:
    """Yields each record of a framed file; raises TruncatedRecord where the framing breaks."""
    offset = count = 0
    while True:
        prefix = stream.read(RECORD_LENGTH.size)
        if not prefix:
            return
        if len(prefix) < RECORD_LENGTH.size:
            raise TruncatedRecord(f"{name}: ends inside the length of record {count} at byte {offset}", offset, count)
        (length,) = RECORD_LENGTH.unpack(prefix)
        if length > RECORD_BYTES_MAX:
            raise TruncatedRecord(
                f"{name}: record {count} at byte {offset} claims {length} bytes, want at most {RECORD_BYTES_MAX} "
                "(damaged framing)",
                offset,
                count,
            )
        data = stream.read(length)
        if len(data) < length:
            raise TruncatedRecord(
                f"{name}: record {count} at byte {offset} has {len(data)} of its {length} bytes (file cut short)",
                offset,
                count,
            )
        yield data
        offset += RECORD_LENGTH.size + length
        count += 1
