"""More figures of `timebank bench`: the transparency log as it grows, gRPC streaming, peak memory.

Owns three measurements and their sizes' use:
  the log as it grows   a scratch SQLite database with one party's log, grown by
                        translog.append in transactions of LOG_BATCH_LEAVES SentItem leaves
                        (about LOG_BODY_BYTES each) up to each of Sizes.log_sizes; the growth
                        rate (leaves/s, each run a consecutive slice of the growth batches),
                        and at each size the latency in microseconds of a single-leaf append
                        transaction, of an inclusion proof and of a consistency proof
                        (random indexes, random.Random(LOG_SEED); each run the median of
                        Sizes.log_samples calls after LOG_WARM_UP_SAMPLES untimed ones)
  gRPC streaming        messages of STREAM_MESSAGE_BYTES received by one client from a
                        server-streaming method over loopback (raw bytes, no protobuf)
  peak memory           VmHWM of each city process read from /proc just before it stops
and the optional charts of --plot (matplotlib, the `plot` extra).
"""

from __future__ import annotations

import importlib.util
import pathlib
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import grpc
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine

from city.bench.runner import (
    LOOPBACK,
    MILLISECONDS,
    PER_SECOND,
    BenchFailed,
    Figure,
    Report,
    Sizes,
    TimedRun,
    Workload,
    _progress,
    measure,
    serving_on_loopback,
)
from nodes.tables import SCHEMA as NODE_SCHEMA
from timebank import keys, translog
from timebank.signing import KeyRecord
from timebank.storage.engine import create_database_engine
from timebank.storage.migrate import upgrade
from timebank.v1 import log_pb2 as lpb

MICROSECONDS, MEGABYTES = "us", "MB"
LOG_ID = "bench"
LOG_BATCH_LEAVES = 1_000
LOG_BODY_BYTES = 150  # the serialised SentItem body of each grown leaf, about
LOG_SEED = 7
LOG_WARM_UP_SAMPLES = 20
LOG_START_MICROS = 1_780_000_000_000_000
STREAM_MESSAGE_BYTES = 200
STREAM_WORKERS = 2
STREAM_DEADLINE_SECONDS = 60.0
STREAM_SERVICE, STREAM_METHOD = "city.bench.runner.Stream", "Messages"
PROC_STATUS = pathlib.Path("/proc/self/status")
PLOT_MISSING = "--plot needs matplotlib: pip install 'timebank[plot]'"
PLOT_DOTS_PER_INCH = 120
LOG_FIGURE_PREFIXES = {"append": "log_append_us_at_", "inclusion proof": "log_inclusion_proof_us_at_"}
LOG_FIGURE_PREFIXES["consistency proof"] = "log_consistency_proof_us_at_"
KIBIBYTES_PER_MEGABYTE = 1_024


# -- the transparency log as it grows ----------------------------------------------------------


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
    _progress(figure, time.perf_counter() - started)
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
        _progress(rate, time.perf_counter() - started)
    finally:
        engine.dispose()
    (directory / "log.db").unlink(missing_ok=True)
    return (rate, *figures)


# -- gRPC streaming ------------------------------------------------------------------------------


def _identity(data: bytes) -> bytes:
    return data


