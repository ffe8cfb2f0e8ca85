"""The scaling figures of `timebank bench`: cross-node throughput in cities of more nodes.

Owns cross-node transfers settled per second in cities of each of Sizes.scaling_node_counts
nodes (a clearinghouse and the nodes as processes, mutual TLS, SQLite). Every node sends to
the next one round the ring, the run's Sizes.scaling_transfers shared out evenly over the
senders, all submitted before any is waited for
(city.bench.crossnode.spread_cross_node_throughput). The city of len(CITY) nodes is the
bench's main city (city.bench.maincity measures it there); the others are started here, one
at a time, and always stopped. The ratio divides the figure at the most nodes by the figure
at the fewest.
"""

from __future__ import annotations

import pathlib
import shutil
import sys
import time
from collections.abc import Sequence

from city import processes
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
    "scaling_figure",
    "scaling_key",
    "scaling_ratios",
    "WARM_UP_TRANSFERS_PER_SENDER",
]

WARM_UP_TRANSFERS_PER_SENDER = 5


def scaling_key(node_count: int) -> str:
    return f"cross_node_transfers_per_second_at_{node_count}_nodes"


def ring_benches(city: RunningCity) -> list[CrossNodeBench]:
    """One bench per node, each paying the next node round the ring, each with its own ids."""
    node_ids = list(city.nodes)
    return [
        CrossNodeBench(city, origin, node_ids[(number + 1) % len(node_ids)], id_block=number + 1)
        for number, origin in enumerate(node_ids)
    ]


def scaling_figure(city: RunningCity, sizes: Sizes) -> Figure:
    """The ring's throughput in a running city (a warm-up of a few transfers per sender first)."""
    benches = ring_benches(city)
    node_count = len(benches)
    figure = measure(
        scaling_key(node_count),
        f"cross-node transfers settled, {node_count} nodes in a ring",
        spread_cross_node_throughput(benches, sizes.scaling_transfers),
        sizes.cross_node_repetitions,
        warm_up=spread_cross_node_throughput(benches, WARM_UP_TRANSFERS_PER_SENDER * node_count),
    )
    for bench in benches:
        bench.verify_committed()
    return figure


def measure_scaling(directory: pathlib.Path, sizes: Sizes) -> tuple[Figure, ...]:
    """A city of each node count but the main city's, started, measured and stopped in turn."""
    figures = []
    for node_count in sizes.scaling_node_counts:
        if node_count == len(CITY):
            continue  # measured in the main city (city.bench.maincity)
        city_directory = directory / f"city-{node_count}"
        started = time.perf_counter()
        try:
            city = start_city(city_directory, default_plan(node_count, 0))
        except processes.StartFailed as error:
            raise BenchFailed(f"the city of {node_count} nodes did not start: {error}") from None
        try:
            elapsed_seconds = time.perf_counter() - started
            print(f"bench: city of {node_count} nodes started ({elapsed_seconds:.1f} s)", file=sys.stderr)
            figures.append(scaling_figure(city, sizes))
        finally:
            city.stop()
        shutil.rmtree(city_directory, ignore_errors=True)
    return tuple(figures)


def scaling_ratios(system: Sequence[Figure], sizes: Sizes) -> tuple[Ratio, ...]:
    by_key = {figure.key: figure for figure in system}
    fewest, most = min(sizes.scaling_node_counts), max(sizes.scaling_node_counts)
    if fewest == most:
        return ()
    return (
        Ratio(
            f"scaling_{most}_to_{fewest}_nodes",
            f"cross-node transfers, {most} nodes / {fewest} nodes",
            by_key[scaling_key(most)],
            by_key[scaling_key(fewest)],
        ),
    )


def parameters(sizes: Sizes) -> dict[str, object]:
    """This module's fixed settings, for the report's parameters."""
    return {
        "scaling_city": (
            f"a ring: each node pays the next; {min(sizes.scaling_node_counts)} nodes in the main city, "
            "the others each in a city of their own (default_plan), SQLite"
        ),
        "scaling_batch_size": CROSS_BATCH_SIZE,
        "scaling_amount_minutes": CROSS_AMOUNT_MINUTES,
        "scaling_warm_up_transfers_per_sender": WARM_UP_TRANSFERS_PER_SENDER,
    }
