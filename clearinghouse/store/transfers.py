"""The cross_transfers table: the clearinghouse's record of every cross-node transfer.

Owns the conversion between rows and `CrossRecord` (ids as 32 hexadecimal digits, states
as their stored strings) and every read of the table: the records a batch names (read at
once), what was given back of an original, the prepares past their expiry, what a node
took part in since a time (for a resync), the bureau's reads (every decision, counts by
state, the prepared transfers' ages) and a cycle's committed movements and entries.
The caller owns the transaction.

Must not: decide a transfer's fate (the coordinator does), know gRPC. Invariant: a
decided record is only ever written over a prepared one (`update_decided` leaves any
other row as it is).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, or_, select, update

from clearinghouse.records import CrossRecord, CrossState
from clearinghouse.tables import cross_transfers
from timebank import ids
from timebank.recon.model import ClearingEntry
from timebank.storage import bulk, ledger_store

__all__ = [
    "clearing_entries",
    "committed_movements",
    "count_by_state",
    "decisions",
    "ENTRY_PARTITION_ROWS",
    "expired",
    "flows",
    "held_by_node",
    "insert_records",
    "involving",
    "prepared_ages",
    "read_record",
    "read_records",
    "record_from_row",
    "returned_minutes",
    "search",
    "update_decided",
]

ENTRY_PARTITION_ROWS = 10_000  # rows fetched at a time when a cycle's transfers are read


def record_from_row(row: Row[Any]) -> CrossRecord:
    return CrossRecord(
        ids.from_hex(row.transfer_id),
        bytes(row.body),
        row.debit_node_id,
        row.credit_node_id,
        row.originator_node_id,
        row.amount_minutes,
        CrossState(row.state),
        row.reason,
        row.prepared_at_micros,
        row.expires_at_micros,
        row.decided_at_micros,
        ids.from_hex(row.returns_id),
        row.cycle_id,
        row.prepare_log_index,
        row.decision_log_index,
    )


def _record_row(record: CrossRecord) -> dict[str, object]:
    return {
        "transfer_id": ids.to_hex(record.transfer_id),
        "body": record.body,
        "debit_node_id": record.debit_node_id,
        "credit_node_id": record.credit_node_id,
        "originator_node_id": record.originator_node_id,
        "amount_minutes": record.amount_minutes,
        "state": record.state.value,
        "reason": record.reason,
        "prepared_at_micros": record.prepared_at_micros,
        "expires_at_micros": record.expires_at_micros,
        "decided_at_micros": record.decided_at_micros,
        "returns_id": ids.to_hex(record.returns_id) if record.returns_id else None,
        "cycle_id": record.cycle_id,
        "prepare_log_index": record.prepare_log_index,
        "decision_log_index": record.decision_log_index,
    }


# -- a batch's reads and writes -------------------------------------------------------------


def read_records(connection: Connection, transfer_ids: Iterable[int]) -> dict[int, CrossRecord]:
    """The records of the transfer ids (read in bounded IN lists); ids with none are absent."""
    rows = ledger_store.rows_where_in(connection, cross_transfers.c.transfer_id, transfer_ids)
    return {record.transfer_id: record for record in map(record_from_row, rows)}


def read_record(connection: Connection, transfer_id: int) -> CrossRecord | None:
    row = connection.execute(
        select(cross_transfers).where(cross_transfers.c.transfer_id == ids.to_hex(transfer_id))
    ).first()
    return record_from_row(row) if row is not None else None


def returned_minutes(connection: Connection, original_id: int) -> int:
    """Minutes of an original given back or being given back by stored returns (not aborted)."""
    total = connection.execute(
        select(func.coalesce(func.sum(cross_transfers.c.amount_minutes), 0)).where(
            cross_transfers.c.returns_id == ids.to_hex(original_id),
            cross_transfers.c.state != CrossState.ABORTED.value,
        )
    ).scalar_one()
    return int(total)


def expired(connection: Connection, now_micros: int, limit: int) -> list[CrossRecord]:
    """Up to limit prepared transfers whose expiry is at or before now."""
    rows = connection.execute(
        select(cross_transfers)
        .where(
            cross_transfers.c.state == CrossState.PREPARED.value,
            cross_transfers.c.expires_at_micros <= now_micros,
        )
        .limit(limit)
    ).all()
    return [record_from_row(row) for row in rows]


def involving(connection: Connection, node_id: str, since_micros: int) -> list[CrossRecord]:
    """Every transfer a node is debited or credited by, prepared since a time, oldest first."""
    involved = or_(cross_transfers.c.debit_node_id == node_id, cross_transfers.c.credit_node_id == node_id)
    rows = connection.execute(
        select(cross_transfers)
        .where(involved, cross_transfers.c.prepared_at_micros >= since_micros)
        .order_by(cross_transfers.c.prepared_at_micros)
    )
    return [record_from_row(row) for row in rows]


def insert_records(connection: Connection, records: Sequence[CrossRecord]) -> None:
    if records:
        bulk.insert_rows(connection, cross_transfers, [_record_row(record) for record in records])


def update_decided(connection: Connection, records: Sequence[CrossRecord]) -> None:
    """Writes the decision of records that are prepared in the table (in one statement)."""
    if not records:
        return
    statement = (
        update(cross_transfers)
        .where(
            cross_transfers.c.transfer_id == bindparam("key"),
            cross_transfers.c.state == CrossState.PREPARED.value,
        )
        .values(
            state=bindparam("new_state"),
            reason=bindparam("new_reason"),
            decided_at_micros=bindparam("decided_at"),
            cycle_id=bindparam("new_cycle"),
            decision_log_index=bindparam("logged_at"),
        )
    )
    connection.execute(
        statement,
        [
            {
                "key": ids.to_hex(r.transfer_id),
                "new_state": r.state.value,
                "new_reason": r.reason,
                "decided_at": r.decided_at_micros,
                "new_cycle": r.cycle_id,
                "logged_at": r.decision_log_index,
            }
            for r in records
        ],
    )


# -- the bureau's reads -----------------------------------------------------------------------


def decisions(connection: Connection) -> dict[int, tuple[CrossState, str]]:
    """Every cross-node transfer's state and reason, by transfer id."""
    rows = connection.execute(select(cross_transfers.c.transfer_id, cross_transfers.c.state, cross_transfers.c.reason))
    return {ids.from_hex(row.transfer_id): (CrossState(row.state), row.reason) for row in rows}


