"""`timebank bench`: the books' throughput beside this machine's own baselines.

Owns the benchmark command: what is measured and how many times, the sizes (every loop
is bounded by a count, never by time), the scratch node and database it creates and
removes, and the report (a progress line per figure on stderr, a table on stdout, a
JSON document with --out).

Baselines bound what the system could reach on this machine and backend:
  raw single-row commits   one INSERT + COMMIT per row on a plain table, through the same
                           engine factory (SQLite WAL with synchronous=FULL, or PostgreSQL)
  raw batched rows         rows inserted in one transaction with executemany
  gRPC round trips         unary health Check calls over loopback, one client thread
System figures: Books.submit with one transfer per call, with batches of 1,000 and of
8,000, and SubmitTransfers batches of 1,000 through a real node server. Each ratio
divides a system figure by the figure that bounds it.

Every figure is the median of N timed runs after one untimed warm-up run. A run's inputs
(rows, requests, messages) are built before its timer starts. time.perf_counter is read
here: this is a benchmark, not part of the ledger. The SQLite database and the node live
in a temporary folder; a PostgreSQL database must be empty, and its tables are dropped
at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import pathlib
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent import futures
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert, inspect, text

from nodes.client import NodeClient
from nodes.config import NodeConfig
from nodes.init import init_node
from nodes.server import create_server
from nodes.wire import transfer_to_message
from timebank.books import Books
from timebank.clock import Clock, SystemClock
from timebank.errors import ConfigError
from timebank.ledger.model import (
    SYSTEM_ACCOUNT_IDS,
    AccountKind,
    AccountSpec,
    Outcome,
    TransferKind,
    TransferRequest,
)
from timebank.storage import schema
from timebank.storage.engine import backend_name, create_database_engine

BACKENDS = ("sqlite", "postgresql")
HOLDER_PREFIX = "bench"
LOOPBACK = "127.0.0.1"
ISSUANCE_ID = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]
MEMBER_ID_BASE = 0xBE4C << 112
TRANSFER_ID_BASE = 0x7F << 112
SMALL_BATCH_SIZE = 1_000
LARGE_BATCH_SIZE = 8_000
DEADLINE_SECONDS = 30.0
HEALTH_WORKERS = 4
SERVER_STOP_GRACE_SECONDS = 1.0


class BenchFailed(Exception):
    """A measured operation did not do what it should (a refused transfer, say)."""


@dataclass(frozen=True)
class Sizes:
    """How many runs, and how much work in one timed run of each figure."""

    repetitions: int
    member_accounts: int
    raw_single_row_commits: int
    raw_batched_rows_per_transaction: int
    raw_batched_transactions: int
    grpc_round_trips: int
    single_transfers: int
    batches_of_1000: int
    batches_of_8000: int
    node_batches_of_1000: int


FULL = Sizes(
    repetitions=5,
    member_accounts=1_000,
    raw_single_row_commits=400,
    raw_batched_rows_per_transaction=LARGE_BATCH_SIZE,
    raw_batched_transactions=4,
    grpc_round_trips=2_000,
    single_transfers=300,
    batches_of_1000=8,
    batches_of_8000=2,
    node_batches_of_1000=8,
)
QUICK = Sizes(
    repetitions=3,
    member_accounts=200,
    raw_single_row_commits=50,
    raw_batched_rows_per_transaction=LARGE_BATCH_SIZE,
    raw_batched_transactions=1,
    grpc_round_trips=300,
    single_transfers=40,
    batches_of_1000=2,
    batches_of_8000=1,
    node_batches_of_1000=2,
)

# The plain table of the raw baselines, about as wide as a transfer's essentials.
RAW_METADATA = MetaData()
RAW_ROWS = Table(
    "bench_raw_rows",
    RAW_METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("account_id", String(32), nullable=False),
    Column("amount_minutes", Integer, nullable=False),
    Column("memo", String(200), nullable=False),
)

TimedRun = Callable[[], int]  # does one run's timed work; returns the number of items done
Workload = Callable[[], TimedRun]  # builds one run's inputs (untimed) and its timed work


# -- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str  # the JSON key, e.g. "single_transfers_per_second"
    label: str
    runs_per_second: tuple[float, ...]

    @property
    def median_per_second(self) -> float:
        return statistics.median(self.runs_per_second)

    def to_json(self) -> dict[str, Any]:
        return {"median": self.median_per_second, "runs": list(self.runs_per_second)}


@dataclass(frozen=True)
class Ratio:
    key: str
    label: str
    numerator: Figure
    denominator: Figure

    @property
    def median(self) -> float:
        return self.numerator.median_per_second / self.denominator.median_per_second

    def to_json(self) -> dict[str, Any]:
        return {"median": self.median, "numerator": self.numerator.key, "denominator": self.denominator.key}


@dataclass(frozen=True)
class Report:
    machine: dict[str, Any]
    baselines: tuple[Figure, ...]
    system: tuple[Figure, ...]
    ratios: tuple[Ratio, ...]
    parameters: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "baselines": {figure.key: figure.to_json() for figure in self.baselines},
            "system": {figure.key: figure.to_json() for figure in self.system},
            "ratios": {ratio.key: ratio.to_json() for ratio in self.ratios},
            "parameters": self.parameters,
        }


def measure(key: str, label: str, workload: Workload, repetitions: int) -> Figure:
    """One warm-up run, then `repetitions` timed runs; prints a progress line."""
    started = time.perf_counter()
    _time_one_run(workload)
    runs = tuple(_time_one_run(workload) for _ in range(repetitions))
    figure = Figure(key, label, runs)
    elapsed_seconds = time.perf_counter() - started
    print(
        f"bench: {label}: median {_format_rate(figure.median_per_second)}/s "
        f"({repetitions} runs + 1 warm-up, {elapsed_seconds:.1f} s)",
        file=sys.stderr,
        flush=True,
    )
    return figure


def _time_one_run(workload: Workload) -> float:
    timed_run = workload()
    started = time.perf_counter()
    count = timed_run()
    return count / (time.perf_counter() - started)


# -- baselines -----------------------------------------------------------------------------


def raw_single_row_commits(engine: Engine, ids: Iterator[int], count: int) -> Workload:
    def prepare() -> TimedRun:
        rows = _raw_rows(ids, count)
        statement = insert(RAW_ROWS)

        def timed_run() -> int:
            for row in rows:
                with engine.begin() as connection:
                    connection.execute(statement, row)
            return len(rows)

        return timed_run

    return prepare


def raw_batched_rows(engine: Engine, ids: Iterator[int], rows_per_transaction: int, transactions: int) -> Workload:
    def prepare() -> TimedRun:
        batches = [_raw_rows(ids, rows_per_transaction) for _ in range(transactions)]
        statement = insert(RAW_ROWS)

        def timed_run() -> int:
            for batch in batches:
                with engine.begin() as connection:
                    connection.execute(statement, batch)  # a list of rows: executemany
            return rows_per_transaction * transactions

        return timed_run

    return prepare


def _raw_rows(ids: Iterator[int], count: int) -> list[dict[str, Any]]:
    return [
        {"id": row_id, "account_id": f"{MEMBER_ID_BASE + row_id:032x}", "amount_minutes": 1, "memo": ""}
        for row_id in itertools.islice(ids, count)
    ]


def grpc_round_trips(stub: health_pb2_grpc.HealthStub, count: int) -> Workload:
    def prepare() -> TimedRun:
        request = health_pb2.HealthCheckRequest()

        def timed_run() -> int:
            statuses = [stub.Check(request, timeout=DEADLINE_SECONDS).status for _ in range(count)]
            if any(status != health_pb2.HealthCheckResponse.SERVING for status in statuses):
                raise BenchFailed("the health servicer answered other than SERVING")
            return count

        return timed_run

    return prepare


@contextmanager
def health_server() -> Iterator[int]:
    """A trivial gRPC server (the standard health service) on loopback; yields its port."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=HEALTH_WORKERS))
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    port = server.add_insecure_port(f"{LOOPBACK}:0")
    server.start()
    try:
        yield port
    finally:
        server.stop(SERVER_STOP_GRACE_SECONDS).wait()


