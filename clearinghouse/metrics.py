"""The clearinghouse's own metrics, read at scrape time: transfers, expiry, mail, cycles, reports, registry.

Owns what the clearinghouse exports beside the RPC metrics of timebank.metrics: a
collector that reads its database on every scrape with indexed queries (counts by state
and by recipient, minimums, the open cycle's row, the registry's few rows), and the
newest reconciliation report found in its log. The report's break count is stored only
in its ReportRecord leaf, so LatestReport reads each leaf at most once, newest first,
looking back at most REPORT_LOOKBACK_ENTRIES_MAX leaves. `read` gives the same readings
to `timebank status`. Ages are measured with the injected clock.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.metrics_core import Metric
from sqlalchemy import Connection, func, select

from clearinghouse import registry
from clearinghouse.coordinator import ABORTED, COMMITTED, PREPARED
from clearinghouse.tables import cross_transfers, cycles
from timebank import logformat, translog
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
from timebank.storage.schema import outbox
from timebank.v1 import log_pb2 as lpb

STATES = (PREPARED, COMMITTED, ABORTED)
REPORT_LOOKBACK_ENTRIES_MAX = 50_000
ENTRIES_PER_READ = translog.ENTRIES_PER_READ_MAX


@dataclass(frozen=True)
class ClearinghouseReadings:
    cross_transfers: dict[str, int]
    oldest_prepared_age_seconds: float  # 0 when nothing is prepared
    prepared_past_expiry: int
    oldest_past_expiry_seconds: float  # how long the most overdue prepared transfer is past its expiry
    outbox_depth: dict[str, int]  # items not acknowledged, by recipient node (every admitted node)
    nodes: tuple[registry.NodeRecord, ...]
    open_cycle_id: int  # 0: none open yet
    cutoff_in_seconds: float  # until the open cycle's scheduled cut-off (negative: overdue)
    report: lpb.ReportRecord | None
    alarms_open: dict[str, int]
    log: LogReadings

    @property
    def nodes_by_status(self) -> dict[str, int]:
        found = Tally(node.status for node in self.nodes)
        return {registry.ACTIVE: 0, registry.SUSPENDED: 0, **found}


class LatestReport:
    """The newest ReportRecord leaf of the log; each refresh reads only the leaves added since the last."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_to = 0
        self._found: lpb.ReportRecord | None = None

    def refresh(self, connection: Connection) -> lpb.ReportRecord | None:
        with self._lock:
            size = translog.size(connection)
            newest = _newest_report(connection, max(self._read_to, size - REPORT_LOOKBACK_ENTRIES_MAX), size)
            self._found = newest or self._found
            self._read_to = size
            return self._found


def _newest_report(connection: Connection, low: int, high: int) -> lpb.ReportRecord | None:
    while high > low:
        start = max(low, high - ENTRIES_PER_READ)
        for data in reversed(translog.entries(connection, start, high)):
            entry = logformat.parse_entry(data)
            if entry.WhichOneof("body") == "report":
                return entry.report
        high = start
    return None


def read(connection: Connection, now_micros: int, reports: LatestReport) -> ClearinghouseReadings:
    nodes = tuple(registry.nodes(connection))
    oldest_prepared, earliest_expiry, past_expiry = _prepared(connection, now_micros)
    open_cycle_id, cutoff_micros = _open_cycle(connection)
    return ClearinghouseReadings(
        cross_transfers=_transfers_by_state(connection),
        oldest_prepared_age_seconds=seconds_between(oldest_prepared or now_micros, now_micros),
        prepared_past_expiry=past_expiry,
        oldest_past_expiry_seconds=seconds_between(earliest_expiry or now_micros, now_micros),
        outbox_depth=_outbox_depth(connection, [node.node_id for node in nodes]),
        nodes=nodes,
        open_cycle_id=open_cycle_id,
        cutoff_in_seconds=(cutoff_micros - now_micros) / 1e6 if open_cycle_id else 0.0,
        report=reports.refresh(connection),
        alarms_open=read_alarms(connection),
        log=read_log(connection, now_micros),
    )


