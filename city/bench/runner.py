"""`timebank bench`: the books' throughput beside this machine's own baselines.

Owns the benchmark command: what is measured and how many times, the sizes (every loop
is bounded by a count, and every wait also by a deadline), the scratch node, database
and city it creates and removes, and the report (a progress line per figure on stderr, a
table on stdout, a JSON document with --out).

Baselines bound what the system could reach on this machine and backend:
  raw single-row commits   one INSERT + COMMIT per row on a plain table, through the same
                           engine factory (SQLite WAL with synchronous=FULL, or PostgreSQL)
  raw batched rows         rows inserted in one transaction with executemany
  gRPC round trips         unary health Check calls over loopback, one client thread
  Ed25519, SHA-256         signatures, verifications and hashes of one 200-byte message
System figures: Books.submit with one transfer per call, with batches of 1,000 and of
8,000, and SubmitTransfers batches of 1,000 through a real node server. Then a whole city
(a clearinghouse and three nodes as separate processes, mutual TLS, SQLite, started once
in the temporary folder): cross-node transfers shiqi -> dongqu submitted in batches of
1,000 and timed until every one is committed at both nodes, and the latency of single
cross-node transfers, one at a time, until committed at the origin (p50 and p99, ms).
Each ratio divides a system figure by the figure that bounds it.

Every figure is the median of N timed runs after one untimed warm-up run (the city's
warm-up is a small one: a batch of 50 and 3 single transfers). A run's inputs
(rows, requests, messages) are built before its timer starts. time.perf_counter is read
here: this is a benchmark, not part of the ledger. The SQLite database, the node and the
city live in a temporary folder; a PostgreSQL database must be empty, and its tables are
dropped at the end (the city always uses SQLite).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import pathlib
import platform
import shutil
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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, insert, inspect, text

from city import processes
from city.running import CITY, RunningCity, start_city
from nodes import tables as node_tables
from nodes.client import NodeClient
from nodes.config import NodeConfig
from nodes.init import init_node
from nodes.server import create_server
from nodes.wire import transfer_to_message
from timebank import ids
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
from timebank.storage.engine import backend_name, create_database_engine
from timebank.v1 import ledger_pb2 as pb

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
MESSAGE = bytes(range(200))  # the 200-byte message of the signature and hash baselines

# The city of the cross-node figures: transfers from one payer at ORIGIN to payees at COUNTERPARTY.
ORIGIN, COUNTERPARTY = "shiqi", "dongqu"
CROSS_BATCH_SIZE = 1_000
CROSS_AMOUNT_MINUTES = 1
PAYER_DEPOSIT_MINUTES = 100_000_000
CROSS_DEADLINE_SECONDS = 120.0  # a run fails if its transfers are not all committed by then
SETTLE_POLL_SECONDS = 0.1  # balance polls while a throughput run settles (each one costs the node)
LATENCY_POLL_SECONDS = 0.002  # GetCrossNodeTransfer polls while one transfer settles
WARM_UP_CROSS_TRANSFERS = 50
WARM_UP_LATENCY_TRANSFERS = 3
CITY_ACCOUNT_ID_BASE = 0xBE4D << 112
CROSS_TRANSFER_ID_BASE = 0x7E << 112
ID_BLOCK_BITS = 64  # a bench's id_block shifts its transfer and account counters this far
LOG_LINES_IN_FAILURE = 4


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
    ed25519_signatures: int
    ed25519_verifications: int
    sha256_hashes: int
    single_transfers: int
    batches_of_1000: int
    batches_of_8000: int
    node_batches_of_1000: int
    cross_node_repetitions: int  # the city's figures are slow: fewer runs than the others
    cross_node_transfers: int  # one throughput run, in batches of CROSS_BATCH_SIZE
    cross_node_latency_transfers: int  # one latency run, one transfer at a time
    audit_entries: int  # the size of the synthetic clearinghouse log the verifier checks
    audit_repetitions: int
    log_sizes: tuple[int, ...]  # the transparency log is grown to each, and its latencies measured there
    log_samples: int  # timed calls in one run of each log latency (the run is their median)
    grpc_streamed_messages: int
    scaling_node_counts: tuple[int, ...]  # a city of each size (len(CITY): the main city); city.bench.scale
    scaling_transfers: int  # one scaling run, shared out over every node of the city
    reconciliation_transfers: int  # the committed transfers of the reconciled cycle
    reconciliation_nodes: int
    reconciliation_repetitions: int


FULL = Sizes(
    repetitions=5,
    member_accounts=1_000,
    raw_single_row_commits=400,
    raw_batched_rows_per_transaction=LARGE_BATCH_SIZE,
    raw_batched_transactions=4,
    grpc_round_trips=2_000,
    ed25519_signatures=5_000,
    ed25519_verifications=2_000,
    sha256_hashes=200_000,
    single_transfers=300,
    batches_of_1000=8,
    batches_of_8000=2,
    node_batches_of_1000=8,
    cross_node_repetitions=3,
    cross_node_transfers=1_000,
    cross_node_latency_transfers=50,
    audit_entries=1_000_000,
    audit_repetitions=3,
    log_sizes=(10_000, 100_000, 1_000_000),
    log_samples=200,
    grpc_streamed_messages=50_000,
    scaling_node_counts=(3, 10, 30),
    scaling_transfers=1_000,
    reconciliation_transfers=1_000_000,
    reconciliation_nodes=10,
    reconciliation_repetitions=1,
)
QUICK = Sizes(
    repetitions=3,
    member_accounts=200,
    raw_single_row_commits=50,
    raw_batched_rows_per_transaction=LARGE_BATCH_SIZE,
    raw_batched_transactions=1,
    grpc_round_trips=300,
    ed25519_signatures=1_000,
    ed25519_verifications=500,
    sha256_hashes=50_000,
    single_transfers=40,
    batches_of_1000=2,
    batches_of_8000=1,
    node_batches_of_1000=2,
    cross_node_repetitions=3,
    cross_node_transfers=150,
    cross_node_latency_transfers=10,
    audit_entries=50_000,
    audit_repetitions=3,
    log_sizes=(10_000, 50_000),
    log_samples=200,
    grpc_streamed_messages=10_000,
    scaling_node_counts=(3, 5),
    scaling_transfers=150,
    reconciliation_transfers=20_000,
    reconciliation_nodes=10,
    reconciliation_repetitions=1,
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


PER_SECOND, MILLISECONDS = "per second", "ms"


@dataclass(frozen=True)
class Figure:
    key: str  # the JSON key, e.g. "single_transfers_per_second"
    label: str
    runs: tuple[float, ...]  # one value per timed run, in unit
    unit: str = PER_SECOND

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def to_json(self) -> dict[str, Any]:
        return {"median": self.median, "runs": list(self.runs), "unit": self.unit}


@dataclass(frozen=True)
class Ratio:
    key: str
    label: str
    numerator: Figure
    denominator: Figure

    @property
    def median(self) -> float:
        return self.numerator.median / self.denominator.median

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


def measure(key: str, label: str, workload: Workload, repetitions: int, warm_up: Workload | None = None) -> Figure:
    """One warm-up run (of warm_up, if given), then `repetitions` timed runs; prints a progress line."""
    started = time.perf_counter()
    _time_one_run(warm_up or workload)
    runs = tuple(_time_one_run(workload) for _ in range(repetitions))
    figure = Figure(key, label, runs)
    _progress(figure, time.perf_counter() - started)
    return figure


def _progress(figure: Figure, elapsed_seconds: float) -> None:
    print(
        f"bench: {figure.label}: median {_format_value(figure)} "
        f"({len(figure.runs)} runs + 1 warm-up, {elapsed_seconds:.1f} s)",
        file=sys.stderr,
        flush=True,
    )


def _time_one_run(workload: Workload) -> float:
    timed_run = workload()
    started = time.perf_counter()
    count = timed_run()
    return count / (time.perf_counter() - started)


# -- baselines -----------------------------------------------------------------------------


def raw_single_row_commits(engine: Engine, row_ids: Iterator[int], count: int) -> Workload:
    def prepare() -> TimedRun:
        rows = _raw_rows(row_ids, count)
        statement = insert(RAW_ROWS)

        def timed_run() -> int:
            for row in rows:
                with engine.begin() as connection:
                    connection.execute(statement, row)
            return len(rows)

        return timed_run

    return prepare


def raw_batched_rows(engine: Engine, row_ids: Iterator[int], rows_per_transaction: int, transactions: int) -> Workload:
    def prepare() -> TimedRun:
        batches = [_raw_rows(row_ids, rows_per_transaction) for _ in range(transactions)]
        statement = insert(RAW_ROWS)

        def timed_run() -> int:
            for batch in batches:
                with engine.begin() as connection:
                    connection.execute(statement, batch)  # a list of rows: executemany
            return rows_per_transaction * transactions

        return timed_run

    return prepare


def _raw_rows(row_ids: Iterator[int], count: int) -> list[dict[str, Any]]:
    return [
        {"id": row_id, "account_id": ids.to_hex(MEMBER_ID_BASE + row_id), "amount_minutes": 1, "memo": ""}
        for row_id in itertools.islice(row_ids, count)
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


def ed25519_signatures(count: int) -> Workload:
    def prepare() -> TimedRun:
        private_key = Ed25519PrivateKey.generate()

        def timed_run() -> int:
            for _ in range(count):
                private_key.sign(MESSAGE)
            return count

        return timed_run

    return prepare


def ed25519_verifications(count: int) -> Workload:
    def prepare() -> TimedRun:
        private_key = Ed25519PrivateKey.generate()
        public_key, signature = private_key.public_key(), private_key.sign(MESSAGE)

        def timed_run() -> int:
            for _ in range(count):
                public_key.verify(signature, MESSAGE)  # raises InvalidSignature if it does not verify
            return count

        return timed_run

    return prepare


def sha256_hashes(count: int) -> Workload:
    def prepare() -> TimedRun:
        def timed_run() -> int:
            for _ in range(count):
                hashlib.sha256(MESSAGE).digest()
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
    with serving_on_loopback(server) as port:
        yield port


@contextmanager
def serving_on_loopback(server: grpc.Server) -> Iterator[int]:
    """Starts a server on a free loopback port, yields the port, and stops it."""
    port = server.add_insecure_port(f"{LOOPBACK}:0")
    server.start()
    try:
        yield port
    finally:
        server.stop(SERVER_STOP_GRACE_SECONDS).wait()


def measure_baselines(database_url: str, sizes: Sizes) -> tuple[Figure, ...]:
    engine = create_database_engine(database_url)
    row_ids = itertools.count(1)
    try:
        RAW_METADATA.create_all(engine)
        commits = measure(
            "raw_single_row_commits_per_second",
            "raw single-row commits",
            raw_single_row_commits(engine, row_ids, sizes.raw_single_row_commits),
            sizes.repetitions,
        )
        rows_per_transaction = sizes.raw_batched_rows_per_transaction
        batched = measure(
            "raw_batched_rows_per_second",
            f"raw batched rows ({rows_per_transaction:,} a transaction)",
            raw_batched_rows(engine, row_ids, sizes.raw_batched_rows_per_transaction, sizes.raw_batched_transactions),
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
    signatures = measure(
        "ed25519_signatures_per_second",
        "Ed25519 signatures (200 bytes)",
        ed25519_signatures(sizes.ed25519_signatures),
        sizes.repetitions,
    )
    verifications = measure(
        "ed25519_verifications_per_second",
        "Ed25519 verifications (200 bytes)",
        ed25519_verifications(sizes.ed25519_verifications),
        sizes.repetitions,
    )
    hashes = measure(
        "sha256_hashes_per_second",
        "SHA-256 hashes (200 bytes)",
        sha256_hashes(sizes.sha256_hashes),
        sizes.repetitions,
    )
    return commits, batched, round_trips, signatures, verifications, hashes


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


def measure_audit(directory: pathlib.Path, sizes: Sizes) -> Figure:
    """Entries per second of `audit verify` (offline, in this process) on a synthetic log."""
    from city.bench import logexport as benchlog
    from timebank.audit.verify import verify_directory

    started = time.perf_counter()
    export = directory / "audit-export"
    count = benchlog.write_export(export, sizes.audit_entries)
    print(f"bench: wrote a log of {count} entries ({time.perf_counter() - started:.1f} s)", file=sys.stderr)

    def run() -> Callable[[], int]:
        def verify() -> int:
            result = verify_directory(export)
            if list(result.findings):
                raise BenchFailed(f"the synthetic log did not verify: {list(result.findings)[:3]}")
            return count

        return verify

    figure = measure("audit_verified_entries_per_second", "audit verify, entries", run, sizes.audit_repetitions)
    shutil.rmtree(export)
    return figure


# -- the city: cross-node transfers ---------------------------------------------------------


class CrossNodeBench:
    """Drives the city: one payer at origin (ORIGIN unless given) with a large deposit, a fresh
    payee at counterparty (COUNTERPARTY) for every run, transfer and account ids from counters
    (unique in this city; benches of one city each take their own id_block)."""

    def __init__(
        self, city: RunningCity, origin: str = ORIGIN, counterparty: str = COUNTERPARTY, id_block: int = 0
    ) -> None:
        self.city = city
        self.origin_id, self.counterparty_id = origin, counterparty
        self.origin = city.client(origin)
        self.counterparty = city.client(counterparty)
        self._transfer_numbers = itertools.count(CROSS_TRANSFER_ID_BASE + (id_block << ID_BLOCK_BITS) + 1)
        self._account_numbers = itertools.count(CITY_ACCOUNT_ID_BASE + (id_block << ID_BLOCK_BITS) + 1)
        self.payer_debits_expected_minutes = 0  # what the payer's committed transfers debit
        self.to_verify: list[bytes] = []  # the last transfer of each batch: checked at both nodes
        self.payer = self._create_account(self.origin, "payer")
        deposit = pb.Transfer(
            id=self._next_transfer_id(),
            kind=pb.TRANSFER_KIND_SINGLE_PHASE,
            debit_account_id=ids.to_bytes(ISSUANCE_ID),
            credit_account_id=self.payer,
            amount_minutes=PAYER_DEPOSIT_MINUTES,
            memo="bench deposit",
        )
        self.origin.submit_transfer(deposit)  # a refusal is a gRPC error

    def _next_transfer_id(self) -> bytes:
        return ids.to_bytes(next(self._transfer_numbers))

    def _create_account(self, client: NodeClient, holder: str) -> bytes:
        account = ids.to_bytes(next(self._account_numbers))
        request = pb.Account(id=account, kind=pb.ACCOUNT_KIND_MEMBER, holder=f"{HOLDER_PREFIX} {holder}")
        _expect_accepted(client.create_accounts([request]).results, f"create the {holder} account")
        return account

    def new_payee(self) -> bytes:
        return self._create_account(self.counterparty, "payee")

    def transfers(self, payee: bytes, count: int) -> list[pb.CrossNodeTransfer]:
        return [
            pb.CrossNodeTransfer(
                id=self._next_transfer_id(),
                local_account_id=self.payer,
                remote_node_id=self.counterparty_id,
                remote_account_id=payee,
                amount_minutes=CROSS_AMOUNT_MINUTES,
                memo="bench",
            )
            for _ in range(count)
        ]

    def submit(self, items: list[pb.CrossNodeTransfer]) -> None:
        request = pb.SubmitCrossNodeTransfersRequest(transfers=items)
        response = self.origin.call(self.origin.stub.SubmitCrossNodeTransfers, request)
        _expect_accepted(response.results, "SubmitCrossNodeTransfers")
        self.payer_debits_expected_minutes += sum(item.amount_minutes for item in items)

    def wait_settled(self, payee: bytes, payee_expected_minutes: int, deadline: float) -> None:
        """Until the payee's balance at COUNTERPARTY and the payer's posted debits at ORIGIN are
        exactly what every transfer committed gives (an abort would never get there)."""
        payee_done = payer_done = False
        for _ in range(int(CROSS_DEADLINE_SECONDS / SETTLE_POLL_SECONDS) + 1):
            if not payee_done:
                payee_minutes = self.counterparty.get_account(payee).balance_minutes
                payee_done = payee_minutes == payee_expected_minutes
            if not payer_done:
                payer = self.origin.get_account(self.payer).account
                payer_done = (
                    payer.debits_posted_minutes == self.payer_debits_expected_minutes
                    and payer.debits_pending_minutes == 0
                )
            if payee_done and payer_done:
                return
            if time.perf_counter() > deadline:
                break
            time.sleep(SETTLE_POLL_SECONDS)
        raise BenchFailed(
            f"cross-node transfers not all committed within {CROSS_DEADLINE_SECONDS:.0f} s: the payee at "
            f"{self.counterparty_id} has {payee_minutes} of {payee_expected_minutes} min; the payer at "
            f"{self.origin_id} "
            f"has {payer.debits_posted_minutes} of {self.payer_debits_expected_minutes} min debited and "
            f"{payer.debits_pending_minutes} min still held{_log_tails(self.city)}"
        )

    def wait_committed_at_origin(self, transfer_id: bytes, deadline: float) -> None:
        request = pb.GetCrossNodeTransferRequest(id=transfer_id)
        for _ in range(int(CROSS_DEADLINE_SECONDS / LATENCY_POLL_SECONDS) + 1):
            view = self.origin.call(self.origin.stub.GetCrossNodeTransfer, request)
            if view.state == pb.CROSS_NODE_STATE_COMMITTED:
                return
            if view.state == pb.CROSS_NODE_STATE_ABORTED:
                raise BenchFailed(f"cross-node transfer {transfer_id.hex()} aborted at {self.origin_id}: {view.reason}")
            if time.perf_counter() > deadline:
                break
            time.sleep(LATENCY_POLL_SECONDS)
        raise BenchFailed(
            f"cross-node transfer {transfer_id.hex()} not committed at {self.origin_id} within the run's "
            f"{CROSS_DEADLINE_SECONDS:.0f} s ({_state_name(view.state)}){_log_tails(self.city)}"
        )

    def verify_committed(self) -> None:
        """Untimed: every recorded transfer is COMMITTED at both nodes."""
        for transfer_id in self.to_verify:
            request = pb.GetCrossNodeTransferRequest(id=transfer_id)
            for node_id, client in ((self.origin_id, self.origin), (self.counterparty_id, self.counterparty)):
                view = client.call(client.stub.GetCrossNodeTransfer, request)
                if view.state != pb.CROSS_NODE_STATE_COMMITTED:
                    raise BenchFailed(
                        f"cross-node transfer {transfer_id.hex()} at {node_id}: "
                        f"{_state_name(view.state)} ({view.reason}), want COMMITTED"
                    )
        self.to_verify.clear()


def _state_name(state: int) -> str:
    return pb.CrossNodeState.Name(state).removeprefix("CROSS_NODE_STATE_")


def _expect_accepted(results: Iterable[pb.ItemResult], what: str) -> None:
    for result in results:
        if result.outcome not in (pb.OUTCOME_OK, pb.OUTCOME_EXISTS):  # EXISTS: a retried call
            raise BenchFailed(f"{what}: {pb.Outcome.Name(result.outcome)}: {result.detail}")


def _log_tails(city: RunningCity) -> str:
    """The last lines of every party's log, for a failure message (the city's folder is removed)."""
    parts = []
    for party in [city.clearinghouse, *city.nodes.values()]:
        try:
            lines = party.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError as error:
            lines = [f"(unreadable: {error})"]
        tail = "\n    ".join(lines[-LOG_LINES_IN_FAILURE:])
        parts.append(f"\n  {party.log_path.parent.name}/{party.log_path.name}:\n    {tail}")
    return "; the parties' logs end:" + "".join(parts)


def _batch_sizes(count: int, batch_size: int) -> list[int]:
    return [min(batch_size, count - start) for start in range(0, count, batch_size)]


def cross_node_throughput(bench: CrossNodeBench, count: int) -> Workload:
    """`count` transfers in batches of CROSS_BATCH_SIZE to a fresh payee, timed from the first
    submit until every one is committed at both nodes."""
    return spread_cross_node_throughput((bench,), count)


def spread_cross_node_throughput(benches: Sequence[CrossNodeBench], count: int) -> Workload:
    """`count` transfers shared out over the benches (each its own payer, and a fresh payee per run),
    all submitted before any is waited for; timed until every one is committed at both its nodes."""

    def prepare() -> TimedRun:
        shares = [count // len(benches) + (number < count % len(benches)) for number in range(len(benches))]
        work = []
        for bench, share in zip(benches, shares, strict=True):
            payee = bench.new_payee()
            batches = [bench.transfers(payee, size) for size in _batch_sizes(share, CROSS_BATCH_SIZE)]
            bench.to_verify.extend(batch[-1].id for batch in batches)
            work.append((bench, payee, share, batches))

        def timed_run() -> int:
            deadline = time.perf_counter() + CROSS_DEADLINE_SECONDS
            for bench, _payee, _share, batches in work:
                for batch in batches:
                    bench.submit(batch)
            for bench, payee, share, _batches in work:
                bench.wait_settled(payee, share * CROSS_AMOUNT_MINUTES, deadline)
            return count

        return timed_run

    return prepare


def cross_node_latencies(bench: CrossNodeBench, count: int) -> list[float]:
    """`count` transfers one at a time, each timed in ms from its submit until committed at ORIGIN."""
    items = bench.transfers(bench.new_payee(), count)
    latencies = []
    deadline = time.perf_counter() + CROSS_DEADLINE_SECONDS
    for item in items:
        started = time.perf_counter()
        bench.submit([item])
        bench.wait_committed_at_origin(item.id, deadline)
        latencies.append((time.perf_counter() - started) * 1_000)
    bench.to_verify.append(items[-1].id)
    return latencies


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with at least fraction of them at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure_cross_node(bench: CrossNodeBench, sizes: Sizes) -> tuple[Figure, ...]:
    repetitions = sizes.cross_node_repetitions
    throughput = measure(
        "cross_node_transfers_per_second",
        f"cross-node transfers settled at both nodes (batches of {CROSS_BATCH_SIZE:,})",
        cross_node_throughput(bench, sizes.cross_node_transfers),
        repetitions,
        warm_up=cross_node_throughput(bench, WARM_UP_CROSS_TRANSFERS),
    )
    started = time.perf_counter()
    cross_node_latencies(bench, WARM_UP_LATENCY_TRANSFERS)
    runs = [cross_node_latencies(bench, sizes.cross_node_latency_transfers) for _ in range(repetitions)]
    p50, p99 = (
        Figure(
            f"cross_node_latency_p{number}_ms",
            f"cross-node latency to commit at origin, p{number}",
            tuple(percentile(run, number / 100) for run in runs),
            MILLISECONDS,
        )
        for number in (50, 99)
    )
    elapsed_seconds = time.perf_counter() - started
    _progress(p50, elapsed_seconds)
    _progress(p99, elapsed_seconds)
    bench.verify_committed()
    return throughput, p50, p99


def measure_city(directory: pathlib.Path, sizes: Sizes) -> tuple[Figure, ...]:
    """Starts the city once for all the cross-node figures; stops it whatever happens."""
    from city.bench import more as benchmore  # imported here: they build on this module's figures
    from city.bench import scale as benchscale

    started = time.perf_counter()
    try:
        city = start_city(directory, CITY)
    except processes.StartFailed as error:
        raise BenchFailed(f"the city did not start: {error}") from None
    try:
        print(f"bench: city of {len(CITY)} nodes started ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
        figures = measure_cross_node(CrossNodeBench(city), sizes)
        if len(CITY) in sizes.scaling_node_counts:
            figures += (benchscale.scaling_figure(city, sizes),)
        node_pids = [party.pid for party in city.nodes.values()]
        return figures + benchmore.peak_memory_figures(city.clearinghouse.pid, node_pids)  # read before it stops
    finally:
        city.stop()


def ratios_of(baselines: Sequence[Figure], system: Sequence[Figure], sizes: Sizes) -> tuple[Ratio, ...]:
    from city.bench import scale as benchscale  # imported here: benchscale builds on this module's figures

    by_key = {figure.key: figure for figure in (*baselines, *system)}
    commits = by_key["raw_single_row_commits_per_second"]
    batched_rows = by_key["raw_batched_rows_per_second"]
    round_trips = by_key["grpc_round_trips_per_second"]
    single = by_key["single_transfers_per_second"]
    batch_1000 = by_key["batch_1000_transfers_per_second"]
    batch_8000 = by_key["batch_8000_transfers_per_second"]
    grpc_batch_1000 = by_key["grpc_batch_1000_transfers_per_second"]
    cross_node = by_key["cross_node_transfers_per_second"]
    audit = by_key["audit_verified_entries_per_second"]
    return (
        Ratio(
            "log_appended_leaves_to_raw_batched_rows",
            "log leaves appended while growing / raw batched rows",
            by_key["log_appended_leaves_per_second"],
            batched_rows,
        ),
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
        Ratio(
            "cross_node_transfers_to_raw_single_row_commits",
            "cross-node transfers / raw single-row commits",
            cross_node,
            commits,
        ),
        Ratio(
            "cross_node_transfers_to_grpc_round_trips",
            "cross-node transfers / gRPC round trips",
            cross_node,
            round_trips,
        ),
        Ratio(
            "audit_verified_entries_to_sha256_hashes",
            "audit verify entries / SHA-256 hashes",
            audit,
            by_key["sha256_hashes_per_second"],
        ),
        Ratio(
            "audit_verified_entries_to_ed25519_verifications",
            "audit verify entries / Ed25519 verifications",
            audit,
            by_key["ed25519_verifications_per_second"],
        ),
        *benchscale.scaling_ratios(system, sizes),
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
        node_tables.metadata.drop_all(engine)
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
    from city.bench import more as benchmore  # imported here: they build on this module's figures
    from city.bench import scale as benchscale

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
        baselines += (benchmore.measure_streaming(sizes),)
        system = measure_system(config, clock, sizes)
        system += measure_city(pathlib.Path(directory) / "city", sizes)
        system += benchscale.measure_scaling(pathlib.Path(directory), sizes)
        system += benchscale.measure_reconciliation(pathlib.Path(directory), sizes)
        system += (measure_audit(pathlib.Path(directory), sizes),)
        system += benchmore.measure_log_growth(pathlib.Path(directory), sizes)
        machine = describe_machine(backend, config.database_url)
    parameters = {
        "backend": backend,
        "warm_up_runs": 1,
        "timer": "time.perf_counter",
        **asdict(sizes),
        "cross_node_city": f"{len(CITY)} nodes and a clearinghouse as processes, mutual TLS, SQLite",
        "cross_node_batch_size": CROSS_BATCH_SIZE,
        "cross_node_amount_minutes": CROSS_AMOUNT_MINUTES,
        "cross_node_warm_up_transfers": WARM_UP_CROSS_TRANSFERS,
        "cross_node_warm_up_latency_transfers": WARM_UP_LATENCY_TRANSFERS,
        "cross_node_latency_poll_seconds": LATENCY_POLL_SECONDS,
        "cross_node_settle_poll_seconds": SETTLE_POLL_SECONDS,
        "cross_node_deadline_seconds": CROSS_DEADLINE_SECONDS,
        "percentile": "nearest rank",
        **benchmore.parameters(),
        **benchscale.parameters(sizes),
    }
    return Report(machine, baselines, system, ratios_of(baselines, system, sizes), parameters)


# -- the report ----------------------------------------------------------------------------


def _format_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def _format_value(figure: Figure) -> str:
    if figure.unit != PER_SECOND:
        return f"{figure.median:,.1f} {figure.unit}"
    return f"{_format_rate(figure.median)}/s"


def render_table(report: Report) -> str:
    parameters = report.parameters
    header = (
        f"timebank bench, {parameters['backend']}: median of {parameters['repetitions']} runs "
        f"({parameters['cross_node_repetitions']} for the city) after one warm-up"
    )
    lines = [header, "", f"{'':<9} {'figure':<62} {'median':>10} {'unit':<5} runs"]
    for group, figures in (("baseline", report.baselines), ("system", report.system)):
        for figure in figures:
            if figure.unit != PER_SECOND:
                median, unit = f"{figure.median:,.1f}", figure.unit
                runs = "  ".join(f"{run:,.1f}" for run in figure.runs)
            else:
                median, unit = _format_rate(figure.median), "/s"
                runs = "  ".join(_format_rate(run) for run in figure.runs)
            lines.append(f"{group:<9} {figure.label:<62} {median:>10} {unit:<5} {runs}")
    for ratio in report.ratios:
        lines.append(f"{'ratio':<9} {ratio.label:<62} {ratio.median:>10.4f}")
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
    parser.add_argument("--quick", action="store_true", help="small counts (about 40 s)")
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite", help="default sqlite")
    parser.add_argument(
        "--database-url",
        help="with --backend postgresql: a postgresql+psycopg:// "
        "URL to an existing empty database; its tables are dropped at the end",
    )
    parser.add_argument(
        "--repetitions",
        type=_positive_integer,
        help=f"timed runs per figure (default {FULL.repetitions}, --quick {QUICK.repetitions}; "
        f"the city's figures {FULL.cross_node_repetitions})",
    )
    parser.add_argument("--out", type=pathlib.Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--plot", type=pathlib.Path, metavar="DIR", help="also write PNG charts to this folder (needs matplotlib)"
    )
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
    from city.bench import more as benchmore  # imported here: benchmore builds on this module's figures

    database_url = _database_url(arguments)
    if arguments.plot is not None and not benchmore.plotting_available():
        print(f"error: {benchmore.PLOT_MISSING}", file=sys.stderr)
        return 2
    sizes = QUICK if arguments.quick else FULL
    if arguments.repetitions is not None:
        sizes = replace(
            sizes,
            repetitions=arguments.repetitions,
            cross_node_repetitions=arguments.repetitions,
            audit_repetitions=arguments.repetitions,
            reconciliation_repetitions=arguments.repetitions,
        )
    try:
        report = collect(sizes, arguments.backend, database_url, SystemClock())
    except BenchFailed as failure:
        print(f"error: the benchmark failed: {failure}", file=sys.stderr)
        return 1
    print(render_table(report))
    if arguments.out is not None:
        write_json(arguments.out, report)
    if arguments.plot is not None:
        for path in benchmore.write_plots(report, arguments.plot):
            print(f"bench: chart written to {path}", file=sys.stderr)
    return 0
