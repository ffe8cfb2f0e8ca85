"""The clearinghouse's mail: the outbox (items for nodes), the inbox (items processed) and seen batches.

Owns the rows of what goes out (one per recipient and item, encoded; sent once at a
time, again after the redelivery time until acknowledged), of what came in (per sender
and item, with the answer given, so a redelivery gets the same answer and changes
nothing) and of the batch ids accepted (a replay is refused; old ids are forgotten). The
caller owns the transaction.

Must not: decide what to send or whether to answer (the coordinator does), know gRPC.
Invariant: an item is in the outbox once per recipient; an acknowledged item is not
delivered again unless a resync asks for everything since a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from clearinghouse.records import ProcessedItem
from clearinghouse.tables import seen_batches
from timebank import ids
from timebank.protocol import Item, decode_item, encode_item
from timebank.storage import bulk, ledger_store
from timebank.storage.schema import inbox, outbox

__all__ = [
    "acknowledge",
    "batch_seen",
    "deliver",
    "forget_batches_before",
    "insert_mail",
    "insert_processed",
    "insert_seen_batch",
    "item_history",
    "processed_answers",
    "queued_item",
    "requeue_since",
    "unacknowledged_by_recipient",
    "was_queued",
]

# -- one item's history -------------------------------------------------------------------------


def item_history(
    connection: Connection, item_ids: Sequence[int]
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int, int | None, int | None]]]:
    """What became of the items named: (sender, item id, processed at) of each received,
    and (recipient, item id, queued at, last delivered at, acknowledged at) of each sent."""
    hexadecimal = [ids.to_hex(item_id) for item_id in item_ids]
    received = connection.execute(
        select(inbox.c.sender_id, inbox.c.item_id, inbox.c.processed_at_micros).where(inbox.c.item_id.in_(hexadecimal))
    ).all()
    sent = connection.execute(
        select(
            outbox.c.recipient_id,
            outbox.c.item_id,
            outbox.c.created_at_micros,
            outbox.c.delivered_at_micros,
            outbox.c.acknowledged_at_micros,
        ).where(outbox.c.item_id.in_(hexadecimal))
    ).all()
    return (
        [(row[0], ids.from_hex(row[1]), int(row[2])) for row in received],
        [(row[0], ids.from_hex(row[1]), int(row[2]), row[3], row[4]) for row in sent],
    )


# -- the outbox -------------------------------------------------------------------------------


def insert_mail(
    connection: Connection, mailbox: Sequence[tuple[str, Item]], encoded: Sequence[bytes], now_micros: int
) -> None:
    """Queues items for their recipients, never delivered yet (encoded: each item's bytes)."""
    if not mailbox:
        return
    bulk.insert_rows(
        connection,
        outbox,
        [
            {
                "recipient_id": recipient,
                "item_id": ids.to_hex(item.item_id),
                "item": data,
                "created_at_micros": now_micros,
                "acknowledged_at_micros": None,
            }
            for (recipient, item), data in zip(mailbox, encoded, strict=True)
        ],
    )


def deliver(
    connection: Connection, recipient_id: str, limit: int, now_micros: int, redelivery_micros: int
) -> list[bytes]:
    """Unacknowledged items never sent, or sent longer ago than redelivery_micros; marked sent now.

    Each item is in flight once at a time: a node polling and sending at once does not get
    the same items twice, and an item whose answer was lost goes again after the timeout.
    """
    rows = connection.execute(
        select(outbox.c.sequence, outbox.c.item)
        .where(
            outbox.c.recipient_id == recipient_id,
            outbox.c.acknowledged_at_micros.is_(None),
            or_(outbox.c.delivered_at_micros.is_(None), outbox.c.delivered_at_micros <= now_micros - redelivery_micros),
        )
        .order_by(outbox.c.sequence)
        .limit(limit)
    ).all()
    for chunk in ledger_store.chunks([row.sequence for row in rows]):
        connection.execute(update(outbox).where(outbox.c.sequence.in_(chunk)).values(delivered_at_micros=now_micros))
    return [bytes(row.item) for row in rows]


def acknowledge(connection: Connection, recipient_id: str, item_ids: Iterable[int], now_micros: int) -> None:
    """Marks items to a recipient acknowledged: they are not sent again."""
    ledger_store.acknowledge_outbox(connection, recipient_id, item_ids, now_micros)


def requeue_since(connection: Connection, recipient_id: str, since_micros: int) -> None:
    """Every item queued for a recipient since a time goes again, as if never sent."""
    connection.execute(
        update(outbox)
        .where(outbox.c.recipient_id == recipient_id, outbox.c.created_at_micros >= since_micros)
        .values(acknowledged_at_micros=None, delivered_at_micros=None)
    )


def queued_item(connection: Connection, recipient_id: str, item_id: int) -> Item | None:
    """The item queued for a recipient under an id, if there is one."""
    row = connection.execute(
        select(outbox.c.item).where(outbox.c.recipient_id == recipient_id, outbox.c.item_id == ids.to_hex(item_id))
    ).first()
    return decode_item(bytes(row.item)) if row is not None else None


def was_queued(connection: Connection, recipient_id: str, item_id: int) -> bool:
    """Whether an item with this id was ever queued for the recipient."""
    row = connection.execute(
        select(outbox.c.sequence).where(outbox.c.recipient_id == recipient_id, outbox.c.item_id == ids.to_hex(item_id))
    ).first()
    return row is not None


def unacknowledged_by_recipient(connection: Connection) -> dict[str, int]:
    """How many items each recipient has not acknowledged (recipients with none are absent)."""
    rows = connection.execute(
        select(outbox.c.recipient_id, func.count())
        .where(outbox.c.acknowledged_at_micros.is_(None))
        .group_by(outbox.c.recipient_id)
    ).all()
    return {recipient: int(count) for recipient, count in rows}


# -- the inbox --------------------------------------------------------------------------------


def processed_answers(connection: Connection, sender_id: str, item_ids: Iterable[int]) -> dict[int, Item | None]:
    """The answer given to each item of a sender processed before (None: processed, not answered)."""
    rows = ledger_store.rows_where_in(connection, inbox.c.item_id, item_ids, inbox.c.sender_id == sender_id)
    return {ids.from_hex(row.item_id): decode_item(bytes(row.answer)) if row.answer else None for row in rows}


def insert_processed(connection: Connection, processed: Sequence[ProcessedItem]) -> None:
    if not processed:
        return
    connection.execute(
        insert(inbox),
        [
            {
                "sender_id": item.sender_id,
                "item_id": ids.to_hex(item.item_id),
                "processed_at_micros": item.processed_at_micros,
                "answer": encode_item(item.answer) if item.answer else None,
            }
            for item in processed
        ],
    )


# -- batches seen -----------------------------------------------------------------------------


def batch_seen(connection: Connection, batch_id: bytes) -> bool:
    row = connection.execute(select(seen_batches.c.sender_id).where(seen_batches.c.batch_id == batch_id.hex())).first()
    return row is not None


def insert_seen_batch(connection: Connection, batch_id: bytes, sender_id: str, created_at_micros: int) -> None:
    connection.execute(
        insert(seen_batches).values(batch_id=batch_id.hex(), sender_id=sender_id, created_at_micros=created_at_micros)
    )


def forget_batches_before(connection: Connection, horizon_micros: int) -> None:
    """Forgets batch ids created before the horizon (the freshness check refuses such batches anyway)."""
    connection.execute(delete(seen_batches).where(seen_batches.c.created_at_micros < horizon_micros))