def count_by_state(connection: Connection) -> dict[str, int]:
    """How many transfers are in each state that occurs (states with none are absent)."""
    rows = connection.execute(select(cross_transfers.c.state, func.count()).group_by(cross_transfers.c.state)).all()
    return {state: int(count) for state, count in rows}


def prepared_ages(connection: Connection, now_micros: int) -> tuple[int | None, int | None, int]:
    """(when the oldest prepared transfer was prepared, the earliest expiry, how many are past it)."""
    prepared = cross_transfers.c.state == CrossState.PREPARED.value
    oldest, earliest = connection.execute(
        select(func.min(cross_transfers.c.prepared_at_micros), func.min(cross_transfers.c.expires_at_micros)).where(
            prepared
        )
    ).one()
    past = connection.execute(
        select(func.count())
        .select_from(cross_transfers)
        .where(prepared, cross_transfers.c.expires_at_micros <= now_micros)
    ).scalar_one()
    return oldest, earliest, int(past)


# -- a cycle's transfers ------------------------------------------------------------------------


def committed_movements(connection: Connection, cycle_id: int) -> dict[str, tuple[int, int, int, int]]:
    """Per node moved in a cycle: (debits in minutes, debit count, credits in minutes, credit count)."""
    committed = (cross_transfers.c.cycle_id == cycle_id, cross_transfers.c.state == CrossState.COMMITTED.value)
    movements: dict[str, list[int]] = {}
    for offset, column in ((0, cross_transfers.c.debit_node_id), (2, cross_transfers.c.credit_node_id)):
        rows = connection.execute(
            select(column, func.sum(cross_transfers.c.amount_minutes), func.count()).where(*committed).group_by(column)
        )
        for node_id, minutes, count in rows:
            totals = movements.setdefault(node_id, [0, 0, 0, 0])
            totals[offset], totals[offset + 1] = int(minutes), int(count)
    return {node_id: (totals[0], totals[1], totals[2], totals[3]) for node_id, totals in movements.items()}


