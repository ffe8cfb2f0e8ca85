"""Shared fixtures: fresh databases on both backends, books, and real node servers.

PostgreSQL tests use the server named by TIMEBANK_TEST_POSTGRESQL_URL (`make test`
starts one). Without it they are skipped with that reason, unless
TIMEBANK_REQUIRE_POSTGRESQL or CI is set: then a missing server fails the run.
Each test gets its own database: a copy of a migrated template of its party (a node's
unless it asks for the clearinghouse's), so it starts empty.
"""

from __future__ import annotations

import gc
import os
import pathlib
import shutil
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nodes import tables as node_tables
from nodes.client import NodeClient
from nodes.config import NodeConfig
from nodes.init import init_node
from nodes.server import RunningNode, create_server
from tests.support.care import Desk
from timebank.books import Books
from timebank.clock import FakeClock
from timebank.credentials import ADMINISTRATOR, CONSOLE, Credential, read_credential
from timebank.storage import migrate
from timebank.storage.engine import create_database_engine
from timebank.storage.schema import PartySchema

POSTGRESQL_URL = os.environ.get("TIMEBANK_TEST_POSTGRESQL_URL", "")
POSTGRESQL_REQUIRED = bool(os.environ.get("TIMEBANK_REQUIRE_POSTGRESQL") or os.environ.get("CI"))
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def pytest_report_header() -> list[str]:
    where = POSTGRESQL_URL or "not configured (PostgreSQL tests skipped)"
    return [f"timebank PostgreSQL: {where}"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in counts:
        for report in terminalreporter.stats.get(outcome, []):
            if "postgresql" in getattr(report, "keywords", {}) and report.when in ("call", "setup"):
                counts[outcome] += 1
    terminalreporter.write_line(
        "timebank PostgreSQL tests: {passed} passed, {failed} failed, {skipped} skipped".format(**counts)
    )


class _TemplateDatabases:
    """One migrated template per backend per run; each test gets a copy."""

    def __init__(self, root: pathlib.Path) -> None:
        self.root = root
        self.sqlite_templates: dict[str, pathlib.Path] = {}
        self.postgresql_templates: dict[str, str] = {}

    def new_sqlite(self, directory: pathlib.Path, schema: PartySchema = node_tables.SCHEMA) -> str:
        """A copy of a migrated SQLite database of the party (a node's by default)."""
        if schema.name not in self.sqlite_templates:
            template = self.root / f"template-{schema.name}.db"
            engine = create_database_engine(f"sqlite:///{template}")
            migrate.upgrade(engine, schema)
            engine.dispose()
            self.sqlite_templates[schema.name] = template
        target = directory / f"ledger-{schema.name}.db"
        shutil.copyfile(self.sqlite_templates[schema.name], target)
        return f"sqlite:///{target}"

    def new_postgresql(self, schema: PartySchema = node_tables.SCHEMA) -> str:
        """A new PostgreSQL database of the party (a node's by default), copied from a migrated template."""
        if not POSTGRESQL_URL:
            message = "TIMEBANK_TEST_POSTGRESQL_URL is not set (run `make test` to start a server)"
            if POSTGRESQL_REQUIRED:
                pytest.fail(f"PostgreSQL is required here but {message}")
            pytest.skip(message)
        base = make_url(POSTGRESQL_URL)
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                if schema.name not in self.postgresql_templates:
                    name = f"timebank_template_{schema.name}_{uuid.uuid4().hex[:8]}"
                    connection.execute(text(f'CREATE DATABASE "{name}"'))
                    engine = create_database_engine(base.set(database=name).render_as_string(False))
                    migrate.upgrade(engine, schema)
                    engine.dispose()
                    self.postgresql_templates[schema.name] = name
                database = f"timebank_test_{uuid.uuid4().hex[:12]}"
                template = self.postgresql_templates[schema.name]
                connection.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{template}"'))
        finally:
            admin.dispose()
        return base.set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> _TemplateDatabases:
    return _TemplateDatabases(tmp_path_factory.mktemp("templates"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, templates: _TemplateDatabases, tmp_path: pathlib.Path) -> Iterator[str]:
    """A fresh, migrated, empty database on the backend under test."""
    if backend == "sqlite":
        yield templates.new_sqlite(tmp_path)
        return
    url = templates.new_postgresql()
    yield url
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def books(database_url: str, clock: FakeClock) -> Iterator[Books]:
    """Books on a fresh database, with the system accounts."""
    engine = create_database_engine(database_url)
    books = Books(engine, clock)
    books.create_system_accounts("Test node")
    yield books
    engine.dispose()


@pytest.fixture
def node_config(database_url: str, tmp_path: pathlib.Path, clock: FakeClock) -> NodeConfig:
    """A node initialised on the fresh database, listening on a free loopback port."""
    return init_node(
        tmp_path / "node",
        node_id="test-node",
        display_name="测试街道",
        kind="district",
        clock=clock,
        database_url=database_url,
        listen="127.0.0.1:0",
    )


@pytest.fixture
def node(node_config: NodeConfig, clock: FakeClock) -> Iterator[RunningNode]:
    """A real node gRPC server on loopback."""
    running = create_server(node_config, clock)
    yield running
    running.stop(0)


@pytest.fixture
def node_address(node: RunningNode) -> str:
    return f"127.0.0.1:{node.port}"


@pytest.fixture
def node_target(node_address: str, node_config: NodeConfig) -> tuple[str, ...]:
    """The command-line options that name the test node and present its administrator's credential."""
    return ("--node", node_address, "--credential", str(node_config.credential_paths[ADMINISTRATOR]))


@pytest.fixture
def administrator(node_config: NodeConfig) -> Credential:
    """The test node's administrator credential (every operator method)."""
    return read_credential(node_config.credential_paths[ADMINISTRATOR])


@pytest.fixture
def console_credential(node_config: NodeConfig) -> Credential:
    """The test node's console credential (what a console may call)."""
    return read_credential(node_config.credential_paths[CONSOLE])


@pytest.fixture
def console(node_address: str, tmp_path: pathlib.Path, console_credential: Credential) -> Iterator[str]:
    """The test node with its first director (made on the host), and an office console in
    front of it, presenting the node's console credential: the console's URL."""
    from tests.support.office import office_console

    with office_console(node_address, tmp_path / "node", console_credential) as url:
        yield url


@pytest.fixture
def node_client(node: RunningNode, node_address: str, administrator: Credential) -> Iterator[NodeClient]:
    """A client of the test node, as its administrator, without retries."""
    with NodeClient(node_address, attempts_max=1, credential=administrator) as client:
        yield client


@pytest.fixture
def desk(node_client: NodeClient) -> Desk:
    """A client of the test node's CareDesk (the time-bank services)."""
    return Desk(node_client, "test-node")


@pytest.fixture
def city_databases(backend: str, templates: _TemplateDatabases, tmp_path: pathlib.Path) -> Iterator[dict[str, str]]:
    """A fresh database for every party of a test city (SQLite files, or PostgreSQL databases)."""
    from clearinghouse import tables as clearinghouse_tables
    from tests.support.city import PARTIES
    from timebank.protocol import CLEARINGHOUSE_ID

    if backend == "sqlite":
        yield {}  # city init makes one SQLite file per party
        return
    urls = {
        party: templates.new_postgresql(
            clearinghouse_tables.SCHEMA if party == CLEARINGHOUSE_ID else node_tables.SCHEMA
        )
        for party in PARTIES
    }
    yield urls
    admin = create_engine(make_url(POSTGRESQL_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for url in urls.values():
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def city(city_databases: dict[str, str], tmp_path: pathlib.Path) -> Iterator[object]:
    """A whole city in this process: the clearinghouse and three nodes, mutual TLS, started."""
    from tests.support.city import NODES, make_city

    test_city = make_city(tmp_path / "city", city_databases)
    try:
        test_city.start_clearinghouse()
        for node_id in NODES:
            test_city.start_node(node_id)
        yield test_city
    finally:
        test_city.stop()


@pytest.fixture(autouse=True)
def _collect_garbage_after_each_test() -> Iterator[None]:
    """Unclosed resources surface as warnings in the test that leaked them, not a later one."""
    yield
    gc.collect()
