"""Settlement cycles at the clearinghouse: which cycle is open, closing it, positions, statements.

Owns the cycle's rules (one open cycle at a time; cut-offs at multiples of the cycle
length by this clock), the multilateral net position of every node in a closed cycle
(computed from the COMMITs stamped with the cycle; the nets sum to zero), the checks on
the statement pages nodes send back, and the clearinghouse's view of a cycle for
reconciliation. Reads and writes go through `clearinghouse.store.cycles` and
`clearinghouse.store.transfers`.

Functions take a Connection; the caller owns the transaction and has locked the log's head
(translog.lock) before closing, so no decision can be stamped with a cycle after its close.
Must not: write SQL, append log leaves (the coordinator logs the close), know gRPC.
"""

from __future__ import annotations

from sqlalchemy import Connection

from clearinghouse.records import ClosedCycle, CrossState, OpenCycle, StoredCycle
from clearinghouse.store import cycles as store
from clearinghouse.store import registry as registry_store
from clearinghouse.store import transfers as transfer_store
from timebank import logformat
from timebank.errors import NotFound, RequestInvalid
from timebank.quoting import quoted
from timebank.recon.model import ClearingView, Position
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "all_statements_in",
    "clearing_view",
    "close",
    "closed_cycle",
    "closings",
    "COMMITTED",
    "latest_closed_cycle_id",
    "mark_logged",
    "next_cut_off",
    "open_cycle",
    "record_statement",
    "statement_pages",
]

# The state of the rows city.bench.scale writes for its synthetic cycle.
COMMITTED = CrossState.COMMITTED


def next_cut_off(after_micros: int, cycle_micros: int) -> int:
    """The first multiple of the cycle length strictly after a time: cut-offs are deterministic."""
    return (after_micros // cycle_micros + 1) * cycle_micros


def open_cycle(connection: Connection, now_micros: int, cycle_micros: int) -> OpenCycle:
    """The open cycle; the first one is opened on first use."""
    found = store.read_open(connection)
    if found is not None:
        return found
    return _open(connection, store.last_cycle_id(connection) + 1, now_micros, cycle_micros)


def _open(connection: Connection, cycle_id: int, now_micros: int, cycle_micros: int) -> OpenCycle:
    cycle = OpenCycle(cycle_id, now_micros, next_cut_off(now_micros, cycle_micros))
    store.insert_open(connection, cycle)
    return cycle


def close(
    connection: Connection, cycle: OpenCycle, now_micros: int, cycle_micros: int, *, scheduled: bool
) -> ClosedCycle:
    """Closes the open cycle, records every node's position, opens the next; returns what was closed."""
    positions = _positions(connection, cycle.cycle_id)
    store.insert_positions(connection, cycle.cycle_id, positions)
    store.mark_closed(connection, cycle.cycle_id, now_micros, scheduled=scheduled)
    _open(connection, cycle.cycle_id + 1, now_micros, cycle_micros)
    return ClosedCycle(
        cycle_id=cycle.cycle_id,
        opened_at_micros=cycle.opened_at_micros,
        closed_at_micros=now_micros,
        scheduled=scheduled,
        committed_count=sum(p.debit_count for p in positions),
        committed_minutes=sum(p.debits_minutes for p in positions),
        positions=tuple(positions),
    )


def mark_logged(connection: Connection, cycle_id: int, log_index: int) -> None:
    store.set_close_log_index(connection, cycle_id, log_index)


def _positions(connection: Connection, cycle_id: int) -> list[Position]:
    """Every node with a movement in the cycle or a non-zero position before it."""
    movements = transfer_store.committed_movements(connection, cycle_id)
    previous = closings(connection, cycle_id - 1)
    result = []
    for node_id in sorted(set(movements) | {n for n, closing in previous.items() if closing}):
        debits, debit_count, credits, credit_count = movements.get(node_id, (0, 0, 0, 0))
        net = credits - debits
        result.append(
            Position(node_id, debits, debit_count, credits, credit_count, net, previous.get(node_id, 0) + net)
        )
    return result


def closings(connection: Connection, cycle_id: int) -> dict[str, int]:
    """Each node's closing position after a cycle (0 for nodes never moved)."""
    return store.closings(connection, cycle_id)


def closed_cycle(connection: Connection, cycle_id: int) -> StoredCycle:
    found = store.read_cycle(connection, cycle_id)
    if found is None or found.closed_at_micros is None:
        state = "unknown" if found is None else "still open"
        raise NotFound(f"cycle: cycle {cycle_id} is {state}; only a closed cycle has statements and a report")
    return found


def latest_closed_cycle_id(connection: Connection) -> int:
    return store.latest_closed_cycle_id(connection)


# -- statements ----------------------------------------------------------------------------------


def record_statement(connection: Connection, sender_id: str, signed_bytes: bytes, now_micros: int) -> None:
    """Stores a page a node sent (its signature is checked at reconciliation, and by auditors)."""
    statement = logformat.parse_statement(lpb.SignedStatement.FromString(signed_bytes))
    if statement.node_id != sender_id:
        raise RequestInvalid(
            f"statement.node_id: got {quoted(statement.node_id)}, but the batch was signed by {sender_id!r}"
        )
    closed_cycle(connection, statement.cycle_id)
    if not 1 <= statement.page <= statement.page_count:
        raise RequestInvalid(f"statement.page: got {statement.page}, want 1..={statement.page_count}")
    if not store.page_stored(connection, sender_id, statement.cycle_id, statement.page):
        store.insert_page(
            connection,
            sender_id,
            statement.cycle_id,
            statement.page,
            signed_bytes,
            statement.closing_minutes,
            now_micros,
        )


def statement_pages(connection: Connection, node_id: str, cycle_id: int) -> list[lpb.SignedStatement]:
    return [lpb.SignedStatement.FromString(data) for data in store.statement_pages(connection, node_id, cycle_id)]


def all_statements_in(connection: Connection, cycle_id: int) -> bool:
    """Whether every admitted node sent every page of its statement of the cycle."""
    for node_id in registry_store.node_ids(connection):
        pages = statement_pages(connection, node_id, cycle_id)
        if not pages or len(pages) != logformat.parse_statement(pages[0]).page_count:
            return False
    return True


# -- the clearinghouse's view ---------------------------------------------------------------------


def clearing_view(connection: Connection, cycle_id: int) -> ClearingView:
    cycle = closed_cycle(connection, cycle_id)
    assert cycle.closed_at_micros is not None
    names = registry_store.node_names(connection)
    stored = store.read_positions(connection, cycle_id)
    previous = closings(connection, cycle_id - 1)
    positions = tuple(
        stored.get(node_id) or Position(node_id, 0, 0, 0, 0, 0, previous.get(node_id, 0)) for node_id in sorted(names)
    )
    return ClearingView(
        cycle_id=cycle_id,
        opened_at_micros=cycle.opened_at_micros,
        closed_at_micros=cycle.closed_at_micros,
        positions=positions,
        entries=tuple(transfer_store.clearing_entries(connection, cycle_id)),
        node_names=names,
    )