def _transfers_by_state(connection: Connection) -> dict[str, int]:
    rows = connection.execute(select(cross_transfers.c.state, func.count()).group_by(cross_transfers.c.state)).all()
    return {**dict.fromkeys(STATES, 0), **{state: int(count) for state, count in rows}}


def _prepared(connection: Connection, now_micros: int) -> tuple[int | None, int | None, int]:
    """(when the oldest prepared transfer was prepared, the earliest expiry, how many are past it)."""
    prepared = cross_transfers.c.state == PREPARED
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


def _outbox_depth(connection: Connection, node_ids: list[str]) -> dict[str, int]:
    rows = connection.execute(
        select(outbox.c.recipient_id, func.count())
        .where(outbox.c.acknowledged_at_micros.is_(None))
        .group_by(outbox.c.recipient_id)
    ).all()
    return {**dict.fromkeys(node_ids, 0), **{recipient: int(count) for recipient, count in rows}}


def _open_cycle(connection: Connection) -> tuple[int, int]:
    row = connection.execute(
        select(cycles.c.cycle_id, cycles.c.closes_at_micros).where(cycles.c.closed_at_micros.is_(None))
    ).first()
    return (int(row.cycle_id), int(row.closes_at_micros)) if row else (0, 0)


def families(readings: ClearinghouseReadings) -> list[Metric]:
    found: list[Metric] = [
        labelled_gauge(
            "timebank_clearinghouse_cross_transfers",
            "Cross-node transfers by state.",
            "state",
            readings.cross_transfers,
        ),
        gauge(
            "timebank_clearinghouse_oldest_prepared_age_seconds",
            "Age of the oldest transfer prepared and not yet decided (0 when none).",
            readings.oldest_prepared_age_seconds,
        ),
        gauge(
            "timebank_clearinghouse_prepared_past_expiry",
            "Prepared transfers past their expiry that the sweeper has not aborted yet.",
            readings.prepared_past_expiry,
        ),
        labelled_gauge(
            "timebank_clearinghouse_outbox_depth",
            "Items for each node it has not acknowledged yet.",
            "node",
            readings.outbox_depth,
        ),
        labelled_gauge(
            "timebank_clearinghouse_nodes",
            "Admitted nodes by standing.",
            "status",
            readings.nodes_by_status,
        ),
        alarm_family(readings.alarms_open),
        *log_families(readings.log),
    ]
    if readings.open_cycle_id:
        found.append(gauge("timebank_clearinghouse_open_cycle", "The open settlement cycle.", readings.open_cycle_id))
        found.append(
            gauge(
                "timebank_clearinghouse_cycle_cutoff_seconds",
                "Seconds until the open cycle's scheduled cut-off (negative: overdue).",
                readings.cutoff_in_seconds,
            )
        )
    if readings.report is not None:
        found.append(
            gauge(
                "timebank_clearinghouse_report_cycle",
                "The cycle of the newest reconciliation report.",
                readings.report.cycle_id,
            )
        )
        found.append(
            gauge(
                "timebank_clearinghouse_report_breaks",
                "Breaks in the newest reconciliation report (0: clean).",
                readings.report.break_count,
            )
        )
    return found


class ClearinghouseCollector:
    """Read at every scrape; registered in the clearinghouse's own registry."""

    def __init__(self, books: Books, clock: Clock) -> None:
        self.books = books
        self.clock = clock
        self.reports = LatestReport()

    def collect(self) -> Iterator[Metric]:
        yield halted_family(self.books.halted_reason)
        yield from database_families(self._read)

    def _read(self) -> list[Metric]:
        with self.books.engine.connect() as connection:
            return families(read(connection, self.clock.now_micros(), self.reports))
