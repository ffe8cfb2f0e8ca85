"""A node's mail with the clearinghouse: the outbox (items to send, until acknowledged) and
the inbox (items from the clearinghouse processed, by id).

Owns the rows. The caller owns the transaction and decides what to send and whether an
item is new. Invariant: an item is in the outbox once; an item id in the inbox is processed
once, whatever the redeliveries.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, insert, select

from timebank import ids
from timebank.protocol import CLEARINGHOUSE_ID, Item, encode_item
from timebank.storage import bulk, ledger_store
from timebank.storage.schema import inbox, outbox

__all__ = [
    "acknowledge",
    "count_waiting",
    "insert_outbox",
    "mark_processed",
    "processed",
    "queued",
    "unacknowledged",
]


def insert_outbox(connection: Connection, items: Sequence[Item], now_micros: int) -> list[bytes]:
    """Queues items for the clearinghouse; returns their encodings, in order."""
    encoded = [encode_item(item) for item in items]
    rows = [
        {
            "recipient_id": CLEARINGHOUSE_ID,
            "item_id": ids.to_hex(item.item_id),
            "item": data,
            "created_at_micros": now_micros,
            "acknowledged_at_micros": None,
            "delivered_at_micros": None,
        }
        for item, data in zip(items, encoded, strict=True)
    ]
    if rows:
        bulk.insert_rows(connection, outbox, rows)
    return encoded


def queued(connection: Connection, item_ids: Sequence[int]) -> set[int]:
    """Which of the item ids are in the outbox already."""
    rows = ledger_store.rows_where_in(connection, outbox.c.item_id, item_ids)
    return {ids.from_hex(row.item_id) for row in rows}


def acknowledge(connection: Connection, item_ids: Sequence[int], now_micros: int) -> None:
    """The clearinghouse has these items: they are not sent again."""
    ledger_store.acknowledge_outbox(connection, CLEARINGHOUSE_ID, item_ids, now_micros)


def unacknowledged(connection: Connection, limit: int) -> list[bytes]:
    """The oldest items the clearinghouse has not acknowledged, encoded."""
    rows = connection.execute(
        select(outbox.c.item)
        .where(outbox.c.recipient_id == CLEARINGHOUSE_ID, outbox.c.acknowledged_at_micros.is_(None))
        .order_by(outbox.c.sequence)
        .limit(limit)
    )
    return [bytes(row.item) for row in rows]


def count_waiting(connection: Connection) -> int:
    """Items the clearinghouse has not acknowledged."""
    return int(
        connection.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.recipient_id == CLEARINGHOUSE_ID, outbox.c.acknowledged_at_micros.is_(None))
        ).scalar_one()
    )


def processed(connection: Connection, item_ids: Sequence[int]) -> set[int]:
    """Which of the clearinghouse's item ids were processed here before."""
    rows = ledger_store.rows_where_in(connection, inbox.c.item_id, item_ids, inbox.c.sender_id == CLEARINGHOUSE_ID)
    return {ids.from_hex(row.item_id) for row in rows}


def mark_processed(connection: Connection, item_ids: Sequence[int], now_micros: int) -> None:
    if item_ids:
        connection.execute(
            insert(inbox),
            [
                {
                    "sender_id": CLEARINGHOUSE_ID,
                    "item_id": ids.to_hex(value),
                    "processed_at_micros": now_micros,
                    "answer": None,
                }
                for value in item_ids
            ],
        )
