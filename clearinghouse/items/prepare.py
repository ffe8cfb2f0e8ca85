"""A node's prepare: checked, held in the clearinghouse's books, and forwarded to the counterparty.

Owns the checks of a new cross-node transfer (the originator signed the batch, a reused id
carries the same body, the counterparty is admitted and active, the debit node's pending
and net debit caps with this batch's other prepares counted, a return names a committed
original between the same nodes and never gives back more than it moved), the expiry by
this clock, the hold and the forwarded prepare. A refused transfer is recorded as aborted
(its id is spent) and only its originator is told.

Must not: write SQL, know gRPC. Invariant: a hold is made only for a transfer within
both caps, so the books accept it.
"""

from __future__ import annotations

from clearinghouse.batch import Batch, accepted, refused
from clearinghouse.records import CrossState, NodeStatus, node_account_id
from timebank import ids
from timebank.errors import RequestInvalid
from timebank.ledger.model import TransferKind, TransferRequest
from timebank.protocol import CLEARINGHOUSE_ID, CrossTransfer, Item, Prepare, prepare_item, transfer_bytes
from timebank.quoting import quoted

__all__ = ["prepare"]


def prepare(batch: Batch, sender_id: str, item_id: int, prepare: Prepare, *, ttl_micros: int) -> Item:
    transfer = prepare.transfer
    transfer.check()
    if transfer.originator_node_id != sender_id:
        raise RequestInvalid(
            f"originator_node_id: got {quoted(transfer.originator_node_id)}, but the batch was "
            f"signed by {sender_id!r}; a node prepares only its own transfers"
        )
    existing = batch.record(transfer.transfer_id)
    if existing is not None:
        if bytes(existing.body) != transfer_bytes(transfer):
            raise RequestInvalid(
                f"transfer_id: {ids.to_hex(transfer.transfer_id)} exists with a different body; "
                "a reused id must carry the same body"
            )
        return accepted(item_id)  # a retry: already recorded, nothing changes
    refusal = _check_standing_and_limits(batch, transfer) or _check_return(batch, transfer)
    if refusal:
        # Recorded, so the id is spent; only the originator holds anything to release.
        batch.add_record(transfer, CrossState.ABORTED, refusal, expires_at_micros=batch.now_micros)
        batch.decide(transfer, commit=False, reason=refusal, recipients=(sender_id,))
        return refused(item_id, refusal)
    expires_at = batch.now_micros + ttl_micros
    batch.add_record(transfer, CrossState.PREPARED, "", expires_at_micros=expires_at)
    record = batch.records[transfer.transfer_id]
    assert record is not None
    record.prepare_log_index = batch.item_log_index
    batch.ledger.append(
        TransferRequest(
            id=transfer.transfer_id,
            kind=TransferKind.PENDING,
            debit_account_id=node_account_id(transfer.debit_node_id),
            credit_account_id=node_account_id(transfer.credit_node_id),
            amount_minutes=transfer.amount_minutes,
            memo=transfer.memo,
        )
    )
    batch.exposure_minutes[transfer.debit_node_id] = (
        batch.exposure_minutes.get(transfer.debit_node_id, 0) + transfer.amount_minutes
    )
    forward = Prepare(transfer, expires_at)
    batch.mailbox.append((transfer.counterparty_node_id, prepare_item(forward, CLEARINGHOUSE_ID)))
    return accepted(item_id)


def _check_standing_and_limits(batch: Batch, transfer: CrossTransfer) -> str:
    counterparty = batch.node(transfer.counterparty_node_id)
    if counterparty is None:
        return f"credit_node_id: node {quoted(transfer.counterparty_node_id)} is not admitted to this city"
    if counterparty.status != NodeStatus.ACTIVE:
        return f"node {quoted(transfer.counterparty_node_id)} is suspended; no transfers to or from it"
    debit_node = batch.node(transfer.debit_node_id)
    assert debit_node is not None  # the sender or the counterparty, both checked
    batch.node_account(transfer.credit_node_id)  # made on first use
    account = batch.node_account(debit_node.node_id)
    pending = account.debits_pending_minutes + batch.exposure_minutes.get(debit_node.node_id, 0)
    net_debit = max(0, -account.balance_minutes)
    amount = transfer.amount_minutes
    if pending + amount > debit_node.pending_cap_minutes:
        return (
            f"amount_minutes: node {debit_node.node_id!r} would have {pending + amount} minutes "
            f"pending, above its pending cap of {debit_node.pending_cap_minutes}"
        )
    if net_debit + pending + amount > debit_node.net_debit_cap_minutes:
        return (
            f"amount_minutes: node {debit_node.node_id!r} could reach a net debit position of "
            f"{net_debit + pending + amount} minutes, above its cap of "
            f"{debit_node.net_debit_cap_minutes}"
        )
    return ""


def _check_return(batch: Batch, transfer: CrossTransfer) -> str:
    """A return names a committed original between the same nodes, swapped, and with the
    other returns of that original never gives back more than it moved."""
    if not transfer.returns_id:
        return ""
    original = batch.record(transfer.returns_id)
    if original is None or original.state != CrossState.COMMITTED:
        return f"returns_id: transfer {ids.to_hex(transfer.returns_id)} is not a committed cross-node transfer"
    if (transfer.debit_node_id, transfer.credit_node_id) != (original.credit_node_id, original.debit_node_id):
        return "returns_id: a return goes from the original's credit node to its debit node"
    left = original.amount_minutes - batch.returned_minutes(transfer.returns_id)
    if transfer.amount_minutes > left:
        return (
            f"amount_minutes: got {transfer.amount_minutes}, but only {left} of transfer "
            f"{ids.to_hex(transfer.returns_id)} are left to give back"
        )
    return ""