@contextmanager
def stream_server() -> Iterator[int]:
    """A loopback server with one server-streaming method: a request of N (8 bytes) gets N messages."""
    message = bytes(range(STREAM_MESSAGE_BYTES))

    def messages(request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        for _ in range(int.from_bytes(request, "big")):
            yield message

    handler = grpc.method_handlers_generic_handler(
        STREAM_SERVICE,
        {
            STREAM_METHOD: grpc.unary_stream_rpc_method_handler(
                messages, request_deserializer=_identity, response_serializer=_identity
            )
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=STREAM_WORKERS))
    server.add_generic_rpc_handlers((handler,))
    with serving_on_loopback(server) as port:
        yield port


def streamed_messages(channel: grpc.Channel, count: int) -> Workload:
    method = channel.unary_stream(
        f"/{STREAM_SERVICE}/{STREAM_METHOD}", request_serializer=_identity, response_deserializer=_identity
    )

    def prepare() -> TimedRun:
        request = count.to_bytes(8, "big")

        def timed_run() -> int:
            received = sum(1 for _ in method(request, timeout=STREAM_DEADLINE_SECONDS))
            if received != count:
                raise BenchFailed(f"the stream sent {received} messages, want {count}")
            return count

        return timed_run

    return prepare


def measure_streaming(sizes: Sizes) -> Figure:
    with stream_server() as port, grpc.insecure_channel(f"{LOOPBACK}:{port}") as channel:
        return measure(
            "grpc_streamed_messages_per_second",
            f"gRPC server-streamed messages ({STREAM_MESSAGE_BYTES} bytes)",
            streamed_messages(channel, sizes.grpc_streamed_messages),
            sizes.repetitions,
        )


# -- peak memory of the city's processes ---------------------------------------------------------


def proc_available() -> bool:
    return PROC_STATUS.exists()


def peak_memory_megabytes(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) in MB; None without /proc or once it has gone."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / KIBIBYTES_PER_MEGABYTE
    return None


def peak_memory_figures(clearinghouse_pid: int, node_pids: Sequence[int]) -> tuple[Figure, ...]:
    """The clearinghouse's peak and the largest node's; nothing if any of them cannot be read."""
    clearinghouse = peak_memory_megabytes(clearinghouse_pid)
    nodes = [peak_memory_megabytes(pid) for pid in node_pids]
    if clearinghouse is None or not nodes or any(peak is None for peak in nodes):
        return ()
    node_max = max(peak for peak in nodes if peak is not None)
    figures = (
        Figure("peak_memory_mb_clearinghouse", "peak memory (VmHWM) of the clearinghouse", (clearinghouse,), MEGABYTES),
        Figure("peak_memory_mb_node_max", "peak memory (VmHWM) of the largest node", (node_max,), MEGABYTES),
    )
    for figure in figures:
        _progress(figure, 0.0)
    return figures


def parameters() -> dict[str, object]:
    """This module's fixed settings, for the report's parameters."""
    return {
        "log_backend": "sqlite (a scratch database of its own)",
        "log_batch_leaves": LOG_BATCH_LEAVES,
        "log_body_bytes": LOG_BODY_BYTES,
        "log_seed": LOG_SEED,
        "log_warm_up_samples": LOG_WARM_UP_SAMPLES,
        "log_growth_runs": "consecutive slices of the growth batches, one per repetition (the log grows once)",
        "grpc_streamed_message_bytes": STREAM_MESSAGE_BYTES,
        "peak_memory": (
            "VmHWM from /proc/PID/status of each city process just before the city stops"
            if proc_available()
            else "omitted: this machine has no /proc"
        ),
    }


# -- charts (--plot) -----------------------------------------------------------------------------


def plotting_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def write_plots(report: Report, directory: pathlib.Path) -> list[pathlib.Path]:
    """Writes the report's charts as PNG files in directory; returns their paths."""
    import matplotlib  # the optional `plot` extra: imported only when charts are asked for

    matplotlib.use("Agg")
    from matplotlib import pyplot

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (
        ("throughput.png", _draw_throughput),
        ("latency.png", _draw_latency),
        ("log.png", _draw_log),
    ):
        figure, axes = pyplot.subplots(figsize=(10, 6))
        if draw(report, axes):
            figure.tight_layout()
            figure.savefig(directory / name, dpi=PLOT_DOTS_PER_INCH)
            written.append(directory / name)
        pyplot.close(figure)
    return written


def _draw_throughput(report: Report, axes: Any) -> bool:
    """Each ratio of rates as a pair of bars, the system figure above the baseline that bounds it."""
    pairs = [ratio for ratio in report.ratios if ratio.numerator.unit == ratio.denominator.unit == PER_SECOND]
    labels, values, colours = [], [], []
    for ratio in pairs:
        for figure, colour in ((ratio.numerator, "tab:blue"), (ratio.denominator, "tab:grey")):
            labels.append(figure.label)
            values.append(figure.median)
            colours.append(colour)
    if not values:
        return False
    positions = list(range(len(values)))[::-1]
    axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, labels, fontsize=7)
    axes.set_xscale("log")
    axes.set_xlabel("per second (median, log scale); grey: the baseline bounding the bar above it")
    axes.set_title("timebank bench: throughput beside its baselines")
    return True


def _draw_latency(report: Report, axes: Any) -> bool:
    figures = [figure for figure in report.system if figure.unit == MILLISECONDS]
    if not figures:
        return False
    positions = range(len(figures))
    axes.bar(positions, [figure.median for figure in figures], color="tab:blue")
    for position, figure in zip(positions, figures, strict=True):
        axes.plot([position] * len(figure.runs), figure.runs, "k.", markersize=4)
    axes.set_xticks(list(positions), [figure.label for figure in figures], fontsize=8)
    axes.set_ylabel("ms (bar: median of runs; dots: each run)")
    axes.set_title("timebank bench: cross-node latency percentiles")
    return True


def _draw_log(report: Report, axes: Any) -> bool:
    by_key = {figure.key: figure for figure in report.system}
    drawn = False
    for operation, prefix in LOG_FIGURE_PREFIXES.items():
        points = sorted(
            (int(key.removeprefix(prefix)), figure.median) for key, figure in by_key.items() if key.startswith(prefix)
        )
        if points:
            axes.plot([size for size, _ in points], [value for _, value in points], "o-", label=operation)
            drawn = True
    if drawn:
        axes.set_xscale("log")
        axes.set_xlabel("log size (leaves, log scale)")
        axes.set_ylabel("median microseconds")
        axes.set_title("timebank bench: transparency log latency as it grows")
        axes.legend()
    return drawn