def measure_baselines(database_url: str, sizes: Sizes) -> tuple[Figure, ...]:
    engine = create_database_engine(database_url)
    ids = itertools.count(1)
    try:
        RAW_METADATA.create_all(engine)
        commits = measure(
            "raw_single_row_commits_per_second",
            "raw single-row commits",
            raw_single_row_commits(engine, ids, sizes.raw_single_row_commits),
            sizes.repetitions,
        )
        rows_per_transaction = sizes.raw_batched_rows_per_transaction
        batched = measure(
            "raw_batched_rows_per_second",
            f"raw batched rows ({rows_per_transaction:,} a transaction)",
            raw_batched_rows(engine, ids, sizes.raw_batched_rows_per_transaction, sizes.raw_batched_transactions),
            sizes.repetitions,
        )
        RAW_METADATA.drop_all(engine)
    finally:
        engine.dispose()
    with health_server() as port, grpc.insecure_channel(f"{LOOPBACK}:{port}") as channel:
        round_trips = measure(
            "grpc_round_trips_per_second",
            "gRPC unary round trips",
            grpc_round_trips(health_pb2_grpc.HealthStub(channel), sizes.grpc_round_trips),
            sizes.repetitions,
        )
    return commits, batched, round_trips


# -- the system ----------------------------------------------------------------------------


