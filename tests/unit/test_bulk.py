"""timebank.storage.bulk: rows inserted at the driver, and the columns it refuses to leave out."""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Boolean, Column, LargeBinary, MetaData, String, Table, create_engine, select

from timebank.storage import bulk

metadata = MetaData()
things = Table(
    "things",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(20), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("flag", Boolean, nullable=False),
    Column("note", String(20), nullable=True),
)
defaulted = Table(
    "defaulted", metadata, Column("position", BigInteger, primary_key=True), Column("n", BigInteger, default=7)
)


def test_rows_arrive_with_their_values_and_an_omitted_nullable_column_is_null() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    rows = [{"position": n, "name": f"n{n}", "data": bytes([n]) * 3, "flag": n % 2 == 0} for n in range(5)]
    with engine.begin() as connection:
        bulk.insert_rows(connection, things, rows)
        bulk.insert_rows(connection, things, [])
        stored = connection.execute(select(things).order_by(things.c.position)).all()
    assert [(r.position, r.name, bytes(r.data), r.flag, r.note) for r in stored] == [
        (n, f"n{n}", bytes([n]) * 3, n % 2 == 0, None) for n in range(5)
    ]


def test_a_required_column_left_out_is_refused_by_name() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection, pytest.raises(ValueError, match=r"things\.data is required"):
        bulk.insert_rows(connection, things, [{"position": 1, "name": "a", "flag": True}])
    with engine.begin() as connection, pytest.raises(ValueError, match=r"defaulted\.n has a Python-side default"):
        bulk.insert_rows(connection, defaulted, [{"position": 1}])
