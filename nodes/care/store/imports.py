"""The SQL of imported hours: care_imports (a batch), care_import_rows (its rows and what
the node found) and care_imported_records (every record deposited, once).

Owns these rows; the caller owns the transaction. Must not: decide anything (the desk
does), know gRPC.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, insert, select, tuple_

from nodes import tables as s
from nodes.care import records as r
from nodes.care.store.rows import find, get, limited, many, save, to_row
from nodes.care.store.rows import insert as insert_record

__all__ = [
    "add_batch",
    "add_imported",
    "add_rows",
    "batch",
    "batches",
    "find_batch",
    "imported",
    "rows",
    "save_batch",
]

PAIRS_PER_QUERY = 500  # (platform, record id) pairs asked about in one statement


def find_batch(connection: Connection, batch_id: int) -> r.ImportBatch | None:
    return find(connection, s.care_imports, r.ImportBatch, batch_id=batch_id)


def batch(connection: Connection, batch_id: int) -> r.ImportBatch:
    return get(connection, s.care_imports, r.ImportBatch, "batch_id", batch_id=batch_id)


def add_batch(connection: Connection, new: r.ImportBatch) -> None:
    insert_record(connection, s.care_imports, new)


def save_batch(connection: Connection, changed: r.ImportBatch) -> None:
    save(connection, s.care_imports, ("batch_id",), changed)


def batches(connection: Connection, state: str, limit: int) -> list[r.ImportBatch]:
    table = s.care_imports
    statement = select(table).order_by(table.c.submitted_at_micros.desc(), table.c.batch_id).limit(limited(limit))
    if state:
        statement = statement.where(table.c.state == state)
    return many(connection, statement, r.ImportBatch)


def add_rows(connection: Connection, outcomes: Sequence[r.ImportRowOutcome]) -> None:
    if outcomes:
        connection.execute(insert(s.care_import_rows), [to_row(s.care_import_rows, row) for row in outcomes])


def rows(connection: Connection, batch_id: int) -> list[r.ImportRowOutcome]:
    table = s.care_import_rows
    statement = select(table).where(table.c.batch_id == f"{batch_id:032x}").order_by(table.c.row_number)
    return many(connection, statement, r.ImportRowOutcome)


def imported(connection: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Of these (platform, source record id) pairs, those deposited before, with their batch."""
    table = s.care_imported_records
    wanted = sorted(set(keys))
    found: dict[tuple[str, str], str] = {}
    for start in range(0, len(wanted), PAIRS_PER_QUERY):
        chunk = wanted[start : start + PAIRS_PER_QUERY]
        statement = select(table.c.platform, table.c.source_record_id, table.c.batch_id).where(
            tuple_(table.c.platform, table.c.source_record_id).in_(chunk)
        )
        found.update({(row.platform, row.source_record_id): row.batch_id for row in connection.execute(statement)})
    return found


def add_imported(connection: Connection, records: Sequence[dict[str, object]]) -> None:
    """Records deposited now: platform, source_record_id, batch_id, person_id, transfer_id (hex), minutes."""
    if records:
        connection.execute(insert(s.care_imported_records), list(records))