def clearing_entries(connection: Connection, cycle_id: int) -> Iterator[ClearingEntry]:
    """The cycle's committed transfers and every open prepare, read in partitions.

    Node ids and states repeat on every row: each is kept once, so a cycle of a million
    transfers holds a few strings, not millions.
    """
    columns = (
        cross_transfers.c.transfer_id,
        cross_transfers.c.debit_node_id,
        cross_transfers.c.credit_node_id,
        cross_transfers.c.amount_minutes,
        cross_transfers.c.state,
        cross_transfers.c.expires_at_micros,
    )
    query = select(*columns).where(
        ((cross_transfers.c.cycle_id == cycle_id) & (cross_transfers.c.state == CrossState.COMMITTED.value))
        | (cross_transfers.c.state == CrossState.PREPARED.value)
    )
    shared: dict[str, str] = {}
    result = connection.execute(query.execution_options(yield_per=ENTRY_PARTITION_ROWS))
    for partition in result.partitions():
        for transfer_id, debit_node_id, credit_node_id, amount_minutes, state, expires_at_micros in partition:
            yield ClearingEntry(
                ids.from_hex(transfer_id),
                shared.setdefault(debit_node_id, debit_node_id),
                shared.setdefault(credit_node_id, credit_node_id),
                amount_minutes,
                shared.setdefault(state, state),
                expires_at_micros,
            )


# -- the bureau's search ------------------------------------------------------------------------


def search(
    connection: Connection,
    *,
    id_prefix: str,
    node_id: str,
    state: str,
    prepared_from_micros: int,
    prepared_to_micros: int,
    limit: int,
) -> list[CrossRecord]:
    """Transfers matching every filter given, newest prepared first, at most limit."""
    table = cross_transfers.c
    statement = select(cross_transfers).order_by(table.prepared_at_micros.desc(), table.transfer_id).limit(limit)
    if id_prefix:
        statement = statement.where(table.transfer_id.startswith(id_prefix.lower(), autoescape=True))
    if node_id:
        statement = statement.where(or_(table.debit_node_id == node_id, table.credit_node_id == node_id))
    if state:
        statement = statement.where(table.state == state)
    if prepared_from_micros:
        statement = statement.where(table.prepared_at_micros >= prepared_from_micros)
    if prepared_to_micros:
        statement = statement.where(table.prepared_at_micros < prepared_to_micros)
    return [record_from_row(row) for row in connection.execute(statement)]


def held_by_node(connection: Connection) -> dict[str, int]:
    """How many prepared, undecided transfers debit or credit each node."""
    prepared = cross_transfers.c.state == CrossState.PREPARED.value
    held: dict[str, int] = {}
    for column in (cross_transfers.c.debit_node_id, cross_transfers.c.credit_node_id):
        for node_id, count in connection.execute(select(column, func.count()).where(prepared).group_by(column)):
            held[node_id] = held.get(node_id, 0) + int(count)
    return held


def flows(connection: Connection, cycle_id: int) -> list[tuple[str, str, int, int]]:
    """The cycle's committed minutes from each node to each other: (debit, credit, minutes, count)."""
    table = cross_transfers.c
    rows = connection.execute(
        select(table.debit_node_id, table.credit_node_id, func.sum(table.amount_minutes), func.count())
        .where(table.cycle_id == cycle_id, table.state == CrossState.COMMITTED.value)
        .group_by(table.debit_node_id, table.credit_node_id)
        .order_by(table.debit_node_id, table.credit_node_id)
    )
    return [(debit, credit, int(minutes), int(count)) for debit, credit, minutes, count in rows]