class TransferSource:
    """Fresh single-phase transfers of one minute from issuance to members, round robin."""

    def __init__(self, member_ids: Sequence[int]) -> None:
        self._ids = itertools.count(TRANSFER_ID_BASE + 1)
        self._members = itertools.cycle(member_ids)

    def batch(self, size: int) -> list[TransferRequest]:
        return [
            TransferRequest(
                id=next(self._ids),
                kind=TransferKind.SINGLE_PHASE,
                debit_account_id=ISSUANCE_ID,
                credit_account_id=next(self._members),
                amount_minutes=1,
            )
            for _ in range(size)
        ]


def books_batches(books: Books, source: TransferSource, batch_size: int, batches: int) -> Workload:
    def prepare() -> TimedRun:
        prepared = [source.batch(batch_size) for _ in range(batches)]

        def timed_run() -> int:
            for batch in prepared:
                _expect_ok(books.submit(batch).results)
            return batch_size * batches

        return timed_run

    return prepare


def node_batches(client: NodeClient, source: TransferSource, batch_size: int, batches: int) -> Workload:
    def prepare() -> TimedRun:
        prepared = [[transfer_to_message(r) for r in source.batch(batch_size)] for _ in range(batches)]

        def timed_run() -> int:
            for batch in prepared:
                _expect_ok(client.submit_transfers(batch).results)
            return batch_size * batches

        return timed_run

    return prepare


def _expect_ok(results: Iterable[Any]) -> None:
    """Every item OK (results are ItemResult or pb.ItemResult: both have outcome, detail)."""
    for result in results:
        if result.outcome != Outcome.OK:
            raise BenchFailed(f"a transfer was refused ({Outcome(result.outcome).name}): {result.detail}")


def create_members(books: Books, count: int) -> list[int]:
    specs = [
        AccountSpec(id=MEMBER_ID_BASE + number, kind=AccountKind.MEMBER, holder=f"{HOLDER_PREFIX} member {number}")
        for number in range(1, count + 1)
    ]
    _expect_ok(books.create_accounts(specs))
    return [spec.id for spec in specs]


