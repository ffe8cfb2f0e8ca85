"""The values every figure of `timebank bench` is made of, and the one way a figure is timed.

Owns: the sizes (how many runs, and how much work in one timed run of each figure: every
loop is bounded by a count, and every wait also by a deadline), Figure, Ratio and Report
(a figure is one value per timed run, in its unit; its median is what is reported),
TimedRun and Workload (a run's inputs are built before its timer starts), `measure` (one
untimed warm-up run, then N timed runs, each one told to a RunObserver if given;
time.perf_counter is read here: this is a benchmark, not part of the ledger), the progress
line each figure prints on stderr, the units and their formatting, BenchFailed, and the
loopback server every gRPC figure uses.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

__all__ = [
    "BenchFailed",
    "DEADLINE_SECONDS",
    "Figure",
    "format_rate",
    "format_value",
    "FULL",
    "HOLDER_PREFIX",
    "KIBIBYTES_PER_MEGABYTE",
    "LARGE_BATCH_SIZE",
    "LOOPBACK",
    "measure",
    "MEGABYTES",
    "MEMBER_ID_BASE",
    "MICROSECONDS",
    "MILLISECONDS",
    "PER_SECOND",
    "progress",
    "QUICK",
    "Ratio",
    "RunObserver",
    "Report",
    "SECONDS",
    "SERVER_STOP_GRACE_SECONDS",
    "serving_on_loopback",
    "Sizes",
    "SMALL_BATCH_SIZE",
    "TimedRun",
    "Workload",
]

HOLDER_PREFIX = "bench"
LOOPBACK = "127.0.0.1"
MEMBER_ID_BASE = 0xBE4C << 112
SMALL_BATCH_SIZE = 1_000
LARGE_BATCH_SIZE = 8_000
DEADLINE_SECONDS = 30.0
SERVER_STOP_GRACE_SECONDS = 1.0
PER_SECOND, MILLISECONDS, MICROSECONDS, SECONDS, MEGABYTES = "per second", "ms", "us", "s", "MB"
KIBIBYTES_PER_MEGABYTE = 1_024


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
    scaling_node_counts: tuple[int, ...]  # a city of each size (len(CITY): the main city); city.bench.scaling
    scaling_transfers: int  # one scaling run, shared out over every node of the city
    reconciliation_transfers: int  # the committed transfers of the reconciled cycle
    reconciliation_nodes: int
    reconciliation_repetitions: int
    console_people: int  # the node's people and orders behind the console's pages; city.bench.console
    console_orders: int
    console_loads: int  # every main page loaded this many times in one run


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
    console_people=10_000,
    console_orders=50_000,
    console_loads=5,
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
    console_people=1_000,
    console_orders=5_000,
    console_loads=2,
)

TimedRun = Callable[[], int]  # does one run's timed work; returns the number of items done
Workload = Callable[[], TimedRun]  # builds one run's inputs (untimed) and its timed work


class RunObserver(Protocol):
    """Told just before and just after each timed run (never the warm-up): city.bench.cpu.CpuMeter."""

    def start(self) -> None: ...

    def stop(self, items: int) -> None: ...


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


def measure(
    key: str,
    label: str,
    workload: Workload,
    repetitions: int,
    warm_up: Workload | None = None,
    observer: RunObserver | None = None,
) -> Figure:
    """One warm-up run (of warm_up, if given), then `repetitions` timed runs, each one inside the
    observer's start and stop if given; prints a progress line."""
    started = time.perf_counter()
    _time_one_run(warm_up or workload, None)
    runs = tuple(_time_one_run(workload, observer) for _ in range(repetitions))
    figure = Figure(key, label, runs)
    progress(figure, time.perf_counter() - started)
    return figure


def progress(figure: Figure, elapsed_seconds: float) -> None:
    print(
        f"bench: {figure.label}: median {format_value(figure)} "
        f"({len(figure.runs)} runs + 1 warm-up, {elapsed_seconds:.1f} s)",
        file=sys.stderr,
        flush=True,
    )


def _time_one_run(workload: Workload, observer: RunObserver | None) -> float:
    timed_run = workload()
    if observer is not None:
        observer.start()
    started = time.perf_counter()
    count = timed_run()
    elapsed_seconds = time.perf_counter() - started
    if observer is not None:
        observer.stop(count)
    return count / elapsed_seconds


def format_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}"


def format_value(figure: Figure) -> str:
    if figure.unit != PER_SECOND:
        return f"{figure.median:,.1f} {figure.unit}"
    return f"{format_rate(figure.median)}/s"


@contextmanager
def serving_on_loopback(server: grpc.Server) -> Iterator[int]:
    """Starts a server on a free loopback port, yields the port, and stops it."""
    port = server.add_insecure_port(f"{LOOPBACK}:0")
    server.start()
    try:
        yield port
    finally:
        server.stop(SERVER_STOP_GRACE_SECONDS).wait()
