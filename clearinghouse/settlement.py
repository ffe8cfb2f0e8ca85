"""Settlement cycles at the clearinghouse: which cycle is open, closing it, positions, statements.

Owns the cycle table (one open cycle at a time; cut-offs at multiples of the cycle length
by this clock), the multilateral net position of every node in a closed cycle (computed
from the COMMITs stamped with the cycle; the nets sum to zero), the statement pages nodes
send back, and the clearinghouse's view of a cycle for reconciliation. Functions take a
Connection; the caller owns the transaction and has locked the log's head (translog.lock)
before closing, so no decision can be stamped with a cycle after its close.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from clearinghouse.tables import cross_transfers, cycle_positions, cycles, registry_nodes
from timebank import ids, logformat
from timebank.errors import NotFound, RequestInvalid
from timebank.recon.model import ClearingEntry, ClearingView, Position
from timebank.storage import ledger_store
from timebank.storage.schema import statements
from timebank.v1 import log_pb2 as lpb

COMMITTED, PREPARED = "committed", "prepared"
ENTRY_PARTITION_ROWS = 10_000  # rows fetched at a time when a cycle's transfers are read


@dataclass(frozen=True)
class OpenCycle:
    cycle_id: int
    opened_at_micros: int
    closes_at_micros: int


def next_cut_off(after_micros: int, cycle_micros: int) -> int:
    """The first multiple of the cycle length strictly after a time: cut-offs are deterministic."""
    return (after_micros // cycle_micros + 1) * cycle_micros


def open_cycle(connection: Connection, now_micros: int, cycle_micros: int) -> OpenCycle:
    """The open cycle; the first one is opened on first use."""
    row = connection.execute(select(cycles).where(cycles.c.closed_at_micros.is_(None))).first()
    if row is not None:
        return OpenCycle(row.cycle_id, row.opened_at_micros, row.closes_at_micros)
    last = connection.execute(select(func.max(cycles.c.cycle_id))).scalar_one()
    return _open(connection, (last or 0) + 1, now_micros, cycle_micros)


def _open(connection: Connection, cycle_id: int, now_micros: int, cycle_micros: int) -> OpenCycle:
    cycle = OpenCycle(cycle_id, now_micros, next_cut_off(now_micros, cycle_micros))
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
    return cycle


def close(
    connection: Connection, cycle: OpenCycle, now_micros: int, cycle_micros: int, *, scheduled: bool
) -> lpb.CycleClose:
    """Closes the open cycle, records every node's position, opens the next; returns the log body."""
    positions = _positions(connection, cycle.cycle_id)
    if positions:
        connection.execute(insert(cycle_positions), [{"cycle_id": cycle.cycle_id, **p.__dict__} for p in positions])
    connection.execute(
        update(cycles)
        .where(cycles.c.cycle_id == cycle.cycle_id)
        .values(closed_at_micros=now_micros, scheduled=scheduled)
    )
    _open(connection, cycle.cycle_id + 1, now_micros, cycle_micros)
    committed_count = sum(p.debit_count for p in positions)
    return lpb.CycleClose(
        cycle_id=cycle.cycle_id,
        opened_at_micros=cycle.opened_at_micros,
        closed_at_micros=now_micros,
        scheduled=scheduled,
        committed_count=committed_count,
        committed_minutes=sum(p.debits_minutes for p in positions),
        positions=[position_message(p) for p in positions],
    )


def mark_logged(connection: Connection, cycle_id: int, log_index: int) -> None:
    connection.execute(update(cycles).where(cycles.c.cycle_id == cycle_id).values(close_log_index=log_index))


def position_message(position: Position) -> lpb.NodePosition:
    return lpb.NodePosition(**position.__dict__)


def _positions(connection: Connection, cycle_id: int) -> list[Position]:
    """Every node with a movement in the cycle or a non-zero position before it."""
    committed = (cross_transfers.c.cycle_id == cycle_id, cross_transfers.c.state == COMMITTED)
    movements: dict[str, list[int]] = {}
    for side, column in (("debit", cross_transfers.c.debit_node_id), ("credit", cross_transfers.c.credit_node_id)):
        rows = connection.execute(
            select(column, func.sum(cross_transfers.c.amount_minutes), func.count()).where(*committed).group_by(column)
        )
        for node_id, minutes, count in rows:
            totals = movements.setdefault(node_id, [0, 0, 0, 0])
            offset = 0 if side == "debit" else 2
            totals[offset], totals[offset + 1] = int(minutes), int(count)
    previous = closings(connection, cycle_id - 1)
    result = []
    for node_id in sorted(set(movements) | {n for n, closing in previous.items() if closing}):
        debits, debit_count, credits, credit_count = movements.get(node_id, [0, 0, 0, 0])
        net = credits - debits
        result.append(
            Position(node_id, debits, debit_count, credits, credit_count, net, previous.get(node_id, 0) + net)
        )
    return result


