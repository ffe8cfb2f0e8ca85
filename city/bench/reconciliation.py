"""The reconciliation figures of `timebank bench`: the report of one very large closed cycle.

Owns a scratch clearinghouse database (SQLite) holding one closed cycle of
Sizes.reconciliation_transfers committed cross-node transfers among
Sizes.reconciliation_nodes admitted nodes (real Ed25519 keys, positions from
settlement.close, every node's statement signed in pages of nodes.statements.LINES_PER_PAGE
lines), and the seconds of reports.build and, separately, of rendering its JSON, CSV and
HTML (no warm-up). The report must have no breaks. The growth of this process's peak
resident set (getrusage) while it builds is reported when there is any.
"""

from __future__ import annotations

import pathlib
import resource
import sys
import time
from array import array
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, insert

from city.bench.measure import KIBIBYTES_PER_MEGABYTE, MEGABYTES, SECONDS, BenchFailed, Figure, Sizes
from city.init import default_plan
from clearinghouse import registry, reports, settlement
from clearinghouse.tables import SCHEMA as CLEARINGHOUSE_SCHEMA
from clearinghouse.tables import cross_transfers
from nodes.statements import LINES_PER_PAGE
from timebank import ids, keys, logformat, translog
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.recon.render import report_csv, report_html, report_json
from timebank.storage.engine import create_database_engine
from timebank.storage.migrate import upgrade
from timebank.storage.schema import statements
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "build_cycle",
    "INSERT_CHUNK_ROWS",
    "measure_reconciliation",
    "parameters",
    "RECONCILIATION_AMOUNTS_MINUTES",
    "RECONCILIATION_CYCLE_MICROS",
    "RECONCILIATION_NET_DEBIT_CAP_MINUTES",
    "RECONCILIATION_PENDING_CAP_MINUTES",
    "RECONCILIATION_START_MICROS",
    "RECONCILIATION_TRANSFER_ID_BASE",
    "SyntheticCycle",
]

RECONCILIATION_TRANSFER_ID_BASE = 0x5C << 112
RECONCILIATION_START_MICROS = 1_780_000_000_000_000
RECONCILIATION_CYCLE_MICROS = 86_400_000_000
RECONCILIATION_AMOUNTS_MINUTES = 60  # amounts run 1, 2, ... 60 minutes round and round
RECONCILIATION_NET_DEBIT_CAP_MINUTES = 10**12
RECONCILIATION_PENDING_CAP_MINUTES = 10**9
INSERT_CHUNK_ROWS = 20_000


