"""The transparency log's figures of `timebank bench`: its growth rate and latencies as it grows.

Owns a scratch SQLite database with one party's log, grown by translog.append in
transactions of LOG_BATCH_LEAVES SentItem leaves (about LOG_BODY_BYTES each) up to each of
Sizes.log_sizes; the growth rate (leaves/s, each run a consecutive slice of the growth
batches), and at each size the latency in microseconds of a single-leaf append
transaction, of an inclusion proof and of a consistency proof (random indexes,
random.Random(LOG_SEED); each run the median of Sizes.log_samples calls after
LOG_WARM_UP_SAMPLES untimed ones). The figures' keys start with LOG_FIGURE_PREFIXES.
"""

from __future__ import annotations

import pathlib
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine

from city.bench.measure import MICROSECONDS, Figure, Sizes, progress
from nodes.tables import SCHEMA as NODE_SCHEMA
from timebank import keys, translog
from timebank.signing import KeyRecord
from timebank.storage.engine import create_database_engine
from timebank.storage.migrate import upgrade
from timebank.v1 import log_pb2 as lpb

__all__ = [
    "LOG_BATCH_LEAVES",
    "LOG_BODY_BYTES",
    "LOG_FIGURE_PREFIXES",
    "LOG_ID",
    "LOG_SEED",
    "LOG_START_MICROS",
    "LOG_WARM_UP_SAMPLES",
    "LogGrowth",
    "measure_log_growth",
    "parameters",
]

LOG_ID = "bench"
LOG_BATCH_LEAVES = 1_000
LOG_BODY_BYTES = 150  # the serialised SentItem body of each grown leaf, about
LOG_SEED = 7
LOG_WARM_UP_SAMPLES = 20
LOG_START_MICROS = 1_780_000_000_000_000
LOG_FIGURE_PREFIXES = {"append": "log_append_us_at_", "inclusion proof": "log_inclusion_proof_us_at_"}
LOG_FIGURE_PREFIXES["consistency proof"] = "log_consistency_proof_us_at_"


def _log_body(number: int) -> tuple[str, lpb.SentItem]:
    item = number.to_bytes(8, "big") * ((LOG_BODY_BYTES - 10) // 8)
    return "sent_item", lpb.SentItem(recipient_id="shiqi", item=item)


def _owner_key() -> KeyRecord:
    public = keys.public_bytes(Ed25519PrivateKey.from_private_bytes(bytes([7]) * 32).public_key())
    return KeyRecord(keys.key_id_of_raw(public), LOG_ID, public, 0)


@dataclass
class LogGrowth:
    """The scratch log, the leaves appended so far, and each growth batch's leaves and seconds."""

    engine: Engine
    leaves_appended: int = 0
    batch_leaves: list[int] = field(default_factory=list)
    batch_seconds: list[float] = field(default_factory=list)

    def grow_to(self, size_wanted: int) -> None:
        with self.engine.connect() as connection:
            size = translog.size(connection)
        while size < size_wanted:
            count = min(LOG_BATCH_LEAVES, size_wanted - size)
            bodies = [_log_body(self.leaves_appended + offset) for offset in range(count)]
            started = time.perf_counter()
            with self.engine.begin() as connection:
                translog.append(connection, bodies, LOG_START_MICROS)
            self.batch_seconds.append(time.perf_counter() - started)
            self.batch_leaves.append(count)
            self.leaves_appended += count
            size += count


def _sampled_micros(call: Callable[[], object], samples: int) -> float:
    for _ in range(LOG_WARM_UP_SAMPLES):
        call()
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1_000_000)
    return statistics.median(timings)


def _proof_runs(
    connection: Connection,
    proof: Callable[[Connection, int, int], object],
    size: int,
    sizes: Sizes,
    chooser: random.Random,
) -> tuple[float, ...]:
    def one() -> object:
        return proof(connection, chooser.randrange(size), size)

    return tuple(_sampled_micros(one, sizes.log_samples) for _ in range(sizes.repetitions))


