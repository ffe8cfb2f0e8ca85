"""Proofs of single transfers that a volunteer or a family can keep and check offline.

Owns finding, for a committed cross-node transfer, the log entries that prove it (the
originating node's signed batch header, its Prepare item, the clearinghouse's COMMIT
decision, and the entries that introduced both signing keys) and packing them with their
inclusion proofs and a signed checkpoint that covers them (log.proto TransferProof).
Reads only; a checkpoint is published first when none covers the decision yet.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select

from clearinghouse.tables import cross_transfers
from timebank import ids, logformat, merkle, translog
from timebank.errors import NotFound, RequestInvalid
from timebank.logservice import Publisher
from timebank.storage.schema import registry_keys
from timebank.v1 import clearing_pb2 as cpb
from timebank.v1 import log_pb2 as lpb


class Prover:
    def __init__(self, engine: Engine, publisher: Publisher) -> None:
        self.engine = engine
        self.publisher = publisher

    def __call__(self, transfer_id: int) -> lpb.TransferProof:
        with self.engine.connect() as connection:
            decision_index, prepare_index = _logged_indexes(connection, transfer_id)
            checkpoint = translog.latest_checkpoint(connection)
        if checkpoint is None or logformat.checkpoint_body(checkpoint).size <= decision_index:
            checkpoint = self.publisher.publish()
        with self.engine.connect() as connection:
            return _proof(connection, checkpoint, prepare_index, decision_index)


def _logged_indexes(connection: Connection, transfer_id: int) -> tuple[int, int]:
    row = connection.execute(
        select(cross_transfers).where(cross_transfers.c.transfer_id == ids.to_hex(transfer_id))
    ).first()
    if row is None:
        raise NotFound(
            f"transfer_id: {ids.to_hex(transfer_id)} is not a cross-node transfer known to the clearinghouse"
        )
    if row.state != "committed":
        raise RequestInvalid(
            f"transfer_id: {ids.to_hex(transfer_id)} is {row.state}; only a committed transfer has a proof"
        )
    if row.decision_log_index is None or row.prepare_log_index is None:
        raise NotFound(f"transfer_id: {ids.to_hex(transfer_id)} was decided before the log recorded where")
    return row.decision_log_index, row.prepare_log_index


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
    row = connection.execute(select(registry_keys.c.log_index).where(registry_keys.c.key_id == key_id)).first()
    if row is None or row.log_index is None:
        raise NotFound(f"key_id: key {key_id} was not logged; its holder's proof cannot name it")
    return int(row.log_index)