def measure_books(config: NodeConfig, clock: Clock, sizes: Sizes, source: TransferSource) -> tuple[Figure, ...]:
    engine = create_database_engine(config.database_url, config.database.pool)
    books = Books(engine, clock, batch_size_max=config.ledger.batch_size_max)
    try:
        return (
            measure(
                "single_transfers_per_second",
                "local single transfers (Books.submit)",
                books_batches(books, source, 1, sizes.single_transfers),
                sizes.repetitions,
            ),
            measure(
                "batch_1000_transfers_per_second",
                "local transfers in batches of 1,000",
                books_batches(books, source, SMALL_BATCH_SIZE, sizes.batches_of_1000),
                sizes.repetitions,
            ),
            measure(
                "batch_8000_transfers_per_second",
                "local transfers in batches of 8,000",
                books_batches(books, source, LARGE_BATCH_SIZE, sizes.batches_of_8000),
                sizes.repetitions,
            ),
        )
    finally:
        engine.dispose()


def measure_node(config: NodeConfig, clock: Clock, sizes: Sizes, source: TransferSource) -> Figure:
    running = create_server(config, clock)
    try:
        address = f"{LOOPBACK}:{running.port}"
        with NodeClient(address, deadline_seconds=DEADLINE_SECONDS) as client:
            workload = node_batches(client, source, SMALL_BATCH_SIZE, sizes.node_batches_of_1000)
            return measure(
                "grpc_batch_1000_transfers_per_second",
                "node gRPC SubmitTransfers in batches of 1,000",
                workload,
                sizes.repetitions,
            )
    finally:
        running.stop(SERVER_STOP_GRACE_SECONDS)


def measure_system(config: NodeConfig, clock: Clock, sizes: Sizes) -> tuple[Figure, ...]:
    engine = create_database_engine(config.database_url, config.database.pool)
    try:
        members = create_members(Books(engine, clock), sizes.member_accounts)
    finally:
        engine.dispose()
    source = TransferSource(members)
    return (*measure_books(config, clock, sizes, source), measure_node(config, clock, sizes, source))


def ratios_of(baselines: Sequence[Figure], system: Sequence[Figure]) -> tuple[Ratio, ...]:
    commits, batched_rows, _round_trips = baselines
    single, batch_1000, batch_8000, grpc_batch_1000 = system
    return (
        Ratio(
            "single_transfers_to_raw_single_row_commits",
            "single transfers / raw single-row commits",
            single,
            commits,
        ),
        Ratio(
            "batch_1000_transfers_to_raw_batched_rows",
            "batches of 1,000 / raw batched rows",
            batch_1000,
            batched_rows,
        ),
        Ratio(
            "batch_8000_transfers_to_raw_batched_rows",
            "batches of 8,000 / raw batched rows",
            batch_8000,
            batched_rows,
        ),
        Ratio(
            "grpc_batch_1000_transfers_to_batch_1000_transfers",
            "gRPC batches of 1,000 / local batches of 1,000",
            grpc_batch_1000,
            batch_1000,
        ),
    )


# -- the scratch database and node ---------------------------------------------------------


@contextmanager
def scratch_postgresql(database_url: str | None) -> Iterator[None]:
    """Refuses a PostgreSQL database that has tables; drops what the benchmark created."""
    if database_url is None:
        yield
        return
    engine = create_database_engine(database_url)
    try:
        existing = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if existing:
        raise ConfigError(
            f"--database-url: the database has tables {sorted(existing)[:5]}; "
            "want an empty database (the benchmark drops its tables at the end)"
        )
    try:
        yield
    finally:
        drop_benchmark_tables(database_url)


def drop_benchmark_tables(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        RAW_METADATA.drop_all(engine)
        schema.metadata.drop_all(engine)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


def describe_machine(backend: str, database_url: str) -> dict[str, Any]:
    machine: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "sqlite_version": sqlite3.sqlite_version,
        "backend": backend,
        "temporary_directory": tempfile.gettempdir(),
    }
    if backend == "postgresql":
        engine = create_database_engine(database_url)
        try:
            with engine.connect() as connection:
                version = connection.execute(text("SHOW server_version")).scalar()
            machine["postgresql_version"] = version
        finally:
            engine.dispose()
    return machine


