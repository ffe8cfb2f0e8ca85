"""The scaling figures of `timebank bench`: cross-node throughput in cities of more nodes.

Owns cross-node transfers settled per second, and the CPU of all the city's processes per
settled transfer with the cores' busy share (city.bench.cpu), in cities of each of
Sizes.scaling_node_counts nodes (a clearinghouse and the nodes as processes, mutual TLS, SQLite). Every node sends to
the next one round the ring, the run's Sizes.scaling_transfers shared out evenly over the
senders, all submitted before any is waited for
(city.bench.crossnode.spread_cross_node_throughput). The city of len(CITY) nodes is the
bench's main city (city.bench.maincity measures it there, unless the main city runs on
PostgreSQL: the rings are all SQLite, so that their ratios compare like with like); the
others are started here, one at a time, and always stopped. The ratios divide the figures at the most nodes by those at
the fewest: 31 processes on 2 cores cannot show their throughput, but they show their cost.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import time
from collections.abc import Sequence

from city import processes
from city.bench.cpu import city_meter
from city.bench.crossnode import (
    CROSS_AMOUNT_MINUTES,
    CROSS_BATCH_SIZE,
    CrossNodeBench,
    spread_cross_node_throughput,
)
from city.bench.measure import BenchFailed, Figure, Ratio, Sizes, measure
from city.init import default_plan
from city.running import CITY, RunningCity, start_city

__all__ = [
    "measure_scaling",
    "parameters",
    "ring_benches",
    "scaling_cpu_key",
    "scaling_figures",
    "scaling_key",
    "scaling_ratios",
    "WARM_UP_TRANSFERS_PER_SENDER",
]

WARM_UP_TRANSFERS_PER_SENDER = 5


def scaling_key(node_count: int) -> str:
    return f"cross_node_transfers_per_second_at_{node_count}_nodes"


def scaling_cpu_key(node_count: int) -> str:
    return f"cross_node_cpu_microseconds_per_transfer_at_{node_count}_nodes"


def ring_benches(city: RunningCity) -> list[CrossNodeBench]:
    """One bench per node, each paying the next node round the ring, each with its own ids."""
    node_ids = list(city.nodes)
    return [
        CrossNodeBench(city, origin, node_ids[(number + 1) % len(node_ids)], id_block=number + 1)
        for number, origin in enumerate(node_ids)
    ]


def scaling_figures(city: RunningCity, sizes: Sizes) -> tuple[Figure, ...]:
    """The ring's throughput in a running city (a warm-up of a few transfers per sender first),
    the CPU of all its processes per settled transfer, and the cores' busy share."""
    benches = ring_benches(city)
    node_count = len(benches)
    meter = city_meter(city)
    figure = measure(
        scaling_key(node_count),
        f"cross-node transfers settled, {node_count} nodes in a ring",
        spread_cross_node_throughput(benches, sizes.scaling_transfers),
        sizes.cross_node_repetitions,
        warm_up=spread_cross_node_throughput(benches, WARM_UP_TRANSFERS_PER_SENDER * node_count),
        observer=meter,
    )
    for bench in benches:
        bench.verify_committed()
    cpu = meter.figures(
        scaling_cpu_key(node_count),
        f"CPU per cross-node transfer, all parties, {node_count}-node ring",
        (f"cross_node_busy_cores_percent_at_{node_count}_nodes", f"cores busy (whole machine), {node_count}-node ring"),
        per_process=False,
    )
    return figure, *cpu


def measure_scaling(directory: pathlib.Path, sizes: Sizes, main_city_measured: bool = True) -> tuple[Figure, ...]:
    """A city of each node count, started, measured and stopped in turn; but the main city's
    size if main_city_measured (city.bench.maincity measured it there, on SQLite)."""
    figures: list[Figure] = []
    for node_count in sizes.scaling_node_counts:
        if node_count == len(CITY) and main_city_measured:
            continue
        city_directory = directory / f"city-{node_count}"
        started = time.perf_counter()
        try:
            city = start_city(city_directory, default_plan(node_count, 0))
        except processes.StartFailed as error:
            raise BenchFailed(f"the city of {node_count} nodes did not start: {error}") from None
        try:
            elapsed_seconds = time.perf_counter() - started
            print(f"bench: city of {node_count} nodes started ({elapsed_seconds:.1f} s)", file=sys.stderr)
            figures.extend(scaling_figures(city, sizes))
        finally:
            city.stop()
        shutil.rmtree(city_directory, ignore_errors=True)
    return tuple(figures)


def scaling_ratios(system: Sequence[Figure], sizes: Sizes) -> tuple[Ratio, ...]:
    by_key = {figure.key: figure for figure in system}
    fewest, most = min(sizes.scaling_node_counts), max(sizes.scaling_node_counts)
    if fewest == most:
        return ()
    ratios = [
        Ratio(
            f"scaling_{most}_to_{fewest}_nodes",
            f"cross-node transfers, {most} nodes / {fewest} nodes",
            by_key[scaling_key(most)],
            by_key[scaling_key(fewest)],
        )
    ]
    if scaling_cpu_key(most) in by_key and scaling_cpu_key(fewest) in by_key:  # omitted without /proc
        ratios.append(
            Ratio(
                f"scaling_cpu_{most}_to_{fewest}_nodes",
                f"CPU per cross-node transfer, {most} nodes / {fewest} nodes",
                by_key[scaling_cpu_key(most)],
                by_key[scaling_cpu_key(fewest)],
            )
        )
    return tuple(ratios)


def parameters(sizes: Sizes) -> dict[str, object]:
    """This module's fixed settings, for the report's parameters."""
    return {
        "scaling_city": (
            f"a ring: each node pays the next, SQLite; {len(CITY)} nodes in the main city when it runs on "
            "SQLite, the others each in a city of their own (default_plan)"
        ),
        "scaling_batch_size": CROSS_BATCH_SIZE,
        "scaling_amount_minutes": CROSS_AMOUNT_MINUTES,
        "scaling_warm_up_transfers_per_sender": WARM_UP_TRANSFERS_PER_SENDER,
    }
