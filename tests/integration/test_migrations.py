"""Each party's database holds its own tables and the kernel's, and a database made when every
party shared one migration chain (revision 0007) migrates forward with nothing lost.

On both backends: a fresh node database and a fresh clearinghouse database match their
party's metadata exactly (no care table at the clearinghouse, no coordinator table at a
node); a 0007 database filled with a row in every table its party keeps, and a transfer
in its books, is upgraded and every row reads back the same while the other party's empty
tables are gone; a 0007 database whose other party's table holds a row is refused naming
it, and nothing changes; a node's database opened as the clearinghouse's is refused.
"""

from __future__ import annotations

import pathlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    BigInteger,
    Boolean,
    Engine,
    Integer,
    LargeBinary,
    SmallInteger,
    Table,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from clearinghouse import tables as clearinghouse_tables
from nodes import tables as node_tables
from tests.conftest import POSTGRESQL_REQUIRED, POSTGRESQL_URL
from tests.support.ledger import ISSUANCE, member, member_spec, move
from timebank import ids
from timebank.books import Books
from timebank.clock import FakeClock
from timebank.errors import ConfigError
from timebank.storage import migrate
from timebank.storage.engine import create_database_engine, write_transaction
from timebank.storage.schema import PartySchema
from timebank.storage.schema import metadata as kernel_metadata

SCHEMAS = {"node": node_tables.SCHEMA, "clearinghouse": clearinghouse_tables.SCHEMA}
OTHER = {"node": clearinghouse_tables.SCHEMA, "clearinghouse": node_tables.SCHEMA}


@pytest.fixture
def empty_url(backend: str, tmp_path: pathlib.Path) -> Iterator[str]:
    """An empty database (no schema at all) on the backend under test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRESQL_URL:
        message = "TIMEBANK_TEST_POSTGRESQL_URL is not set (run `make test` to start a server)"
        if POSTGRESQL_REQUIRED:
            pytest.fail(f"PostgreSQL is required here but {message}")
        pytest.skip(message)
    admin = create_engine(make_url(POSTGRESQL_URL), isolation_level="AUTOCOMMIT")
    name = f"timebank_empty_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRESQL_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = create_database_engine(empty_url)
    yield engine
    engine.dispose()


# Tables every party defines on its own (timebank.operators.tables), each in its own chain.
SHAPED_ALIKE = frozenset({"operator_accounts", "operator_sessions", "operator_trail"})


def own_tables(schema: PartySchema) -> list[Table]:
    return [table for name, table in schema.metadata.tables.items() if name not in kernel_metadata.tables]


def only_theirs(schema: PartySchema) -> set[str]:
    """The tables of a party that no other party holds."""
    return {table.name for table in own_tables(schema)} - SHAPED_ALIKE


def in_database(engine: Engine, tables: list[Table]) -> list[Table]:
    """The tables the database holds (a party's chain may add tables after the shared history)."""
    present = set(inspect(engine).get_table_names())
    return [table for table in tables if table.name in present]


def filler_row(table: Table) -> dict[str, Any]:
    """One row every constraint accepts: ids name the issuance account, numbers are 1 (a window ends at 2)."""
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.autoincrement is True:
            continue
        kind = column.type
        if isinstance(kind, Boolean):
            row[column.name] = False
        elif isinstance(kind, BigInteger | Integer | SmallInteger):
            row[column.name] = 2 if column.name == "window_end_micros" else 1
        elif isinstance(kind, LargeBinary):
            row[column.name] = b"\x01"
        elif column.name.endswith("_id") and getattr(kind, "length", 0) == 32:
            row[column.name] = ids.to_hex(ISSUANCE)
        else:
            row[column.name] = "x"
    return row


def shared_history_database(engine: Engine) -> Books:
    """A database as the single migration chain left it (revision 0007), with books and a transfer."""
    migrate.upgrade(engine, None, migrate.SHARED_HISTORY_HEAD)
    books = Books(engine, FakeClock())
    books.create_system_accounts("legacy")
    books.create_accounts([member_spec(1)])
    assert books.submit([move(1, ISSUANCE, member(1), 90)]).results[0].transient is False
    return books


def rows_of(engine: Engine, tables: list[Table]) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(select(table))] for table in tables}


@pytest.mark.parametrize("party", ["node", "clearinghouse"])
def test_a_fresh_database_holds_exactly_its_partys_tables(engine: Engine, party: str) -> None:
    schema = SCHEMAS[party]
    migrate.upgrade(engine, schema)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), schema.metadata) == []
        present = set(inspect(connection).get_table_names()) - {"alembic_version"}
    assert present == set(schema.metadata.tables)
    assert not present & only_theirs(OTHER[party])
    assert migrate.require_current(engine, schema, "migrate") == migrate.head_revision(schema)


@pytest.mark.parametrize("party", ["node", "clearinghouse"])
def test_a_shared_history_database_migrates_forward_with_nothing_lost(engine: Engine, party: str) -> None:
    schema = SCHEMAS[party]
    books = shared_history_database(engine)
    kept = in_database(engine, own_tables(schema))
    with write_transaction(engine) as connection:
        for table in kept:
            connection.execute(table.insert().values(filler_row(table)))
    before = rows_of(engine, [*kept, *kernel_metadata.sorted_tables])
    balance = books.account(member(1)).balance_minutes

    migrate.upgrade(engine, schema)

    assert rows_of(engine, [*kept, *kernel_metadata.sorted_tables]) == before
    assert Books(engine, FakeClock()).account(member(1)).balance_minutes == balance == 90
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), schema.metadata) == []
    assert migrate.current_revision(engine) == migrate.head_revision(schema)


@pytest.mark.parametrize("party", ["node", "clearinghouse"])
def test_another_partys_rows_are_refused_and_nothing_changes(engine: Engine, party: str) -> None:
    shared_history_database(engine)
    foreign = own_tables(OTHER[party])[0]
    with write_transaction(engine) as connection:
        connection.execute(foreign.insert().values(filler_row(foreign)))
    tables_before = set(inspect(engine).get_table_names())

    with pytest.raises(ConfigError, match=f"table {foreign.name} holds 1 rows, and a {party}'s database has no"):
        migrate.upgrade(engine, SCHEMAS[party])

    assert migrate.current_revision(engine) == migrate.SHARED_HISTORY_HEAD
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == tables_before


def test_a_nodes_database_is_not_the_clearinghouses(engine: Engine) -> None:
    migrate.upgrade(engine, node_tables.SCHEMA)
    head = migrate.head_revision(node_tables.SCHEMA)
    message = f"revision {head}, which is not a clearinghouse's: is this another kind of party's database"
    with pytest.raises(ConfigError, match=message):
        migrate.upgrade(engine, clearinghouse_tables.SCHEMA)
    with pytest.raises(ConfigError, match=message):
        migrate.require_current(engine, clearinghouse_tables.SCHEMA, "timebank clearinghouse migrate")
