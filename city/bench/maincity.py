"""The main city of `timebank bench`: started once for every figure that needs a running city.

Owns the city of len(CITY) nodes (a clearinghouse and three nodes as separate processes,
mutual TLS, SQLite in the bench's temporary folder or a PostgreSQL database each): it is
started, measured by city.bench.crossnode (throughput, CPU per transfer and latency), by
city.bench.scaling when its node count is one of Sizes.scaling_node_counts and it runs on
SQLite, and by city.bench.memory just before it stops, and it is stopped whatever happens.
"""

from __future__ import annotations

import pathlib
import sys
import time

from city import processes
from city.bench import memory, scaling
from city.bench.crossnode import CrossNodeBench, measure_cross_node
from city.bench.measure import BenchFailed, Figure, Sizes
from city.running import CITY, start_city

__all__ = ["measure_city"]


def measure_city(
    directory: pathlib.Path, sizes: Sizes, database_urls: dict[str, str] | None = None
) -> tuple[Figure, ...]:
    """Starts the city once for all the cross-node figures (its parties' databases are SQLite
    files unless database_urls gives each one's); stops it whatever happens."""
    started = time.perf_counter()
    try:
        city = start_city(directory, CITY, database_urls=database_urls)
    except processes.StartFailed as error:
        raise BenchFailed(f"the city did not start: {error}") from None
    try:
        print(f"bench: city of {len(CITY)} nodes started ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
        figures = measure_cross_node(CrossNodeBench(city), sizes)
        if len(CITY) in sizes.scaling_node_counts and database_urls is None:  # the rings are all SQLite
            figures += scaling.scaling_figures(city, sizes)
        node_pids = [party.pid for party in city.nodes.values()]
        return figures + memory.peak_memory_figures(city.clearinghouse.pid, node_pids)  # read before it stops
    finally:
        city.stop()
