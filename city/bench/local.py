"""The single node's figures of `timebank bench`: local transfers and gRPC submits.

Owns the workload of one node's books: MEMBER accounts created once (Sizes.member_accounts),
then fresh single-phase transfers of one minute from issuance to the members, round robin
(TransferSource), submitted by Books.submit one per call and in batches of 1,000 and of
8,000 (with the CPU per transfer of this process, city.bench.cpu), and by SubmitTransfers in
batches of 1,000 through a real node server on loopback. Every item must come back OK.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from typing import Any

from city.bench.cpu import CpuMeter
from city.bench.measure import (
    DEADLINE_SECONDS,
    HOLDER_PREFIX,
    LARGE_BATCH_SIZE,
    LOOPBACK,
    MEMBER_ID_BASE,
    SERVER_STOP_GRACE_SECONDS,
    SMALL_BATCH_SIZE,
    BenchFailed,
    Figure,
    Sizes,
    TimedRun,
    Workload,
    measure,
)
from nodes.client import NodeClient
from nodes.config import NodeConfig
from nodes.door import administrator_credential
from nodes.server import create_server
from nodes.wire import transfer_to_message
from timebank.books import Books
from timebank.clock import Clock
from timebank.ledger.model import (
    SYSTEM_ACCOUNT_IDS,
    AccountKind,
    AccountSpec,
    Outcome,
    TransferKind,
    TransferRequest,
)
from timebank.storage.engine import create_database_engine

__all__ = [
    "books_batches",
    "create_members",
    "ISSUANCE_ID",
    "measure_books",
    "measure_node",
    "measure_system",
    "node_batches",
    "TRANSFER_ID_BASE",
    "TransferSource",
]

ISSUANCE_ID = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]
TRANSFER_ID_BASE = 0x7F << 112


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
    """Single transfers, then batches of 1,000 and of 8,000, each batch size with its CPU per transfer."""
    engine = create_database_engine(config.database_url, config.database.pool)
    books = Books(engine, clock, batch_size_max=config.ledger.batch_size_max)
    try:
        figures = [
            measure(
                "single_transfers_per_second",
                "local single transfers (Books.submit)",
                books_batches(books, source, 1, sizes.single_transfers),
                sizes.repetitions,
            )
        ]
        batch_counts = ((SMALL_BATCH_SIZE, sizes.batches_of_1000), (LARGE_BATCH_SIZE, sizes.batches_of_8000))
        for batch_size, batches in batch_counts:
            meter = CpuMeter({"bench": os.getpid()})  # Books.submit runs in this process
            figures.append(
                measure(
                    f"batch_{batch_size}_transfers_per_second",
                    f"local transfers in batches of {batch_size:,}",
                    books_batches(books, source, batch_size, batches),
                    sizes.repetitions,
                    observer=meter,
                )
            )
            label = f"CPU per local transfer in batches of {batch_size:,}"
            figures.extend(meter.figures(f"batch_{batch_size}_cpu_microseconds_per_transfer", label, per_process=False))
        return tuple(figures)
    finally:
        engine.dispose()


def measure_node(config: NodeConfig, clock: Clock, sizes: Sizes, source: TransferSource) -> Figure:
    running = create_server(config, clock)
    try:
        address = f"{LOOPBACK}:{running.port}"
        credential = administrator_credential(config)
        with NodeClient(address, deadline_seconds=DEADLINE_SECONDS, credential=credential) as client:
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