def closings(connection: Connection, cycle_id: int) -> dict[str, int]:
    """Each node's closing position after a cycle (0 for nodes never moved)."""
    rows = connection.execute(
        select(cycle_positions.c.node_id, cycle_positions.c.closing_minutes).where(
            cycle_positions.c.cycle_id == cycle_id
        )
    )
    return {node_id: closing for node_id, closing in rows}


def closed_cycle(connection: Connection, cycle_id: int):  # type: ignore[no-untyped-def]
    row = connection.execute(select(cycles).where(cycles.c.cycle_id == cycle_id)).first()
    if row is None or row.closed_at_micros is None:
        state = "unknown" if row is None else "still open"
        raise NotFound(f"cycle: cycle {cycle_id} is {state}; only a closed cycle has statements and a report")
    return row


def latest_closed_cycle_id(connection: Connection) -> int:
    value = connection.execute(select(func.max(cycles.c.cycle_id)).where(cycles.c.closed_at_micros.is_not(None)))
    return int(value.scalar_one() or 0)


# -- statements ----------------------------------------------------------------------------------


def record_statement(connection: Connection, sender_id: str, signed_bytes: bytes, now_micros: int) -> None:
    """Stores a page a node sent (its signature is checked at reconciliation, and by auditors)."""
    statement = logformat.parse_statement(lpb.SignedStatement.FromString(signed_bytes))
    if statement.node_id != sender_id:
        raise RequestInvalid(f"statement.node_id: got {statement.node_id!r}, but the batch was signed by {sender_id!r}")
    closed_cycle(connection, statement.cycle_id)
    if not 1 <= statement.page <= statement.page_count:
        raise RequestInvalid(f"statement.page: got {statement.page}, want 1..={statement.page_count}")
    exists = connection.execute(
        select(statements.c.page).where(
            statements.c.node_id == sender_id,
            statements.c.cycle_id == statement.cycle_id,
            statements.c.page == statement.page,
        )
    ).first()
    if exists is None:
        connection.execute(
            insert(statements).values(
                node_id=sender_id,
                cycle_id=statement.cycle_id,
                page=statement.page,
                signed=signed_bytes,
                closing_minutes=statement.closing_minutes,
                recorded_at_micros=now_micros,
            )
        )


def statement_pages(connection: Connection, node_id: str, cycle_id: int) -> list[lpb.SignedStatement]:
    return [
        lpb.SignedStatement.FromString(data) for data in ledger_store.statement_pages(connection, node_id, cycle_id)
    ]


def all_statements_in(connection: Connection, cycle_id: int) -> bool:
    """Whether every admitted node sent every page of its statement of the cycle."""
    node_ids = connection.execute(select(registry_nodes.c.node_id)).scalars().all()
    for node_id in node_ids:
        pages = statement_pages(connection, node_id, cycle_id)
        if not pages or len(pages) != logformat.parse_statement(pages[0]).page_count:
            return False
    return True


# -- the clearinghouse's view ---------------------------------------------------------------------


def clearing_view(connection: Connection, cycle_id: int) -> ClearingView:
    row = closed_cycle(connection, cycle_id)
    node_rows = connection.execute(select(registry_nodes.c.node_id, registry_nodes.c.display_name)).all()
    names = {node_id: name for node_id, name in node_rows}
    stored = {
        r.node_id: Position(
            r.node_id,
            r.debits_minutes,
            r.debit_count,
            r.credits_minutes,
            r.credit_count,
            r.net_minutes,
            r.closing_minutes,
        )
        for r in connection.execute(select(cycle_positions).where(cycle_positions.c.cycle_id == cycle_id))
    }
    previous = closings(connection, cycle_id - 1)
    positions = tuple(
        stored.get(node_id) or Position(node_id, 0, 0, 0, 0, 0, previous.get(node_id, 0)) for node_id in sorted(names)
    )
    return ClearingView(
        cycle_id=cycle_id,
        opened_at_micros=row.opened_at_micros,
        closed_at_micros=row.closed_at_micros,
        positions=positions,
        entries=tuple(_clearing_entries(connection, cycle_id)),
        node_names=names,
    )


def _clearing_entries(connection: Connection, cycle_id: int) -> Iterator[ClearingEntry]:
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
        ((cross_transfers.c.cycle_id == cycle_id) & (cross_transfers.c.state == COMMITTED))
        | (cross_transfers.c.state == PREPARED)
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
