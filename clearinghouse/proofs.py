"""Proofs of single transfers that a volunteer or a family can keep and check offline.

Owns finding, for a committed cross-node transfer, the log entries that prove it (the
originating node's signed batch header, its Prepare item, the clearinghouse's COMMIT
decision, and the entries that introduced both signing keys) and packing them with their
inclusion proofs and a signed checkpoint that covers them (log.proto TransferProof).
Reads only, each in a transaction of its own; a checkpoint is published first when none
covers the decision yet. Must not: write SQL (the stores read the records and keys), know gRPC.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from clearinghouse.records import CrossState
from clearinghouse.store import registry as registry_store
from clearinghouse.store import transfers as transfer_store
from timebank import ids, logformat, merkle, translog
from timebank.errors import NotFound, RequestInvalid
from timebank.logservice import Publisher
from timebank.storage.engine import read_transaction
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import log_pb2 as lpb

__all__ = ["Prover"]


class Prover:
    def __init__(self, engine: Engine, publisher: Publisher) -> None:
        self.engine = engine
        self.publisher = publisher

    def __call__(self, transfer_id: int) -> lpb.TransferProof:
        with read_transaction(self.engine) as connection:
            decision_index, prepare_index = _logged_indexes(connection, transfer_id)
            checkpoint = translog.latest_checkpoint(connection)
        if checkpoint is None or logformat.checkpoint_body(checkpoint).size <= decision_index:
            checkpoint = self.publisher.publish()
        with read_transaction(self.engine) as connection:
            return _proof(connection, checkpoint, prepare_index, decision_index)


def _logged_indexes(connection: Connection, transfer_id: int) -> tuple[int, int]:
    record = transfer_store.read_record(connection, transfer_id)
    if record is None:
        raise NotFound(
            f"transfer_id: {ids.to_hex(transfer_id)} is not a cross-node transfer known to the clearinghouse"
        )
    if record.state != CrossState.COMMITTED:
        raise RequestInvalid(
            f"transfer_id: {ids.to_hex(transfer_id)} is {record.state}; only a committed transfer has a proof"
        )
    if record.decision_log_index is None or record.prepare_log_index is None:
        raise NotFound(f"transfer_id: {ids.to_hex(transfer_id)} was decided before the log recorded where")
    return record.decision_log_index, record.prepare_log_index


def _proof(
    connection: Connection, checkpoint: lpb.SignedCheckpoint, prepare_index: int, decision_index: int
) -> lpb.TransferProof:
    tree_size = logformat.checkpoint_body(checkpoint).size
    prepare_entry = logformat.parse_entry(translog.entries(connection, prepare_index, prepare_index + 1)[0])
    position = prepare_entry.received_item.position
    batch_index = prepare_index - position - 1
    batch_entry = logformat.parse_entry(translog.entries(connection, batch_index, batch_index + 1)[0])
    header = cpb.BatchHeader.FromString(batch_entry.received_batch.header)
    items = _batch_items(connection, batch_index + 1, header.item_count)
    key_indexes = [_key_index(connection, batch_entry.received_batch.key_id), _key_index(connection, checkpoint.key_id)]

    def proven(index: int) -> lpb.ProvenEntry:
        data = translog.entries(connection, index, index + 1)[0]
        return lpb.ProvenEntry(
            index=index, entry=data, inclusion_proof=translog.inclusion_proof(connection, index, tree_size)
        )

    return lpb.TransferProof(
        checkpoint=checkpoint,
        batch=proven(batch_index),
        prepare=proven(prepare_index),
        batch_path=merkle.inclusion_proof(items, position),
        decision=proven(decision_index),
        keys=[proven(index) for index in sorted(set(key_indexes))],
    )


def _batch_items(connection: Connection, first_index: int, count: int) -> list[bytes]:
    items = []
    for start in range(first_index, first_index + count, translog.ENTRIES_PER_READ_MAX):
        end = min(first_index + count, start + translog.ENTRIES_PER_READ_MAX)
        items += [
            bytes(logformat.parse_entry(data).received_item.item) for data in translog.entries(connection, start, end)
        ]
    return items


def _key_index(connection: Connection, key_id: str) -> int:
    index = registry_store.key_log_index(connection, key_id)
    if index is None:
        raise NotFound(f"key_id: key {key_id} was not logged; its holder's proof cannot name it")
    return index
