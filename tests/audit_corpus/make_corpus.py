"""Writes the golden audit corpus: a clean export and one tampered export per defect class.

Run from the repository root: `.venv/bin/python -m tests.audit_corpus.make_corpus`. It
writes beside this file one directory per case (entries.bin, checkpoints.bin) and
expected.json, which names the one finding each case must give (kind, index, subject).
Every export comes from tests.support.audit, which is deterministic, so running it again
gives the same bytes; a test checks that.
"""

from __future__ import annotations

import json
import pathlib
import sys
from collections.abc import Callable

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

from tests.support.audit import (  # noqa: E402
    CLEARINGHOUSE_ID,
    ROTATED_SEED,
    SEEDS,
    STRANGER_SEED,
    Export,
    batch_header,
    clearinghouse_export,
    key_id,
    node_export,
    private_key,
    rechained,
    signed_checkpoint,
)
from timebank import logformat, merkle, signing  # noqa: E402
from timebank.envelope import BATCH_PURPOSE  # noqa: E402
from timebank.v1 import clearing_pb2 as cpb  # noqa: E402
from timebank.v1 import log_pb2 as lpb  # noqa: E402

HERE = pathlib.Path(__file__).resolve().parent
OWNER_KEY = private_key(SEEDS[CLEARINGHOUSE_ID])

# What a case must give: [(kind, index, subject)], in the order found.
Expected = list[tuple[str, int | None, str]]
# A tampered export, and the bytes to cut entries.bin to (None: keep every byte).
Case = tuple[Export, int | None, Expected]


def _leaves(entries: list[bytes]) -> list[bytes]:
    return [merkle.leaf_hash(data) for data in entries]


def altered_amount(clean: Export) -> Case:
    """A Prepare's amount changed inside a received item, and the entry re-serialised."""
    index = clean.marks["prepare_batch_2_node-b"] + 1
    entry = clean.entry(index)
    item = cpb.Item.FromString(entry.received_item.item)
    item.prepare.transfer.amount_minutes += 60
    entry.received_item.item = item.SerializeToString(deterministic=True)
    entries = list(clean.entries)
    entries[index] = entry.SerializeToString(deterministic=True)
    return Export(entries, clean.checkpoints), None, [("altered", index, "entry")]


def deleted(clean: Export) -> Case:
    """The second prepare of a batch removed."""
    index = clean.marks["prepare_batch_3_node-c"] + 2
    entries = clean.entries[:index] + clean.entries[index + 1 :]
    return Export(entries, clean.checkpoints), None, [("deleted", index, "entry")]


def inserted(clean: Export) -> Case:
    """A COMMIT of a transfer nobody prepared, slipped in before an entry with that entry's index."""
    index = clean.marks["decision_2"] + 2
    before = clean.entry(index - 1)
    item = cpb.Item(
        item_id=bytes(range(16)),
        decision=cpb.Decision(transfer_id=bytes([0x66]) * 16, verdict=cpb.VERDICT_COMMIT, cycle_id=1),
    )
    forged = logformat.entry_bytes(
        index,
        merkle.leaf_hash(clean.entries[index - 1]),
        before.logged_at_micros,
        sent_item=lpb.SentItem(recipient_id="node-a", item=item.SerializeToString(deterministic=True)),
    )
    entries = clean.entries[:index] + [forged] + clean.entries[index:]
    return Export(entries, clean.checkpoints), None, [("inserted", index, "entry")]


def reordered(clean: Export) -> Case:
    """A cycle close and the notice after it swapped."""
    index = clean.marks["cycle_close_3"]
    entries = list(clean.entries)
    entries[index], entries[index + 1] = entries[index + 1], entries[index]
    return Export(entries, clean.checkpoints), None, [("reordered", index, "entry")]


def duplicated(clean: Export) -> Case:
    """A decision logged again, three entries later."""
    index = clean.marks["decision_3"]
    entries = clean.entries[: index + 4] + [clean.entries[index]] + clean.entries[index + 4 :]
    return Export(entries, clean.checkpoints), None, [("duplicated", index, "entry")]


def _resigned_batch(clean: Export, index: int, key_seed: int, named_key_id: str) -> Export:
    def edit(position: int, entry: lpb.LogEntry) -> None:
        if position == index:
            header = entry.received_batch.header
            entry.received_batch.key_id = named_key_id
            entry.received_batch.signature = signing.sign(private_key(key_seed), BATCH_PURPOSE, header)

    return rechained(clean, OWNER_KEY, edit)


