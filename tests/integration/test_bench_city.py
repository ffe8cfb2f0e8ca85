"""`timebank bench --backend postgresql` runs its cross-node city on PostgreSQL: each party of
the main city gets a database of its own beside the given one, the cross-node figures and
their CPU per transfer come from that city (the transfers are in the nodes' PostgreSQL
databases), and the databases are gone at the end, one left by a killed run included.
Small sizes: a city and a few hundred transfers, not a benchmark."""

from __future__ import annotations

import pathlib
import uuid
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from city.bench import maincity
from city.bench.cpu import proc_stat_available
from city.bench.crossnode import COUNTERPARTY
from city.bench.measure import QUICK, Figure
from city.bench.runner import city_databases
from nodes.tables import remote_transfers
from tests.conftest import POSTGRESQL_REQUIRED, POSTGRESQL_URL
from timebank.storage.engine import create_database_engine

SIZES = replace(
    QUICK,
    cross_node_repetitions=1,
    cross_node_transfers=100,
    cross_node_latency_transfers=2,
    scaling_node_counts=(3,),  # the rings stay SQLite: none here
)


def _server_databases(server_url: str, prefix: str) -> list[str]:
    engine = create_engine(make_url(server_url))
    try:
        with engine.connect() as connection:
            query = text("SELECT datname FROM pg_database WHERE datname LIKE :prefix")
            return sorted(connection.execute(query, {"prefix": f"{prefix}%"}).scalars())
    finally:
        engine.dispose()


def _create_or_drop(server_url: str, statement: str) -> None:
    engine = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def _measure(given_url: str, given: str, tmp_path: pathlib.Path) -> tuple[int, dict[str, Figure]]:
    """The main city's figures on a database per party; the counterparty's committed transfers."""
    with city_databases(given_url) as urls:
        assert urls is not None
        assert _server_databases(POSTGRESQL_URL, f"{given}_city_") == sorted(f"{given}_city_{party}" for party in urls)
        figures = {figure.key: figure for figure in maincity.measure_city(tmp_path / "city", SIZES, urls)}
        engine = create_database_engine(urls[COUNTERPARTY])
        try:
            with engine.connect() as connection:
                query = select(func.count()).where(remote_transfers.c.state == "committed")
                committed = int(connection.execute(query).scalar_one())
        finally:
            engine.dispose()
    return committed, figures


def test_the_cross_node_city_runs_on_postgresql_and_its_databases_are_dropped(tmp_path: pathlib.Path) -> None:
    if not POSTGRESQL_URL:
        message = "TIMEBANK_TEST_POSTGRESQL_URL is not set (run `make test` to start a server)"
        if POSTGRESQL_REQUIRED:
            pytest.fail(f"PostgreSQL is required here but {message}")
        pytest.skip(message)
    given = f"timebank_bench_{uuid.uuid4().hex[:8]}"
    given_url = make_url(POSTGRESQL_URL).set(database=given).render_as_string(hide_password=False)
    _create_or_drop(POSTGRESQL_URL, f'CREATE DATABASE "{given}"')  # the empty database of --database-url
    _create_or_drop(POSTGRESQL_URL, f'CREATE DATABASE "{given}_city_shiqi"')  # left by a run that was killed
    try:
        committed, figures = _measure(given_url, given, tmp_path)
    finally:
        _create_or_drop(POSTGRESQL_URL, f'DROP DATABASE IF EXISTS "{given}" WITH (FORCE)')
    assert committed >= SIZES.cross_node_transfers  # the warm-up's and the latency run's too
    assert figures["cross_node_transfers_per_second"].median > 0
    assert "cross_node_transfers_per_second_at_3_nodes" not in figures  # a SQLite ring, measured elsewhere
    if proc_stat_available():
        parties = ("clearinghouse", "shiqi", "dongqu", "canlian")
        total = figures["cross_node_cpu_microseconds_per_transfer"].median
        assert total > 0
        by_party = sum(figures[f"cross_node_cpu_microseconds_per_transfer_{party}"].median for party in parties)
        assert by_party == pytest.approx(total)
    assert _server_databases(POSTGRESQL_URL, f"{given}_city_") == []
