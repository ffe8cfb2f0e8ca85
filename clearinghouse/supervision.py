"""What the bureau reads of the city at the clearinghouse: every node's state now (with the
open alerts and alarms of its latest supervision report), the search over cross-node
transfers, the cycles with their positions and flows, and the log's state.

Owns these reads, each in the caller's read transaction, and the checks of a search's
filters. The values are plain dataclasses; `clearinghouse.bureau` turns them into the
wire's. What it reads is what the protocol brought here: node ids, amounts, states and
times, never a person. Must not: write, know gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from clearinghouse import registry
from clearinghouse.records import CrossRecord, CrossState, NodeRecord, StoredCycle
from clearinghouse.sightings import Sighting
from clearinghouse.store import accounts as account_store
from clearinghouse.store import cycles as cycle_store
from clearinghouse.store import mail as mail_store
from clearinghouse.store import supervision as supervision_store
from clearinghouse.store import transfers as transfer_store
from timebank import alarms, translog
from timebank.errors import RequestInvalid
from timebank.protocol import ReportSummary
from timebank.recon.model import Position
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "CHECKPOINTS_SHOWN",
    "CYCLES_MAX",
    "SEARCH_MAX",
    "CityView",
    "CycleView",
    "LogView",
    "NodeView",
    "Search",
    "city_now",
    "cycles",
    "log_status",
    "search",
]

SEARCH_MAX = 1_000
CYCLES_MAX = 100
CHECKPOINTS_SHOWN = 20
HEX_DIGITS = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class NodeView:
    record: NodeRecord
    last_exchange_at_micros: int
    items_waiting: int
    transfers_held: int
    position_minutes: int
    witnessed_log_size: int
    open_alerts: int = 0  # from the node's latest supervision report (none: 0)
    open_alarms: int = 0
    reported_at_micros: int = 0


@dataclass(frozen=True)
class CityView:
    nodes: list[NodeView]
    transfers: dict[str, int]
    log_size: int
    log_checkpoint_size: int
    open_cycle_id: int
    open_cycle_closes_at_micros: int
    alarms: list[alarms.Alarm]


def city_now(connection: Connection, seen: dict[str, Sighting]) -> CityView:
    records = registry.nodes(connection)
    node_ids = [record.node_id for record in records]
    waiting = mail_store.unacknowledged_by_recipient(connection)
    held = transfer_store.held_by_node(connection)
    positions = account_store.positions(connection, node_ids)
    reported = {node_id: (at, report) for node_id, at, report in supervision_store.reports(connection)}
    views = []
    for record in records:
        sighting = seen.get(record.node_id)
        received_at, report = reported.get(record.node_id, (0, b""))
        summary = ReportSummary.of(report)
        views.append(
            NodeView(
                record,
                sighting.at_micros if sighting else 0,
                waiting.get(record.node_id, 0),
                held.get(record.node_id, 0),
                positions[record.node_id].balance_minutes,
                sighting.witnessed_log_size if sighting else 0,
                len(summary.alert_ids),
                summary.alarm_count,
                received_at,
            )
        )
    open_cycle = cycle_store.read_open(connection)
    return CityView(
        views,
        transfer_store.count_by_state(connection),
        translog.size(connection),
        translog.latest_checkpoint_size(connection),
        open_cycle.cycle_id if open_cycle else 0,
        open_cycle.closes_at_micros if open_cycle else 0,
        alarms.open_alarms(connection),
    )


@dataclass(frozen=True)
class Search:
    id_prefix: str = ""
    node_id: str = ""
    state: str = ""
    prepared_from_micros: int = 0
    prepared_to_micros: int = 0
    limit: int = 100

    def check(self) -> None:
        """Refuses (INVALID_ARGUMENT, naming the field) a filter that cannot match as asked."""
        prefix = self.id_prefix.lower()
        if len(prefix) > 32 or not set(prefix) <= HEX_DIGITS:
            raise RequestInvalid(f"transfer_id_prefix: got {self.id_prefix[:40]!r}, want 0 to 32 hexadecimal digits")
        states = [state.value for state in CrossState]
        if self.state and self.state not in states:
            raise RequestInvalid(f"state: got {self.state[:40]!r}, want one of {', '.join(states)} or empty")
        if self.prepared_from_micros < 0 or self.prepared_to_micros < 0:
            raise RequestInvalid("prepared_from_micros: want >= 0 (0: unbounded), and the same of prepared_to_micros")
        if self.prepared_to_micros and self.prepared_from_micros >= self.prepared_to_micros:
            raise RequestInvalid(
                f"prepared_to_micros: got {self.prepared_to_micros}, want after prepared_from_micros "
                f"{self.prepared_from_micros}"
            )
        if not 1 <= self.limit <= SEARCH_MAX:
            raise RequestInvalid(f"limit: got {self.limit}, want 1 to {SEARCH_MAX}")


def search(connection: Connection, wanted: Search) -> tuple[list[CrossRecord], bool]:
    """The transfers matching, newest first, and whether more matched than the limit."""
    wanted.check()
    if wanted.node_id and registry.node(connection, wanted.node_id) is None:
        known = ", ".join(record.node_id for record in registry.nodes(connection))
        raise RequestInvalid(f"node_id: got {wanted.node_id[:40]!r}, want an admitted node ({known}) or empty")
    found = transfer_store.search(
        connection,
        id_prefix=wanted.id_prefix.lower(),
        node_id=wanted.node_id,
        state=wanted.state,
        prepared_from_micros=wanted.prepared_from_micros,
        prepared_to_micros=wanted.prepared_to_micros,
        limit=wanted.limit + 1,
    )
    return found[: wanted.limit], len(found) > wanted.limit


@dataclass(frozen=True)
class CycleView:
    cycle: StoredCycle
    positions: list[Position]
    flows: list[tuple[str, str, int, int]]  # debit node, credit node, minutes, count


def cycles(connection: Connection, limit: int) -> list[CycleView]:
    if not 1 <= limit <= CYCLES_MAX:
        raise RequestInvalid(f"limit: got {limit}, want 1 to {CYCLES_MAX}")
    views = []
    for cycle in cycle_store.recent_cycles(connection, limit):
        positions = cycle_store.read_positions(connection, cycle.cycle_id) if cycle.closed_at_micros else {}
        ordered = [positions[node_id] for node_id in sorted(positions)]
        views.append(CycleView(cycle, ordered, transfer_store.flows(connection, cycle.cycle_id)))
    return views


@dataclass(frozen=True)
class LogView:
    size: int
    last_logged_at_micros: int
    checkpoints: list[lpb.SignedCheckpoint]
    witnessed_sizes: dict[str, int]
    alarms: list[alarms.Alarm]


def log_status(connection: Connection, seen: dict[str, Sighting]) -> LogView:
    return LogView(
        translog.size(connection),
        translog.last_logged_micros(connection),
        translog.recent_checkpoints(connection, CHECKPOINTS_SHOWN),
        {node_id: sighting.witnessed_log_size for node_id, sighting in sorted(seen.items())},
        alarms.open_alarms(connection),
    )