def _append_runs(growth: LogGrowth, sizes: Sizes) -> tuple[float, ...]:
    def one() -> None:
        with growth.engine.begin() as connection:
            translog.append(connection, [_log_body(growth.leaves_appended)], LOG_START_MICROS)
        growth.leaves_appended += 1

    return tuple(_sampled_micros(one, sizes.log_samples) for _ in range(sizes.repetitions))


def _slice_rates(batch_seconds: Sequence[float], batch_leaves: Sequence[int], slices: int) -> tuple[float, ...]:
    """Leaves per second of `slices` consecutive, near-equal slices of the growth batches."""
    count = len(batch_seconds)
    bounds = [round(number * count / slices) for number in range(slices + 1)]
    return tuple(
        sum(batch_leaves[start:end]) / sum(batch_seconds[start:end])
        for start, end in zip(bounds, bounds[1:], strict=False)
        if end > start
    )


def _timed_figure(key: str, label: str, runs: Callable[[], tuple[float, ...]]) -> Figure:
    """A figure in microseconds from runs(), with its progress line."""
    started = time.perf_counter()
    figure = Figure(key, label, runs(), MICROSECONDS)
    progress(figure, time.perf_counter() - started)
    return figure


def measure_log_growth(directory: pathlib.Path, sizes: Sizes) -> tuple[Figure, ...]:
    """Grows a scratch log to each of sizes.log_sizes; the growth rate, then latencies at each size."""
    started = time.perf_counter()
    engine = create_database_engine(f"sqlite:///{directory / 'log.db'}")
    try:
        upgrade(engine, NODE_SCHEMA)
        with engine.begin() as connection:
            translog.start(connection, LOG_ID, [_owner_key()], LOG_START_MICROS, "key-known")
        growth = LogGrowth(engine)
        chooser = random.Random(LOG_SEED)
        figures: list[Figure] = []
        for size in sizes.log_sizes:
            growth.grow_to(size)
            print(
                f"bench: log grown to {size:,} leaves ({time.perf_counter() - started:.1f} s so far)",
                file=sys.stderr,
                flush=True,
            )
            with engine.connect() as connection:
                figures.append(
                    _timed_figure(
                        f"log_inclusion_proof_us_at_{size}",
                        f"log inclusion proof at {size:,}",
                        partial(_proof_runs, connection, translog.inclusion_proof, size, sizes, chooser),
                    )
                )
                figures.append(
                    _timed_figure(
                        f"log_consistency_proof_us_at_{size}",
                        f"log consistency proof at {size:,}",
                        partial(_proof_runs, connection, translog.consistency_proof, size, sizes, chooser),
                    )
                )
            figures.append(
                _timed_figure(
                    f"log_append_us_at_{size}",
                    f"log append of one leaf, one transaction, at {size:,}",
                    partial(_append_runs, growth, sizes),
                )
            )
        rate = Figure(
            "log_appended_leaves_per_second",
            f"log leaves appended while growing ({LOG_BATCH_LEAVES:,} a transaction)",
            _slice_rates(growth.batch_seconds, growth.batch_leaves, sizes.repetitions),
        )
        progress(rate, time.perf_counter() - started)
    finally:
        engine.dispose()
    (directory / "log.db").unlink(missing_ok=True)
    return (rate, *figures)


def parameters() -> dict[str, object]:
    """This module's fixed settings, for the report's parameters."""
    return {
        "log_backend": "sqlite (a scratch database of its own)",
        "log_batch_leaves": LOG_BATCH_LEAVES,
        "log_body_bytes": LOG_BODY_BYTES,
        "log_seed": LOG_SEED,
        "log_warm_up_samples": LOG_WARM_UP_SAMPLES,
        "log_growth_runs": "consecutive slices of the growth batches, one per repetition (the log grows once)",
    }
