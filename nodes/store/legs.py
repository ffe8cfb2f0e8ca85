"""This node's legs of cross-node transfers (remote_transfers): recorded when held or
voted on, updated once when the clearinghouse decides.

Owns the rows and their conversion to `nodes.records.Leg`. The caller owns the transaction.
Invariant: a leg is recorded once (its transfer id is the key) and decided at most once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, select, update

from nodes.records import UNDECIDED, Leg, LegState, Side
from nodes.tables import remote_transfers
from timebank import ids
from timebank.storage import bulk, ledger_store

__all__ = [
    "Decided",
    "LISTED_MAX",
    "count_undecided",
    "insert_legs",
    "read_legs",
    "recent_legs",
    "undecided_before",
    "update_decided",
]

LISTED_MAX = 1000


@dataclass(frozen=True)
class Decided:
    """What a decision changes on one leg."""

    transfer_id: int
    state: LegState
    reason: str
    decided_at_micros: int
    cycle_id: int | None


def _leg(row: Row[Any]) -> Leg:
    return Leg(
        transfer_id=ids.from_hex(row.transfer_id),
        side=Side(row.side),
        originator=bool(row.originator),
        counterparty_node_id=row.counterparty_node_id,
        local_account_id=ids.from_hex(row.local_account_id),
        remote_account_id=ids.from_hex(row.remote_account_id),
        amount_minutes=row.amount_minutes,
        memo=row.memo,
        state=LegState(row.state),
        reason=row.reason,
        created_at_micros=row.created_at_micros,
        decided_at_micros=row.decided_at_micros,
        cycle_id=row.cycle_id,
    )


def _row(leg: Leg) -> dict[str, object]:
    return {
        "transfer_id": ids.to_hex(leg.transfer_id),
        "side": str(leg.side),
        "originator": leg.originator,
        "counterparty_node_id": leg.counterparty_node_id,
        "local_account_id": ids.to_hex(leg.local_account_id),
        "remote_account_id": ids.to_hex(leg.remote_account_id),
        "amount_minutes": leg.amount_minutes,
        "memo": leg.memo,
        "state": str(leg.state),
        "reason": leg.reason,
        "created_at_micros": leg.created_at_micros,
        "decided_at_micros": leg.decided_at_micros,
        "cycle_id": leg.cycle_id,
    }


def read_legs(connection: Connection, transfer_ids: Sequence[int]) -> dict[int, Leg]:
    """The legs of the transfers named that this node has, by transfer id (bounded IN lists)."""
    rows = ledger_store.rows_where_in(connection, remote_transfers.c.transfer_id, transfer_ids)
    return {leg.transfer_id: leg for leg in map(_leg, rows)}


def recent_legs(connection: Connection, states: Sequence[LegState], limit: int) -> list[Leg]:
    """The newest legs (at most `limit`, 1 to LISTED_MAX), in the states named (none: any)."""
    statement = select(remote_transfers).order_by(
        remote_transfers.c.created_at_micros.desc(), remote_transfers.c.transfer_id
    )
    if states:
        statement = statement.where(remote_transfers.c.state.in_([str(state) for state in states]))
    return [_leg(row) for row in connection.execute(statement.limit(max(1, min(limit, LISTED_MAX))))]


def insert_legs(connection: Connection, legs: Sequence[Leg]) -> None:
    if legs:
        bulk.insert_rows(connection, remote_transfers, [_row(leg) for leg in legs])


def update_decided(connection: Connection, decided: Sequence[Decided]) -> None:
    """Records the clearinghouse's decisions on legs, in one statement."""
    if not decided:
        return
    statement = (
        update(remote_transfers)
        .where(remote_transfers.c.transfer_id == bindparam("key"))
        .values(
            state=bindparam("new_state"),
            reason=bindparam("new_reason"),
            decided_at_micros=bindparam("decided_at"),
            cycle_id=bindparam("new_cycle"),
        )
    )
    connection.execute(
        statement,
        [
            {
                "key": ids.to_hex(change.transfer_id),
                "new_state": str(change.state),
                "new_reason": change.reason,
                "decided_at": change.decided_at_micros,
                "new_cycle": change.cycle_id,
            }
            for change in decided
        ],
    )


def count_undecided(connection: Connection) -> int:
    """Legs held (or refused) waiting for the clearinghouse's decision."""
    return int(
        connection.execute(
            select(func.count())
            .select_from(remote_transfers)
            .where(remote_transfers.c.state.in_([str(state) for state in UNDECIDED]))
        ).scalar_one()
    )


def undecided_before(connection: Connection, before_micros: int, limit: int) -> list[int]:
    """Ids of undecided legs recorded before a time, oldest first."""
    rows = connection.execute(
        select(remote_transfers.c.transfer_id)
        .where(
            remote_transfers.c.state.in_([str(state) for state in UNDECIDED]),
            remote_transfers.c.created_at_micros < before_micros,
        )
        .order_by(remote_transfers.c.created_at_micros)
        .limit(limit)
    )
    return [ids.from_hex(row.transfer_id) for row in rows]
