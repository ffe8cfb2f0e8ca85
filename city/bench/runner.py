"""`timebank bench`: the books' throughput beside this machine's own baselines.

Owns the benchmark command and nothing it measures: the arguments of `timebank bench`, the
scratch node and database it creates and removes, `collect` (every figure module in turn,
in the order of the report), the ratios, and the report (a progress line per figure on
stderr, printed by each measurement; a table on stdout; a JSON document with --out; PNG
charts with --plot, city.bench.plots).

The figures, each owned by its module:
  city.bench.baselines        raw single-row commits and batched rows, gRPC round trips and
                              streamed messages, Ed25519 signatures and verifications, SHA-256
  city.bench.local            Books.submit one transfer per call and in batches of 1,000 and
                              8,000; SubmitTransfers batches of 1,000 through a real node server
  city.bench.maincity         the whole city (a clearinghouse and three nodes as separate
                              processes, mutual TLS, SQLite), started once, measured by
                              city.bench.crossnode (cross-node throughput, CPU per transfer
                              and latency),
                              city.bench.scaling (at its size) and city.bench.memory
  city.bench.scaling          cities of more nodes, in a ring
  city.bench.reconciliation   the report of one very large closed cycle
  city.bench.audit            `audit verify` of a synthetic clearinghouse log
  city.bench.loggrowth        the transparency log's growth rate and latencies as it grows
  city.bench.console          the office console's page time (p50, p95) over a node of many
                              people and orders
Each ratio divides a system figure by the figure that bounds it.

Every figure is the median of N timed runs after one untimed warm-up run (city.bench.measure).
The SQLite database, the node and the city live in a temporary folder; a PostgreSQL
database must be empty, and its tables are dropped at the end. With PostgreSQL the main
city's parties get a database each on the same server (created and dropped here); the
cities of the scaling figures always use SQLite (30 nodes' connection pools would pass a
default server's max_connections).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import sqlite3
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from city.bench import (
    audit,
    console,
    cpu,
    crossnode,
    local,
    loggrowth,
    maincity,
    memory,
    plots,
    reconciliation,
    scaling,
)
from city.bench.baselines import RAW_METADATA, STREAM_MESSAGE_BYTES, measure_baselines, measure_streaming
from city.bench.measure import (
    FULL,
    HOLDER_PREFIX,
    LOOPBACK,
    PER_SECOND,
    QUICK,
    BenchFailed,
    Figure,
    Ratio,
    Report,
    Sizes,
    format_rate,
)
from city.running import CITY, party_databases
from nodes import tables as node_tables
from nodes.init import init_node
from timebank.clock import Clock, SystemClock
from timebank.errors import ConfigError
from timebank.storage.engine import backend_name, create_database_engine, normalise_url

__all__ = [
    "BACKENDS",
    "city_databases",
    "collect",
    "describe_machine",
    "drop_benchmark_tables",
    "ratios_of",
    "register",
    "render_table",
    "run_bench",
    "scratch_postgresql",
    "write_json",
]

BACKENDS = ("sqlite", "postgresql")


def ratios_of(baselines: Sequence[Figure], system: Sequence[Figure], sizes: Sizes) -> tuple[Ratio, ...]:
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
        *scaling.scaling_ratios(system, sizes),
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


@contextmanager
def city_databases(database_url: str | None) -> Iterator[dict[str, str] | None]:
    """For PostgreSQL: a new database per party of the main city on the same server, named
    after the given database (DATABASE_city_PARTY; the role needs CREATEDB; any left by a
    killed run are dropped first), dropped at the end; for SQLite: None (the city's files)."""
    if database_url is None:
        yield None
        return
    url = normalise_url(database_url)
    with party_databases(url, f"{make_url(url).database}_city", replace=True) as urls:  # a killed run's are dropped
        yield urls


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
        baselines += (measure_streaming(sizes),)
        system = local.measure_system(config, clock, sizes)
        with city_databases(database_url) as city_urls:
            system += maincity.measure_city(pathlib.Path(directory) / "city", sizes, city_urls)
        system += scaling.measure_scaling(pathlib.Path(directory), sizes, main_city_measured=database_url is None)
        system += reconciliation.measure_reconciliation(pathlib.Path(directory), sizes)
        system += (audit.measure_audit(pathlib.Path(directory), sizes),)
        system += loggrowth.measure_log_growth(pathlib.Path(directory), sizes)
        system += console.measure_console(pathlib.Path(directory), sizes)
        machine = describe_machine(backend, config.database_url)
    parameters = {
        "backend": backend,
        "warm_up_runs": 1,
        "timer": "time.perf_counter",
        **asdict(sizes),
        "cross_node_city": (
            f"{len(CITY)} nodes and a clearinghouse as processes, mutual TLS, "
            + ("a PostgreSQL database each" if database_url else "SQLite")
        ),
        "cross_node_batch_size": crossnode.CROSS_BATCH_SIZE,
        "cross_node_amount_minutes": crossnode.CROSS_AMOUNT_MINUTES,
        "cross_node_warm_up_transfers": crossnode.WARM_UP_CROSS_TRANSFERS,
        "cross_node_warm_up_latency_transfers": crossnode.WARM_UP_LATENCY_TRANSFERS,
        "cross_node_latency_poll_seconds": crossnode.LATENCY_POLL_SECONDS,
        "cross_node_settle_poll_seconds": crossnode.SETTLE_POLL_SECONDS,
        "cross_node_deadline_seconds": crossnode.CROSS_DEADLINE_SECONDS,
        "percentile": "nearest rank",
        **loggrowth.parameters(),
        "grpc_streamed_message_bytes": STREAM_MESSAGE_BYTES,
        **memory.parameters(),
        **cpu.parameters(),
        **scaling.parameters(sizes),
        **reconciliation.parameters(),
        **console.parameters(sizes),
    }
    return Report(machine, baselines, system, ratios_of(baselines, system, sizes), parameters)


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
                median, unit = format_rate(figure.median), "/s"
                runs = "  ".join(format_rate(run) for run in figure.runs)
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
        "URL to an existing empty database; its tables are dropped at the end, and the city's "
        "parties get databases of their own beside it (DATABASE_city_PARTY: the role needs CREATEDB)",
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
    url: str | None = arguments.database_url
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
    if arguments.plot is not None and not plots.plotting_available():
        print(f"error: {plots.PLOT_MISSING}", file=sys.stderr)
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
        for path in plots.write_plots(report, arguments.plot):
            print(f"bench: chart written to {path}", file=sys.stderr)
    return 0
