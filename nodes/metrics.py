"""A node's own metrics, read at scrape time: cross-node transfers, outbox, link, logs, alarms, statements.

Owns what a node exports beside the RPC metrics of timebank.metrics: a collector that
reads the node's database on every scrape with a handful of indexed queries (counts,
minimums and single rows; nothing grows with the history but the counts by state), the
link's counters, and whether the books halted. `read` gives the same readings to
`timebank status`. Ages are measured with the node's injected clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.metrics_core import CounterMetricFamily, Metric
from sqlalchemy import Connection, func, select

from nodes.link import ClearinghouseLink
from nodes.records import UNDECIDED, LegState
from nodes.tables import peer_checkpoints, remote_transfers
from timebank import ids
from timebank.books import Books
from timebank.clock import Clock
from timebank.metrics import (
    LogReadings,
    alarm_family,
    database_families,
    gauge,
    halted_family,
    labelled_gauge,
    log_families,
    read_alarms,
    read_log,
    seconds_between,
)
from timebank.protocol import CLEARINGHOUSE_ID, StatementPage, statement_item
from timebank.storage.schema import outbox, statements

__all__ = ["families", "NodeCollector", "NodeReadings", "read", "STATES", "WAITING_FOR_DECISION"]

STATES = tuple(str(state) for state in LegState)
WAITING_FOR_DECISION = tuple(str(state) for state in UNDECIDED)


@dataclass(frozen=True)
class NodeReadings:
    cross_transfers: dict[str, int]
    oldest_held_age_seconds: float  # 0 when nothing waits for a decision
    outbox_depth: int
    witnessed_checkpoint_entries: int
    witnessed_checkpoint_age_seconds: float | None  # None: no clearinghouse checkpoint verified yet
    statement_cycle: int  # 0: no statement made yet
    statement_pages_waiting: int  # pages of that statement the clearinghouse has not acknowledged
    alarms_open: dict[str, int]
    log: LogReadings


def read(connection: Connection, node_id: str, now_micros: int) -> NodeReadings:
    witnessed_entries, witnessed_age = _witnessed(connection, now_micros)
    statement_cycle, pages_waiting = _latest_statement(connection, node_id)
    return NodeReadings(
        cross_transfers=_transfers_by_state(connection),
        oldest_held_age_seconds=_oldest_held_age(connection, now_micros),
        outbox_depth=_outbox_depth(connection),
        witnessed_checkpoint_entries=witnessed_entries,
        witnessed_checkpoint_age_seconds=witnessed_age,
        statement_cycle=statement_cycle,
        statement_pages_waiting=pages_waiting,
        alarms_open=read_alarms(connection),
        log=read_log(connection, now_micros),
    )


def _transfers_by_state(connection: Connection) -> dict[str, int]:
    rows = connection.execute(select(remote_transfers.c.state, func.count()).group_by(remote_transfers.c.state)).all()
    return {**dict.fromkeys(STATES, 0), **{state: int(count) for state, count in rows}}


def _oldest_held_age(connection: Connection, now_micros: int) -> float:
    oldest = connection.execute(
        select(func.min(remote_transfers.c.created_at_micros)).where(remote_transfers.c.state.in_(WAITING_FOR_DECISION))
    ).scalar_one()
    return seconds_between(int(oldest), now_micros) if oldest is not None else 0.0


def _waiting(recipient_id: str):  # type: ignore[no-untyped-def]
    return (outbox.c.recipient_id == recipient_id, outbox.c.acknowledged_at_micros.is_(None))


def _outbox_depth(connection: Connection) -> int:
    statement = select(func.count()).select_from(outbox).where(*_waiting(CLEARINGHOUSE_ID))
    return int(connection.execute(statement).scalar_one())


def _witnessed(connection: Connection, now_micros: int) -> tuple[int, float | None]:
    row = connection.execute(
        select(peer_checkpoints.c.size, peer_checkpoints.c.verified_at_micros).where(
            peer_checkpoints.c.log_id == CLEARINGHOUSE_ID
        )
    ).first()
    return (int(row.size), seconds_between(row.verified_at_micros, now_micros)) if row else (0, None)


def _latest_statement(connection: Connection, node_id: str) -> tuple[int, int]:
    """(the latest cycle this node made a statement of, how many of its pages wait for an acknowledgement)."""
    cycle_id = connection.execute(
        select(func.max(statements.c.cycle_id)).where(statements.c.node_id == node_id)
    ).scalar_one()
    if cycle_id is None:
        return 0, 0
    pages = connection.execute(
        select(statements.c.page).where(statements.c.node_id == node_id, statements.c.cycle_id == cycle_id)
    ).scalars()
    item_ids = [ids.to_hex(statement_item(StatementPage(b""), node_id, cycle_id, page).item_id) for page in pages]
    waiting = connection.execute(
        select(func.count()).select_from(outbox).where(*_waiting(CLEARINGHOUSE_ID), outbox.c.item_id.in_(item_ids))
    ).scalar_one()
    return int(cycle_id), int(waiting)


def families(readings: NodeReadings) -> list[Metric]:
    witnessed_age = readings.witnessed_checkpoint_age_seconds
    found: list[Metric] = [
        labelled_gauge(
            "timebank_node_cross_transfers",
            "This node's legs of cross-node transfers, by state.",
            "state",
            readings.cross_transfers,
        ),
        gauge(
            "timebank_node_oldest_held_age_seconds",
            "Age of the oldest leg waiting for the clearinghouse's decision (0 when none waits).",
            readings.oldest_held_age_seconds,
        ),
        gauge(
            "timebank_node_outbox_depth",
            "Items for the clearinghouse it has not acknowledged yet.",
            readings.outbox_depth,
        ),
        gauge(
            "timebank_node_witnessed_checkpoint_entries",
            "Size of the latest checkpoint of the clearinghouse's log this node verified.",
            readings.witnessed_checkpoint_entries,
        ),
        gauge(
            "timebank_node_statement_cycle",
            "The latest settlement cycle this node made its statement of (0: none yet).",
            readings.statement_cycle,
        ),
        gauge(
            "timebank_node_statement_pages_waiting",
            "Pages of that statement the clearinghouse has not acknowledged yet.",
            readings.statement_pages_waiting,
        ),
        alarm_family(readings.alarms_open),
        *log_families(readings.log),
    ]
    if witnessed_age is not None:
        found.append(
            gauge(
                "timebank_node_witnessed_checkpoint_age_seconds",
                "Seconds since this node last verified a new checkpoint of the clearinghouse's log.",
                witnessed_age,
            )
        )
    return found


class NodeCollector:
    """Read at every scrape; registered in the node's own registry."""

    def __init__(self, books: Books, node_id: str, clock: Clock, link: ClearinghouseLink | None = None) -> None:
        self.books = books
        self.node_id = node_id
        self.clock = clock
        self.link = link

    def collect(self) -> Iterator[Metric]:
        yield halted_family(self.books.halted_reason)
        if self.link is not None:
            yield CounterMetricFamily(
                "timebank_node_link_exchanges",
                "Exchanges with the clearinghouse that succeeded since start.",
                value=self.link.exchanges,
            )
            yield CounterMetricFamily(
                "timebank_node_link_failures",
                "Exchanges with the clearinghouse that failed and were retried since start.",
                value=self.link.failures,
            )
        yield from database_families(self._read)

    def _read(self) -> list[Metric]:
        return families(self.books.read(lambda connection: read(connection, self.node_id, self.clock.now_micros())))