def collect(sizes: Sizes, backend: str, database_url: str | None, clock: Clock) -> Report:
    with tempfile.TemporaryDirectory(prefix="timebank-bench-") as directory, scratch_postgresql(database_url):
        config = init_node(
            pathlib.Path(directory) / "node",
            node_id="bench",
            display_name=HOLDER_PREFIX,
            kind="district",
            clock=clock,
            database_url=database_url or "sqlite:///node.db",
            listen=f"{LOOPBACK}:0",
        )
        baselines = measure_baselines(config.database_url, sizes)
        system = measure_system(config, clock, sizes)
        machine = describe_machine(backend, config.database_url)
    parameters = {"backend": backend, "warm_up_runs": 1, "timer": "time.perf_counter", **asdict(sizes)}
    return Report(machine, baselines, system, ratios_of(baselines, system), parameters)


# -- the report ----------------------------------------------------------------------------


def _format_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def render_table(report: Report) -> str:
    header = (
        f"timebank bench, {report.parameters['backend']}: median of "
        f"{report.parameters['repetitions']} runs after one warm-up, per second"
    )
    lines = [header, "", f"{'':<9} {'figure':<48} {'median':>10}  runs"]
    for group, figures in (("baseline", report.baselines), ("system", report.system)):
        for figure in figures:
            runs = "  ".join(_format_rate(run) for run in figure.runs_per_second)
            lines.append(f"{group:<9} {figure.label:<48} {_format_rate(figure.median_per_second):>10}  {runs}")
    for ratio in report.ratios:
        lines.append(f"{'ratio':<9} {ratio.label:<48} {ratio.median:>10.3f}")
    return "\n".join(lines)


def write_json(path: pathlib.Path, report: Report) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")


# -- the command ---------------------------------------------------------------------------


def _positive_integer(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"got {text!r}, want an integer >= 1")
    return int(text)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="throughput beside this machine's own baselines",
        description="Measures raw database and gRPC baselines, then the books and a node, "
        "and prints each figure with its ratio to the baseline that bounds it.",
    )
    parser.add_argument("--quick", action="store_true", help="small counts (about 15 s)")
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="default sqlite")
    parser.add_argument(
        "--database-url",
        help="with --backend postgresql: a postgresql+psycopg:// "
        "URL to an existing empty database; its tables are dropped at the end",
    )
    parser.add_argument(
        "--repetitions",
        type=_positive_integer,
        help=f"timed runs per figure (default {FULL.repetitions}, --quick {QUICK.repetitions})",
    )
    parser.add_argument("--out", type=pathlib.Path, help="also write the results to this JSON file")
    parser.set_defaults(handler=run_bench)


def _database_url(arguments: argparse.Namespace) -> str | None:
    """The PostgreSQL URL for --backend postgresql; None for SQLite (a temporary file)."""
    url = arguments.database_url
    if arguments.backend == "sqlite":
        if url is not None:
            raise ConfigError(
                "--database-url: only with --backend postgresql (the SQLite database is a file in a temporary folder)"
            )
        return None
    if url is None:
        raise ConfigError(
            "--database-url: required with --backend postgresql "
            "(a postgresql+psycopg:// URL to an existing empty database)"
        )
    if backend_name(url) != "postgresql":
        raise ConfigError(f"--database-url: got a {backend_name(url)} URL, want postgresql+psycopg://")
    return url


def run_bench(arguments: argparse.Namespace) -> int:
    database_url = _database_url(arguments)
    sizes = QUICK if arguments.quick else FULL
    if arguments.repetitions is not None:
        sizes = replace(sizes, repetitions=arguments.repetitions)
    try:
        report = collect(sizes, arguments.backend, database_url, SystemClock())
    except BenchFailed as failure:
        print(f"error: the benchmark failed: {failure}", file=sys.stderr)
        return 1
    print(render_table(report))
    if arguments.out is not None:
        write_json(arguments.out, report)
    return 0
