"""Inserts of many rows in one call to the database driver's executemany.

Owns the fast path for the rows a batch writes (log entries and tree tiles, legs, mail,
cross-node records): the INSERT is compiled once per dialect, table and column set, and the
rows go to the driver as plain values, without SQLAlchemy's per-row parameter processing
(about half the cost of a row on SQLite). Only for columns whose Python values the driver
takes as they are: integers, text, bytes and booleans, no type with a bind processor of its
own, and every column a row lacks must be nullable or have a server default (checked when
the statement is first compiled, naming the table and column). The caller's transaction is
used; nothing is committed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.engine import Dialect

__all__ = ["insert_rows"]


@lru_cache(maxsize=256)
def _compiled(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> tuple[str, tuple[str, ...] | None]:
    """The INSERT's text for this dialect, and the order of its positional parameters (None: named)."""
    for column in table.columns:
        if column.key in columns:
            continue
        if column.default is not None:
            raise ValueError(f"insert_rows: {table.name}.{column.key} has a Python-side default; give it in every row")
        if not (column.nullable or column.server_default is not None or column is table.autoincrement_column):
            raise ValueError(f"insert_rows: {table.name}.{column.key} is required; give it in every row")
    compiled = insert(table).values({name: None for name in columns}).compile(dialect=dialect)
    order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
    return str(compiled), order


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Inserts rows (all with the same keys, the table's column keys) in one executemany."""
    if not rows:
        return
    columns = tuple(rows[0])
    sql, order = _compiled(connection.dialect, table, columns)
    if order is None:
        parameters: list[Any] = [dict(row) for row in rows]
    else:
        parameters = [tuple(row[name] for name in order) for row in rows]
    connection.exec_driver_sql(sql, parameters)