def forged_signature(clean: Export) -> Case:
    """The owner logs a batch whose signature is by a key the sender never had (the log re-chained)."""
    index = clean.marks["prepare_batch_3_node-c"]
    sender_id = batch_header(clean.entry(index)).sender_id
    export = _resigned_batch(
        clean, index, STRANGER_SEED, key_id(ROTATED_SEED if sender_id == "node-c" else SEEDS[sender_id])
    )
    return export, None, [("bad-signature", index, "entry")]


def wrong_key_signature(clean: Export) -> Case:
    """A node's batch re-signed, validly, with another node's key (the log re-chained)."""
    index = clean.marks["prepare_batch_2_node-b"]
    sender_id = batch_header(clean.entry(index)).sender_id
    other = next(node for node in ("node-a", "node-b") if node != sender_id)  # node-c's key rotated
    export = _resigned_batch(clean, index, SEEDS[other], key_id(SEEDS[other]))
    return export, None, [("wrong-key", index, "entry")]


def forked_checkpoint(clean: Export) -> Case:
    """A second, validly signed checkpoint at a published size, over another history."""
    number = len(clean.checkpoints) // 2
    body = clean.checkpoint(number)
    leaves = _leaves(clean.entries[: body.size])
    leaves[-1] = merkle.leaf_hash(b"another history")
    fork = signed_checkpoint(
        CLEARINGHOUSE_ID, body.size, merkle.root_from_leaf_hashes(leaves), body.timestamp_micros + 1, OWNER_KEY
    )
    checkpoints = clean.checkpoints[: number + 1] + [fork] + clean.checkpoints[number + 1 :]
    return Export(clean.entries, checkpoints), None, [("forked-checkpoint", number + 1, "checkpoint")]


def rolled_back_checkpoint(clean: Export) -> Case:
    """A later checkpoint, validly signed, of an earlier and smaller log."""
    last, earlier = clean.checkpoint(len(clean.checkpoints) - 1), clean.checkpoint(len(clean.checkpoints) - 3)
    rollback = signed_checkpoint(
        CLEARINGHOUSE_ID, earlier.size, earlier.root_hash, last.timestamp_micros + 1_000_000, OWNER_KEY
    )
    number = len(clean.checkpoints)
    return (
        Export(clean.entries, clean.checkpoints + [rollback]),
        None,
        [("rolled-back-checkpoint", number, "checkpoint")],
    )


def truncated_file(clean: Export) -> Case:
    """entries.bin cut in the middle of a record."""
    index = len(clean.entries) - 20
    cut = sum(logformat.RECORD_LENGTH.size + len(data) for data in clean.entries[:index]) + 10
    return clean, cut, [("truncated", index, "entry")]


def truncated_log(clean: Export) -> Case:
    """entries.bin cut at a record boundary, below the size of the last checkpoint."""
    size = len(clean.entries) - 7
    return Export(clean.entries[:size], clean.checkpoints), None, [("truncated", size, "entry")]


TAMPERED: dict[str, Callable[[Export], Case]] = {
    "altered-amount": altered_amount,
    "deleted": deleted,
    "inserted": inserted,
    "reordered": reordered,
    "duplicated": duplicated,
    "forged-signature": forged_signature,
    "wrong-key-signature": wrong_key_signature,
    "forked-checkpoint": forked_checkpoint,
    "rolled-back-checkpoint": rolled_back_checkpoint,
    "truncated-file": truncated_file,
    "truncated-log": truncated_log,
}


def cases() -> dict[str, Case]:
    clean = clearinghouse_export()
    result: dict[str, Case] = {"clean": (clean, None, []), "node-clean": (node_export(), None, [])}
    for name, tamper in TAMPERED.items():
        result[name] = tamper(clean)
    return result


def write_corpus(root: pathlib.Path) -> None:
    expected = {}
    for name, (export, cut, findings) in cases().items():
        directory = export.write(root / name)
        if cut is not None:
            path = directory / logformat.ENTRIES_FILE
            path.write_bytes(path.read_bytes()[:cut])
        expected[name] = [{"kind": kind, "index": index, "subject": subject} for kind, index, subject in findings]
    (root / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    write_corpus(HERE)
