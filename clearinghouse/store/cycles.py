"""The settlement tables: cycles, cycle_positions and the statement pages nodes sent.

Owns the conversion between rows and `OpenCycle`, `StoredCycle` and `recon.model.Position`
and every read and write of those tables (statement pages as the SignedStatement bytes a
node sent). The caller owns the transaction (and, to close a cycle, has locked the log).

Must not: decide when a cycle closes or what a position is (clearinghouse.settlement
does), parse statements, know gRPC. Invariant: at most one cycle has no closed_at_micros;
a page is stored once per node, cycle and page number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from clearinghouse.records import OpenCycle, StoredCycle
from clearinghouse.tables import cycle_positions, cycles
from timebank.recon.model import Position
from timebank.storage import ledger_store
from timebank.storage.schema import statements

__all__ = [
    "closings",
    "insert_open",
    "insert_page",
    "insert_positions",
    "last_cycle_id",
    "latest_closed_cycle_id",
    "mark_closed",
    "page_stored",
    "read_cycle",
    "read_open",
    "read_positions",
    "recent_cycles",
    "set_close_log_index",
    "statement_pages",
]

# -- cycles -----------------------------------------------------------------------------------


def _cycle_from_row(row: Row[Any]) -> StoredCycle:
    return StoredCycle(
        row.cycle_id,
        row.opened_at_micros,
        row.closes_at_micros,
        row.closed_at_micros,
        row.scheduled,
        row.close_log_index,
    )


def read_open(connection: Connection) -> OpenCycle | None:
    row = connection.execute(select(cycles).where(cycles.c.closed_at_micros.is_(None))).first()
    return OpenCycle(row.cycle_id, row.opened_at_micros, row.closes_at_micros) if row is not None else None


def last_cycle_id(connection: Connection) -> int:
    """The newest cycle's id, open or closed (0: none yet)."""
    return int(connection.execute(select(func.max(cycles.c.cycle_id))).scalar_one() or 0)


def read_cycle(connection: Connection, cycle_id: int) -> StoredCycle | None:
    row = connection.execute(select(cycles).where(cycles.c.cycle_id == cycle_id)).first()
    return _cycle_from_row(row) if row is not None else None


def recent_cycles(connection: Connection, limit: int) -> list[StoredCycle]:
    """The newest cycles, open or closed, newest first."""
    rows = connection.execute(select(cycles).order_by(cycles.c.cycle_id.desc()).limit(limit))
    return [_cycle_from_row(row) for row in rows]


def latest_closed_cycle_id(connection: Connection) -> int:
    value = connection.execute(select(func.max(cycles.c.cycle_id)).where(cycles.c.closed_at_micros.is_not(None)))
    return int(value.scalar_one() or 0)


def insert_open(connection: Connection, cycle: OpenCycle) -> None:
    connection.execute(
        insert(cycles).values(
            cycle_id=cycle.cycle_id,
            opened_at_micros=cycle.opened_at_micros,
            closes_at_micros=cycle.closes_at_micros,
            closed_at_micros=None,
            scheduled=None,
            close_log_index=None,
        )
    )


def mark_closed(connection: Connection, cycle_id: int, closed_at_micros: int, *, scheduled: bool) -> None:
    connection.execute(
        update(cycles)
        .where(cycles.c.cycle_id == cycle_id)
        .values(closed_at_micros=closed_at_micros, scheduled=scheduled)
    )


def set_close_log_index(connection: Connection, cycle_id: int, log_index: int) -> None:
    connection.execute(update(cycles).where(cycles.c.cycle_id == cycle_id).values(close_log_index=log_index))


# -- positions --------------------------------------------------------------------------------


def insert_positions(connection: Connection, cycle_id: int, positions: Sequence[Position]) -> None:
    if positions:
        connection.execute(insert(cycle_positions), [{"cycle_id": cycle_id, **asdict(p)} for p in positions])


def read_positions(connection: Connection, cycle_id: int) -> dict[str, Position]:
    """The positions recorded at a cycle's close, by node."""
    rows = connection.execute(select(cycle_positions).where(cycle_positions.c.cycle_id == cycle_id))
    return {
        r.node_id: Position(
            r.node_id,
            r.debits_minutes,
            r.debit_count,
            r.credits_minutes,
            r.credit_count,
            r.net_minutes,
            r.closing_minutes,
        )
        for r in rows
    }


def closings(connection: Connection, cycle_id: int) -> dict[str, int]:
    """Each node's closing position after a cycle (nodes never moved are absent)."""
    rows = connection.execute(
        select(cycle_positions.c.node_id, cycle_positions.c.closing_minutes).where(
            cycle_positions.c.cycle_id == cycle_id
        )
    )
    return {node_id: closing for node_id, closing in rows}


# -- statement pages --------------------------------------------------------------------------


def page_stored(connection: Connection, node_id: str, cycle_id: int, page: int) -> bool:
    row = connection.execute(
        select(statements.c.page).where(
            statements.c.node_id == node_id,
            statements.c.cycle_id == cycle_id,
            statements.c.page == page,
        )
    ).first()
    return row is not None


def insert_page(
    connection: Connection,
    node_id: str,
    cycle_id: int,
    page: int,
    signed: bytes,
    closing_minutes: int,
    recorded_at_micros: int,
) -> None:
    connection.execute(
        insert(statements).values(
            node_id=node_id,
            cycle_id=cycle_id,
            page=page,
            signed=signed,
            closing_minutes=closing_minutes,
            recorded_at_micros=recorded_at_micros,
        )
    )


def statement_pages(connection: Connection, node_id: str, cycle_id: int) -> list[bytes]:
    """The stored pages (SignedStatement bytes) of a node's statement of a cycle, in page order."""
    return ledger_store.statement_pages(connection, node_id, cycle_id)