class SyntheticCycle:
    """The transfers of the cycle: transfer number n goes from node n % N to another node, for
    1 + n % RECONCILIATION_AMOUNTS_MINUTES minutes, so every pair of nodes has transfers."""

    def __init__(self, node_ids: Sequence[str], transfer_count: int) -> None:
        if len(node_ids) < 2:
            raise BenchFailed(f"reconciliation: got {len(node_ids)} nodes, want at least 2")
        self.node_ids = list(node_ids)
        self.transfer_count = transfer_count

    def debit_index(self, number: int) -> int:
        return number % len(self.node_ids)

    def credit_index(self, number: int) -> int:
        count = len(self.node_ids)
        return (number % count + 1 + (number // count) % (count - 1)) % count

    @staticmethod
    def amount_minutes(number: int) -> int:
        return 1 + number % RECONCILIATION_AMOUNTS_MINUTES

    @staticmethod
    def transfer_id(number: int) -> int:
        return RECONCILIATION_TRANSFER_ID_BASE + number

    def rows(self, start: int, stop: int, decided_at_micros: int) -> list[dict[str, object]]:
        return [
            {
                "transfer_id": ids.to_hex(self.transfer_id(number)),
                "body": b"",
                "debit_node_id": self.node_ids[self.debit_index(number)],
                "credit_node_id": self.node_ids[self.credit_index(number)],
                "originator_node_id": self.node_ids[self.debit_index(number)],
                "amount_minutes": self.amount_minutes(number),
                "state": settlement.COMMITTED,
                "reason": "",
                "prepared_at_micros": RECONCILIATION_START_MICROS,
                "expires_at_micros": decided_at_micros,
                "decided_at_micros": decided_at_micros,
                "returns_id": None,
                "cycle_id": 1,
                "prepare_log_index": None,
                "decision_log_index": None,
            }
            for number in range(start, stop)
        ]

    def lines_by_node(self) -> list[array[int]]:
        """Each node's statement lines, ascending by transfer: 2n for a debit of transfer n, 2n + 1 for a credit."""
        by_node: list[array[int]] = [array("q") for _ in self.node_ids]
        for number in range(self.transfer_count):
            by_node[self.debit_index(number)].append(2 * number)
            by_node[self.credit_index(number)].append(2 * number + 1)
        return by_node

    def statement_line(self, line: int) -> lpb.StatementLine:
        number, credit = divmod(line, 2)
        counterparty = self.debit_index(number) if credit else self.credit_index(number)
        return lpb.StatementLine(
            transfer_id=ids.to_bytes(self.transfer_id(number)),
            amount_minutes=self.amount_minutes(number),
            credit=bool(credit),
            counterparty_node_id=self.node_ids[counterparty],
        )


def _statement_pages(
    cycle: SyntheticCycle, node_index: int, lines: array[int], private_key: Ed25519PrivateKey, now_micros: int
) -> list[lpb.SignedStatement]:
    debits = [cycle.amount_minutes(line // 2) for line in lines if line % 2 == 0]
    credits = [cycle.amount_minutes(line // 2) for line in lines if line % 2 == 1]
    summary = lpb.Statement(
        node_id=cycle.node_ids[node_index],
        cycle_id=1,
        created_at_micros=now_micros,
        opening_minutes=0,
        closing_minutes=sum(credits) - sum(debits),
        debits_minutes=sum(debits),
        debit_count=len(debits),
        credits_minutes=sum(credits),
        credit_count=len(credits),
        pending_minutes=0,
        pending_count=0,
    )
    page_count = max(1, -(-len(lines) // LINES_PER_PAGE))
    pages = []
    for number in range(page_count):
        chunk = lines[number * LINES_PER_PAGE : (number + 1) * LINES_PER_PAGE]
        body = lpb.Statement()
        body.CopyFrom(summary)
        body.page, body.page_count = number + 1, page_count
        body.lines.extend(cycle.statement_line(line) for line in chunk)
        pages.append(logformat.sign_statement(body, private_key))
    return pages


def build_cycle(connection: Connection, transfer_count: int, node_count: int) -> int:
    """Writes the registry, the closed cycle 1 and every node's signed statement; returns the close time."""
    now = RECONCILIATION_START_MICROS
    translog.start(connection, CLEARINGHOUSE_ID, [], now, "key-added")
    node_ids = [plan.node_id for plan in default_plan(node_count, 0)]
    private_keys = [Ed25519PrivateKey.generate() for _ in node_ids]
    for node_id, private_key in zip(node_ids, private_keys, strict=True):
        registry.admit(
            connection,
            node_id=node_id,
            display_name=node_id,
            kind="district",
            public_key=keys.public_bytes(private_key.public_key()),
            net_debit_cap_minutes=RECONCILIATION_NET_DEBIT_CAP_MINUTES,
            pending_cap_minutes=RECONCILIATION_PENDING_CAP_MINUTES,
            at_micros=now,
        )
    open_cycle = settlement.open_cycle(connection, now, RECONCILIATION_CYCLE_MICROS)
    closed_at_micros = open_cycle.closes_at_micros
    cycle = SyntheticCycle(node_ids, transfer_count)
    for start in range(0, transfer_count, INSERT_CHUNK_ROWS):
        stop = min(start + INSERT_CHUNK_ROWS, transfer_count)
        connection.execute(insert(cross_transfers), cycle.rows(start, stop, closed_at_micros - 1))
    settlement.close(connection, open_cycle, closed_at_micros, RECONCILIATION_CYCLE_MICROS, scheduled=True)
    for node_index, lines in enumerate(cycle.lines_by_node()):
        pages = _statement_pages(cycle, node_index, lines, private_keys[node_index], closed_at_micros)
        closing = logformat.parse_statement(pages[0]).closing_minutes
        connection.execute(
            insert(statements),
            [
                {
                    "node_id": node_ids[node_index],
                    "cycle_id": open_cycle.cycle_id,
                    "page": number,
                    "signed": page.SerializeToString(),
                    "closing_minutes": closing,
                    "recorded_at_micros": closed_at_micros,
                }
                for number, page in enumerate(pages, start=1)
            ],
        )
    return closed_at_micros


def _peak_resident_kibibytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kibibytes on Linux


def measure_reconciliation(directory: pathlib.Path, sizes: Sizes) -> tuple[Figure, ...]:
    """Seconds to build and to render the report of one closed cycle of reconciliation_transfers."""
    transfer_count = sizes.reconciliation_transfers
    path = directory / "reconciliation.db"
    engine = create_database_engine(f"sqlite:///{path}")
    try:
        started = time.perf_counter()
        upgrade(engine, CLEARINGHOUSE_SCHEMA)
        with engine.begin() as connection:
            closed_at_micros = build_cycle(connection, transfer_count, sizes.reconciliation_nodes)
        print(
            f"bench: wrote a cycle of {transfer_count:,} transfers among {sizes.reconciliation_nodes} nodes "
            f"({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
        build_runs, render_runs, growth_kibibytes = [], [], 0
        for _ in range(sizes.reconciliation_repetitions):
            peak_before = _peak_resident_kibibytes()
            started = time.perf_counter()
            with engine.connect() as connection:
                report = reports.build(connection, 1, closed_at_micros)
            build_runs.append(time.perf_counter() - started)
            growth_kibibytes = max(growth_kibibytes, _peak_resident_kibibytes() - peak_before)
            if report.breaks or report.committed_count != transfer_count:
                raise BenchFailed(
                    f"reconciliation: {len(report.breaks)} breaks and {report.committed_count:,} of "
                    f"{transfer_count:,} transfers committed, want no breaks; the first: "
                    f"{[found.detail for found in report.breaks[:2]]}"
                )
            started = time.perf_counter()
            for render in (report_json, report_csv, report_html):
                render(report)
            render_runs.append(time.perf_counter() - started)
            del report
    finally:
        engine.dispose()
        path.unlink(missing_ok=True)
    figures = [
        Figure("reconciliation_seconds", "reconciliation: reports.build of the cycle", tuple(build_runs), SECONDS),
        Figure("reconciliation_render_seconds", "reconciliation: JSON, CSV and HTML", tuple(render_runs), SECONDS),
    ]
    if growth_kibibytes > 0:  # none when the process had peaked higher before
        megabytes = growth_kibibytes / KIBIBYTES_PER_MEGABYTE
        figures.append(
            Figure(
                "reconciliation_peak_memory_growth_mb",
                "reconciliation: growth of this process's peak memory",
                (megabytes,),
                MEGABYTES,
            )
        )
    for figure in figures:
        runs = "  ".join(f"{run:,.3f}" for run in figure.runs)
        print(f"bench: {figure.label}: {runs} {figure.unit} (no warm-up)", file=sys.stderr, flush=True)
    return tuple(figures)


def parameters() -> dict[str, object]:
    """This module's fixed settings, for the report's parameters."""
    return {
        "reconciliation_backend": "sqlite (a scratch clearinghouse database of its own)",
        "reconciliation_statement_lines_per_page": LINES_PER_PAGE,
        "reconciliation_warm_up_runs": 0,
        "reconciliation_peak_memory": (
            "growth of getrusage ru_maxrss while reports.build runs; omitted when the process peaked higher before"
        ),
    }
