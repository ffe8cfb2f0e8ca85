"""Rows of the care_* tables: the conversion between records and rows, and the generic
reads and writes the subject modules of the store are made of.

Owns the conversion between records (nodes.care.records) and rows: ids are integers in
records and 32 hexadecimal digits in rows ("" for none); a tuple of steps is one step a
line; a state, role or kind is its StrEnum in a record and its string in a row. Every
function takes the connection of a transaction the desk opened. Must not: be called
from outside nodes.care.store (the desk calls the subject modules, which name their tables).
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, and_, select, update

from timebank import ids
from timebank.errors import NotFound
from timebank.storage.engine import is_writing

__all__ = [
    "change",
    "find",
    "from_row",
    "get",
    "insert",
    "is_id",
    "limited",
    "LIST_LIMIT_MAX",
    "many",
    "save",
    "to_row",
]

R = TypeVar("R")
LIST_LIMIT_MAX = 1_000
_NOT_ID = frozenset({"alert_id", "source_record_id"})  # a sequence number, another platform's id


def is_id(name: str) -> bool:
    return name.endswith("_id") and not name.endswith("_node_id") and name not in _NOT_ID


def _to_column(name: str, value: Any) -> Any:
    if is_id(name) and isinstance(value, int):
        return ids.to_hex(value) if value else ""
    if isinstance(value, tuple):
        return "\n".join(value)
    if isinstance(value, enum.StrEnum):
        return str(value)
    return value


def _from_column(name: str, value: Any, kind: Any) -> Any:
    if is_id(name):
        return ids.from_hex(value)
    if kind == tuple[str, ...]:
        return tuple(value.split("\n")) if value else ()
    if isinstance(kind, type) and issubclass(kind, enum.StrEnum):
        return kind(value)
    return value


_FIELD_TYPES: dict[type[Any], dict[str, Any]] = {}


def _field_types(kind: type[Any]) -> dict[str, Any]:
    """The fields of a record type and their types (resolved: records name them as strings)."""
    found = _FIELD_TYPES.get(kind)
    if found is None:
        hints = typing.get_type_hints(kind)
        found = _FIELD_TYPES[kind] = {field.name: hints[field.name] for field in dataclasses.fields(kind)}
    return found


def to_row(table: Table, record: Any) -> dict[str, Any]:
    values = {field.name: getattr(record, field.name) for field in dataclasses.fields(record)}
    return {
        column.name: _to_column(column.name, values[column.name]) for column in table.columns if column.name in values
    }


def from_row(kind: type[R], row: Any) -> R:
    mapping = row._mapping
    fields = {name: field_type for name, field_type in _field_types(kind).items() if name in mapping}
    return kind(**{name: _from_column(name, mapping[name], field_type) for name, field_type in fields.items()})


def insert(connection: Connection, table: Table, record: Any) -> None:
    connection.execute(table.insert().values(**to_row(table, record)))


def _where(table: Table, key: dict[str, Any]) -> Any:
    return and_(*(table.c[name] == _to_column(name, value) for name, value in key.items()))


def find(connection: Connection, table: Table, kind: type[R], **key: Any) -> R | None:
    """The record with this key, or None. In a write transaction the row is locked until the
    commit (PostgreSQL: FOR UPDATE; SQLite's writers are serialised already), so what an
    operation read is still true when it writes: two confirmations, a confirmation and a
    dispute, or two redemptions of the last item never both pass their checks."""
    statement = select(table).where(_where(table, key))
    if is_writing(connection):
        statement = statement.with_for_update()
    row = connection.execute(statement).first()
    return from_row(kind, row) if row is not None else None


def get(connection: Connection, table: Table, kind: type[R], what: str, **key: Any) -> R:
    """The record with this key, or NotFound naming it (`what`: e.g. "person_id")."""
    found = find(connection, table, kind, **key)
    if found is None:
        name, value = next(iter(key.items()))
        shown = ids.to_hex(value) if is_id(name) and isinstance(value, int) else value
        raise NotFound(f"{what}: {shown} is not known at this node")
    return found


def change(connection: Connection, table: Table, key: dict[str, Any], **values: Any) -> None:
    converted = {name: _to_column(name, value) for name, value in values.items()}
    connection.execute(update(table).where(_where(table, key)).values(**converted))


def save(connection: Connection, table: Table, key_names: Sequence[str], record: Any) -> None:
    """Writes every column of a changed record (found by its key columns)."""
    row = to_row(table, record)
    key = {name: getattr(record, name) for name in key_names}
    values = {name: value for name, value in row.items() if name not in key_names}
    connection.execute(update(table).where(_where(table, key)).values(**values))


def many(connection: Connection, statement: Any, kind: type[R]) -> list[R]:
    return [from_row(kind, row) for row in connection.execute(statement)]


def limited(limit: int) -> int:
    return 100 if limit <= 0 else min(limit, LIST_LIMIT_MAX)
