"""Recalls: a paying node asks for minutes back; the clearinghouse passes the request and the answer.

Owns the checks of a recall (the original is a committed cross-node transfer, the sender
paid it, the amount is within what is left to give back after other returns), the
forwarded request to the node that was paid, and the answer passed back to the node that
asked (found from the forwarded recall in the outbox). A refused recall is answered to
the requester at once.

Must not: write SQL, know gRPC, move minutes (a return is a new prepare by the paid node).
"""

from __future__ import annotations

from clearinghouse.batch import Batch, accepted, refused
from clearinghouse.records import CrossState
from clearinghouse.store import mail as mail_store
from timebank import ids
from timebank.errors import RequestInvalid
from timebank.protocol import CLEARINGHOUSE_ID, Item, Recall, RecallAnswer, recall_answer_item, recall_item

__all__ = ["recall", "recall_answer"]


def recall(batch: Batch, sender_id: str, item_id: int, recall: Recall) -> Item:
    original = batch.record(recall.original_id)
    refusal = ""
    if original is None or original.state != CrossState.COMMITTED:
        refusal = f"original_id: {ids.to_hex(recall.original_id)} is not a committed cross-node transfer"
    elif original.debit_node_id != sender_id or recall.requester_node_id != sender_id:
        refusal = f"original_id: only the node that paid ({original.debit_node_id}) may recall it"
    elif not 1 <= recall.amount_minutes <= original.amount_minutes - batch.returned_minutes(recall.original_id):
        left = original.amount_minutes - batch.returned_minutes(recall.original_id)
        refusal = f"amount_minutes: got {recall.amount_minutes}, want 1..={left} (what is left to give back)"
    if refusal:
        answer = RecallAnswer(recall.recall_id, False, refusal)
        batch.mailbox.append((sender_id, recall_answer_item(answer, CLEARINGHOUSE_ID)))
        return refused(item_id, refusal)
    assert original is not None
    batch.mailbox.append((original.credit_node_id, recall_item(recall, CLEARINGHOUSE_ID)))
    return accepted(item_id)


def recall_answer(batch: Batch, sender_id: str, item_id: int, answer: RecallAnswer) -> Item:
    requester = _requester(batch, sender_id, answer.recall_id)
    if requester is None:
        raise RequestInvalid(f"recall_id: {ids.to_hex(answer.recall_id)} was not asked of {sender_id!r}")
    batch.mailbox.append((requester, recall_answer_item(answer, CLEARINGHOUSE_ID)))
    return accepted(item_id)


def _requester(batch: Batch, answerer_id: str, recall_id: int) -> str | None:
    """Who asked answerer_id for this recall: read from the forwarded Recall in the outbox."""
    item_id = recall_item(Recall(recall_id, 1, 1, "", ""), CLEARINGHOUSE_ID).item_id
    forwarded = mail_store.queued_item(batch.connection, answerer_id, item_id)
    if forwarded is None:
        return None
    return forwarded.body.requester_node_id if isinstance(forwarded.body, Recall) else None
