"""The clearinghouse's own metrics, read at scrape time: transfers, expiry, mail, cycles, reports, registry.

Owns what the clearinghouse exports beside the RPC metrics of timebank.metrics: a
collector that reads its database on every scrape with indexed queries (counts by state
and by recipient, minimums, the open cycle's row, the registry's few rows), and the
newest reconciliation report found in its log. The report's break count is stored only
in its ReportRecord leaf, so LatestReport reads each leaf at most once, newest first,
looking back at most REPORT_LOOKBACK_ENTRIES_MAX leaves. `read` gives the same readings
to `timebank status`. Ages are measured with the injected clock. Must not: write SQL (the
stores read), change anything.
"""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client.metrics_core import Metric
from sqlalchemy import Connection

from clearinghouse import registry
from clearinghouse.records import CrossState, NodeRecord, NodeStatus
from clearinghouse.store import cycles as cycle_store
from clearinghouse.store import mail as mail_store
from clearinghouse.store import transfers as transfer_store
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
from timebank.storage.engine import read_transaction
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "ClearinghouseCollector",
    "ClearinghouseReadings",
    "ENTRIES_PER_READ",
    "families",
    "LatestReport",
    "read",
    "REPORT_LOOKBACK_ENTRIES_MAX",
    "STATES",
]

STATES = tuple(state.value for state in CrossState)
REPORT_LOOKBACK_ENTRIES_MAX = 50_000
ENTRIES_PER_READ = translog.ENTRIES_PER_READ_MAX


@dataclass(frozen=True)
class ClearinghouseReadings:
    cross_transfers: dict[str, int]
    oldest_prepared_age_seconds: float  # 0 when nothing is prepared
    prepared_past_expiry: int
    oldest_past_expiry_seconds: float  # how long the most overdue prepared transfer is past its expiry
    outbox_depth: dict[str, int]  # items not acknowledged, by recipient node (every admitted node)
    nodes: tuple[NodeRecord, ...]
    open_cycle_id: int  # 0: none open yet
    cutoff_in_seconds: float  # until the open cycle's scheduled cut-off (negative: overdue)
    report: lpb.ReportRecord | None
    alarms_open: dict[str, int]
    log: LogReadings

    @property
    def nodes_by_status(self) -> dict[str, int]:
        found = Tally(node.status.value for node in self.nodes)
        return {NodeStatus.ACTIVE.value: 0, NodeStatus.SUSPENDED.value: 0, **found}


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
    oldest_prepared, earliest_expiry, past_expiry = transfer_store.prepared_ages(connection, now_micros)
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
    return {**dict.fromkeys(STATES, 0), **transfer_store.count_by_state(connection)}


def _outbox_depth(connection: Connection, node_ids: list[str]) -> dict[str, int]:
    return {**dict.fromkeys(node_ids, 0), **mail_store.unacknowledged_by_recipient(connection)}


def _open_cycle(connection: Connection) -> tuple[int, int]:
    cycle = cycle_store.read_open(connection)
    return (cycle.cycle_id, cycle.closes_at_micros) if cycle else (0, 0)


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
        with read_transaction(self.books.engine) as connection:
            return families(read(connection, self.clock.now_micros(), self.reports))
