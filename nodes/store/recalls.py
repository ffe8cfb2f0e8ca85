"""Recalls of committed cross-node transfers (recalls), as this node sees them: asked here
of the counterparty, or asked of this node.

Owns the rows and their conversion to `nodes.records.RecallRecord`. The caller owns the
transaction. Invariant: a recall is recorded once, answered at most once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from nodes.records import RecallRecord, RecallState
from nodes.tables import recalls
from timebank import ids

__all__ = ["insert_recall", "list_recalls", "read_recall", "update_answer"]


def _record(row: Row[Any]) -> RecallRecord:
    return RecallRecord(
        recall_id=ids.from_hex(row.recall_id),
        original_id=ids.from_hex(row.original_id),
        requested_here=bool(row.requested_here),
        counterparty_node_id=row.counterparty_node_id,
        amount_minutes=row.amount_minutes,
        reason=row.reason,
        state=RecallState(row.state),
        answer_reason=row.answer_reason,
        return_transfer_id=ids.from_hex(row.return_transfer_id) if row.return_transfer_id else 0,
        created_at_micros=row.created_at_micros,
        answered_at_micros=row.answered_at_micros,
    )


def read_recall(connection: Connection, recall_id: int) -> RecallRecord | None:
    row = connection.execute(select(recalls).where(recalls.c.recall_id == ids.to_hex(recall_id))).first()
    return None if row is None else _record(row)


def insert_recall(connection: Connection, recall: RecallRecord) -> None:
    connection.execute(
        insert(recalls).values(
            recall_id=ids.to_hex(recall.recall_id),
            original_id=ids.to_hex(recall.original_id),
            requested_here=recall.requested_here,
            counterparty_node_id=recall.counterparty_node_id,
            amount_minutes=recall.amount_minutes,
            reason=recall.reason,
            state=str(recall.state),
            answer_reason=recall.answer_reason,
            return_transfer_id=ids.to_hex(recall.return_transfer_id) if recall.return_transfer_id else None,
            created_at_micros=recall.created_at_micros,
            answered_at_micros=recall.answered_at_micros,
        )
    )


def update_answer(
    connection: Connection,
    recall_id: int,
    *,
    requested_here: bool,
    state: RecallState,
    answer_reason: str,
    return_transfer_id: int,
    answered_at_micros: int,
) -> None:
    """Records the answer to a recall still requested (a second answer changes nothing)."""
    connection.execute(
        update(recalls)
        .where(
            recalls.c.recall_id == ids.to_hex(recall_id),
            recalls.c.requested_here.is_(requested_here),
            recalls.c.state == str(RecallState.REQUESTED),
        )
        .values(
            state=str(state),
            answer_reason=answer_reason,
            return_transfer_id=ids.to_hex(return_transfer_id) if return_transfer_id else None,
            answered_at_micros=answered_at_micros,
        )
    )


def list_recalls(connection: Connection, state: str, limit: int) -> list[RecallRecord]:
    """The newest recalls first, in one state or all ("")."""
    statement = select(recalls).order_by(recalls.c.created_at_micros.desc()).limit(limit)
    if state:
        statement = statement.where(recalls.c.state == state)
    return [_record(row) for row in connection.execute(statement)]
