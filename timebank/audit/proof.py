"""Checking a transfer's proof offline: what a volunteer or a family keeps (log.proto TransferProof).

Owns the checks, in order: every included entry's Merkle inclusion in the signed
checkpoint's tree; the key entries (RegistryEvents) that give the clearinghouse's and the
originating node's keys; the checkpoint's signature by the clearinghouse; the originating
node's signature over its batch header (with the key valid when it signed); the Prepare
item's path to the header's items root; and the clearinghouse's COMMIT decision for the
same transfer. Needs neither gRPC nor a database. Exit codes of `audit verify-proof`:
0 proven, 1 not proven (the reason is printed), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from dataclasses import asdict, dataclass

from google.protobuf.message import DecodeError

from timebank import ids, logformat, merkle, signing
from timebank.errors import RequestInvalid, VerificationError
from timebank.ledger.model import format_hours
from timebank.protocol import CLEARINGHOUSE_ID, Decision, Prepare, decode_item
from timebank.signing import KeyRing
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import log_pb2 as lpb

__all__ = ["PROOF_BYTES_MAX", "ProvenTransfer", "main", "read_proof", "verify_proof"]

EXIT_PROVEN, EXIT_NOT_PROVEN, EXIT_USAGE = 0, 1, 2
PROOF_BYTES_MAX = 4 * 1024 * 1024


@dataclass(frozen=True)
class ProvenTransfer:
    transfer_id: str
    amount_minutes: int
    debit_node_id: str
    debit_account_id: str
    credit_node_id: str
    credit_account_id: str
    memo: str
    committed_at_micros: int
    cycle_id: int
    log_index: int
    checkpoint_size: int
    checkpoint_root: str
    clearinghouse_key_id: str


def verify_proof(proof: lpb.TransferProof, expected_key_id: str | None = None) -> ProvenTransfer:
    """The transfer the proof proves; VerificationError naming the first check that fails."""
    body = logformat.checkpoint_body(proof.checkpoint)
    for name, proven in (("batch", proof.batch), ("prepare", proof.prepare), ("decision", proof.decision)):
        _check_included(name, proven, body)
    ring = _key_ring(proof, body)
    if expected_key_id is not None and proof.checkpoint.key_id != expected_key_id:
        raise VerificationError(
            f"checkpoint.key_id: signed by {proof.checkpoint.key_id}, not by the trusted key {expected_key_id}"
        )
    checkpoint = logformat.verify_checkpoint(proof.checkpoint, ring, CLEARINGHOUSE_ID)
    received = _entry(proof.batch, "batch").received_batch
    header = _signed_header(received, ring)
    prepare_entry = _entry(proof.prepare, "prepare")
    if proof.prepare.index != proof.batch.index + 1 + prepare_entry.received_item.position:
        raise VerificationError("prepare.index: the item is not in the batch the proof names")
    item = bytes(prepare_entry.received_item.item)
    merkle.verify_inclusion(
        item, prepare_entry.received_item.position, header.item_count, list(proof.batch_path), header.items_root
    )
    prepare = _body(item, Prepare, "prepare")
    transfer = prepare.transfer
    if transfer.originator_node_id != header.sender_id:
        raise VerificationError("prepare: the batch's signer did not originate this transfer")
    decision_entry = _entry(proof.decision, "decision")
    decision = _body(bytes(decision_entry.sent_item.item), Decision, "decision")
    if decision.transfer_id != transfer.transfer_id or not decision.commit:
        raise VerificationError("decision: not a COMMIT of this transfer")
    return ProvenTransfer(
        transfer_id=ids.to_hex(transfer.transfer_id),
        amount_minutes=transfer.amount_minutes,
        debit_node_id=transfer.debit_node_id,
        debit_account_id=ids.to_hex(transfer.debit_account_id),
        credit_node_id=transfer.credit_node_id,
        credit_account_id=ids.to_hex(transfer.credit_account_id),
        memo=transfer.memo,
        committed_at_micros=decision.decided_at_micros,
        cycle_id=decision.cycle_id,
        log_index=proof.decision.index,
        checkpoint_size=checkpoint.size,
        checkpoint_root=checkpoint.root_hash.hex(),
        clearinghouse_key_id=checkpoint.key_id,
    )


def _check_included(name: str, proven: lpb.ProvenEntry, checkpoint: lpb.Checkpoint) -> None:
    try:
        merkle.verify_inclusion(
            proven.entry, proven.index, checkpoint.size, list(proven.inclusion_proof), checkpoint.root_hash
        )
    except VerificationError as error:
        raise VerificationError(f"{name}: entry {proven.index} is not in the checkpoint's tree: {error}") from None


def _entry(proven: lpb.ProvenEntry, name: str) -> lpb.LogEntry:
    entry = logformat.parse_entry(proven.entry)
    if entry.index != proven.index:
        raise VerificationError(f"{name}.index: the entry says {entry.index}, the proof {proven.index}")
    return entry


def _key_ring(proof: lpb.TransferProof, checkpoint: lpb.Checkpoint) -> KeyRing:
    records = []
    for number, proven in enumerate(proof.keys):
        _check_included(f"keys[{number}]", proven, checkpoint)
        event = _entry(proven, f"keys[{number}]").registry_event
        try:
            records.append(logformat.key_record(event.key))
        except ValueError as error:
            raise VerificationError(f"keys[{number}]: {error}") from None
    return KeyRing(records)


def _signed_header(received: lpb.ReceivedBatch, ring: KeyRing) -> cpb.BatchHeader:
    try:
        header = cpb.BatchHeader.FromString(received.header)
    except DecodeError:
        raise VerificationError("batch.header: not a BatchHeader") from None
    public_key = ring.key_for(received.key_id, header.sender_id, header.created_at_micros)
    signing.verify(public_key, "batch", received.header, received.signature)
    return header


def _body(data: bytes, kind: type, name: str):  # type: ignore[no-untyped-def]
    try:
        body = decode_item(data).body
    except RequestInvalid as error:
        raise VerificationError(f"{name}: {error}") from None
    if not isinstance(body, kind):
        raise VerificationError(f"{name}: the entry carries a {type(body).__name__}, not a {kind.__name__}")
    return body


def read_proof(path: pathlib.Path) -> lpb.TransferProof:
    data = path.read_bytes()
    if len(data) > PROOF_BYTES_MAX:
        raise VerificationError(f"{path}: {len(data)} bytes, want at most {PROOF_BYTES_MAX} for a proof")
    try:
        return lpb.TransferProof.FromString(data)
    except DecodeError:
        raise VerificationError(f"{path}: not a timebank.v1.TransferProof") from None


def main(argv: list[str]) -> int:
    """`timebank audit verify-proof FILE [--json] [--log-key KEY_ID]`."""
    parser = argparse.ArgumentParser(prog="timebank audit verify-proof", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=pathlib.Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--log-key", help="the clearinghouse key id the bureau publishes; refuse any other")
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_PROVEN
    if not arguments.file.is_file():
        print(f"verify-proof: {arguments.file} is not a file", file=sys.stderr)
        return EXIT_USAGE
    try:
        proven = verify_proof(read_proof(arguments.file), arguments.log_key)
    except VerificationError as error:
        if arguments.json:
            print(json.dumps({"proven": False, "reason": str(error)}, sort_keys=True))
        else:
            print(f"NOT PROVEN: {error}")
        return EXIT_NOT_PROVEN
    if arguments.json:
        print(json.dumps({"proven": True, **asdict(proven)}, sort_keys=True, ensure_ascii=False))
    else:
        print(
            f"PROVEN: transfer {proven.transfer_id}: {format_hours(proven.amount_minutes)} h "
            f"({proven.amount_minutes} min) from {proven.debit_node_id}/{proven.debit_account_id} to "
            f"{proven.credit_node_id}/{proven.credit_account_id}, committed in cycle {proven.cycle_id}; "
            f"decision at log entry {proven.log_index}, in the clearinghouse checkpoint of size "
            f"{proven.checkpoint_size} (root {proven.checkpoint_root[:16]}…) signed by key "
            f"{proven.clearinghouse_key_id}"
        )
    return EXIT_PROVEN
