"""A large, valid clearinghouse log export made quickly, for measuring the offline verifier.

Owns the shape of the benchmark's log: a genesis, the clearinghouse's and two nodes'
keys, then batches of BATCH_ITEMS Prepares signed once by the originating node, each
followed by the clearinghouse's COMMIT decisions, a checkpoint every CHECKPOINT_EVERY
entries and at the end, and a CycleClose with the positions the replay must find. Keys
come from fixed seeds, so the same size always gives the same bytes. Used by `timebank
bench`; nothing here is used by a running party.
"""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from timebank import envelope, ids, keys, logformat, merkle, translog
from timebank.protocol import (
    CLEARINGHOUSE_ID,
    CrossTransfer,
    Decision,
    Prepare,
    decision_item,
    encode_item,
    prepare_item,
)
from timebank.signing import KeyRecord
from timebank.v1 import log_pb2 as lpb

__all__ = ["BATCH_ITEMS", "CHECKPOINT_EVERY", "RECEIVER", "SENDER", "START_MICROS", "write_export"]

BATCH_ITEMS = 1_000
CHECKPOINT_EVERY = 10_000
START_MICROS = 1_780_000_000_000_000
SENDER, RECEIVER = "shiqi", "dongqu"


def _key(seed: int) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32)


def _record(party_id: str, private_key: Ed25519PrivateKey) -> KeyRecord:
    public = keys.public_bytes(private_key.public_key())
    return KeyRecord(keys.key_id_of_raw(public), party_id, public, 0)


class _Writer:
    """Appends entries to the export and keeps the compact range for checkpoint roots."""

    def __init__(self, directory: pathlib.Path, owner_key: Ed25519PrivateKey) -> None:
        directory.mkdir(parents=True, exist_ok=False)
        self.entries = (directory / logformat.ENTRIES_FILE).open("wb")
        self.checkpoints = (directory / logformat.CHECKPOINTS_FILE).open("wb")
        self.owner_key = owner_key
        self.size = 0
        self.last_hash = b""
        self.frontier: list[bytes] = []

    def append(self, at_micros: int, **body: object) -> None:
        data = logformat.entry_bytes(self.size, self.last_hash, at_micros, **body)
        logformat.write_record(self.entries, data)
        self.last_hash = merkle.leaf_hash(data)
        self.frontier, _completed = translog.frontier_after(self.size, self.frontier, self.last_hash)
        self.size += 1
        if self.size % CHECKPOINT_EVERY == 0:
            self.checkpoint(at_micros)

    def checkpoint(self, at_micros: int) -> None:
        root = translog.frontier_root(self.frontier)
        signed = logformat.sign_checkpoint(CLEARINGHOUSE_ID, self.size, root, at_micros, self.owner_key)
        logformat.write_record(self.checkpoints, signed.SerializeToString())

    def close(self) -> None:
        self.entries.close()
        self.checkpoints.close()


def _transfers(count: int, first: int) -> Iterator[CrossTransfer]:
    for number in range(first, first + count):
        yield CrossTransfer(
            transfer_id=0xBE00 << 112 | number,
            debit_node_id=SENDER,
            debit_account_id=0xA1 << 112 | (number % 500 + 1),
            credit_node_id=RECEIVER,
            credit_account_id=0xA2 << 112 | (number % 700 + 1),
            amount_minutes=number % 120 + 1,
            memo="bench",
            originator_node_id=SENDER,
        )


def write_export(directory: pathlib.Path, entries_wanted: int) -> int:
    """Writes an export of about entries_wanted entries (whole batches); returns the count."""
    clearinghouse, sender, receiver = _key(1), _key(2), _key(3)
    writer = _Writer(directory, clearinghouse)
    now = START_MICROS
    writer.append(now, genesis=lpb.LogGenesis(log_id=CLEARINGHOUSE_ID, owner_id=CLEARINGHOUSE_ID))
    for party, key in ((CLEARINGHOUSE_ID, clearinghouse), (SENDER, sender), (RECEIVER, receiver)):
        state = logformat.key_state(_record(party, key))
        writer.append(now, registry_event=lpb.RegistryEvent(action="key-added", party_id=party, key=state))
    moved = count = 0
    while writer.size + 2 * BATCH_ITEMS + 1 < entries_wanted or count == 0:
        now += 1_000_000
        transfers = list(_transfers(BATCH_ITEMS, count))
        items = [encode_item(prepare_item(Prepare(t), SENDER)) for t in transfers]
        batch = envelope.seal(
            SENDER, CLEARINGHOUSE_ID, items, sender, batch_id=ids.to_fixed_bytes(count), created_at_micros=now
        )
        received = lpb.ReceivedBatch(header=batch.header, key_id=batch.key_id, signature=batch.signature)
        writer.append(now, received_batch=received)
        for position, item in enumerate(items):
            writer.append(now, received_item=lpb.ReceivedItem(position=position, item=item))
        for transfer in transfers:
            decision = encode_item(decision_item(Decision(transfer.transfer_id, True, "", now, 1)))
            writer.append(now, sent_item=lpb.SentItem(recipient_id=SENDER, item=decision))
            moved += transfer.amount_minutes
        count += BATCH_ITEMS
    positions = [
        lpb.NodePosition(
            node_id=RECEIVER, credits_minutes=moved, credit_count=count, net_minutes=moved, closing_minutes=moved
        ),
        lpb.NodePosition(
            node_id=SENDER, debits_minutes=moved, debit_count=count, net_minutes=-moved, closing_minutes=-moved
        ),
    ]
    close = lpb.CycleClose(
        cycle_id=1,
        opened_at_micros=START_MICROS,
        closed_at_micros=now,
        committed_count=count,
        committed_minutes=moved,
        positions=positions,
    )
    writer.append(now, cycle_close=close)
    if writer.size % CHECKPOINT_EVERY:
        writer.checkpoint(now)
    writer.close()
    return writer.size
