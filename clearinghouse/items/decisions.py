"""Votes, queries and expiry: how a prepared transfer is decided, and how a node learns of it.

Owns the counterparty's vote (COMMIT only before the expiry, ABORT on a refusal or after
it; a vote on a decided transfer changes nothing), a party's query (the decision of each
transfer it names; a prepare past its expiry is aborted on the spot; an id never seen is
recorded as aborted, so a prepare arriving later is refused) and the sweep of prepares
nobody decided in time.

Must not: write SQL, know gRPC. Invariant: nothing is committed at or after its expiry.
"""

from __future__ import annotations

from clearinghouse.batch import Batch, accepted, transfer_of
from clearinghouse.records import CrossState
from clearinghouse.store import transfers as transfer_store
from timebank import ids
from timebank.errors import RequestInvalid
from timebank.protocol import CrossTransfer, Decision, Item, Query, Vote, decision_item

__all__ = ["expire", "query", "vote"]


def vote(batch: Batch, sender_id: str, item_id: int, vote: Vote) -> Item:
    record = batch.record(vote.transfer_id)
    if (
        record is None
        or sender_id not in (record.debit_node_id, record.credit_node_id)
        or sender_id == record.originator_node_id
    ):
        raise RequestInvalid(f"transfer_id: {ids.to_hex(vote.transfer_id)} awaits no vote from {sender_id!r}")
    if record.state != CrossState.PREPARED:
        return accepted(item_id)  # decided already (e.g. expired): the decision stands
    transfer = transfer_of(record)
    if not vote.accept:
        batch.finish(transfer, commit=False, reason=f"refused by {sender_id}: {vote.reason}")
    elif batch.now_micros >= record.expires_at_micros:
        batch.finish(transfer, commit=False, reason="expired before the counterparty's vote")
    else:
        batch.finish(transfer, commit=True, reason="")
    return accepted(item_id)


def query(batch: Batch, sender_id: str, query: Query) -> None:
    """Answers with the decision of every transfer named that the sender is a party to."""
    for transfer_id in query.transfer_ids:
        record = batch.record(transfer_id)
        if record is None:
            # Recorded as aborted so that a prepare arriving later is refused: the id is spent.
            tombstone = CrossTransfer(transfer_id, sender_id, 1, sender_id, 1, 1, "", sender_id)
            reason = "unknown to the clearinghouse: aborted on query"
            batch.add_record(tombstone, CrossState.ABORTED, reason, expires_at_micros=batch.now_micros)
            batch.answers.append(decision_item(Decision(transfer_id, False, reason, batch.now_micros)))
            continue
        if sender_id not in (record.debit_node_id, record.credit_node_id):
            continue  # not a party: nothing to tell
        if record.state == CrossState.PREPARED and batch.now_micros >= record.expires_at_micros:
            batch.finish(transfer_of(record), commit=False, reason="expired with no decision")
            record = batch.record(transfer_id)
            assert record is not None
        if record.state != CrossState.PREPARED:
            decision = Decision(
                transfer_id,
                record.state == CrossState.COMMITTED,
                record.reason,
                record.decided_at_micros or batch.now_micros,
            )
            batch.answers.append(decision_item(decision))


def expire(batch: Batch, limit: int) -> int:
    """ABORTs up to limit prepared transfers past their expiry; returns how many."""
    records = transfer_store.expired(batch.connection, batch.now_micros, limit)
    for record in records:
        batch.records[record.transfer_id] = record
        batch.finish(transfer_of(record), commit=False, reason="expired with no decision")
    return len(records)
