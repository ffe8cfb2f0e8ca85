"""The tables of a person's own door: person_credentials and person_sessions.

Owns the rows and their conversion to `nodes.personal.records`. The caller owns the
transaction. Must not: decide anything (the desk does), know gRPC.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from nodes.personal.records import Credential, PersonSession
from nodes.tables import person_credentials, person_sessions
from timebank import ids

__all__ = [
    "end_sessions_of",
    "insert_session",
    "pin_hash",
    "read_credential",
    "read_session",
    "save_credential",
    "touch_session",
]


def read_credential(connection: Connection, person_id: int) -> Credential | None:
    table = person_credentials
    row = connection.execute(select(table).where(table.c.person_id == ids.to_hex(person_id))).first()
    if row is None:
        return None
    return Credential(person_id, row.failed_attempts, row.locked_until_micros, row.set_at_micros, row.set_by)


def pin_hash(connection: Connection, person_id: int) -> str:
    table = person_credentials
    statement = select(table.c.pin_hash).where(table.c.person_id == ids.to_hex(person_id))
    return str(connection.execute(statement).scalar_one())


def save_credential(connection: Connection, credential: Credential, hashed: str | None = None) -> None:
    """Writes a credential's counters (and a new hash, inserting the row if it has none)."""
    table = person_credentials
    values: dict[str, object] = {
        "failed_attempts": credential.failed_attempts,
        "locked_until_micros": credential.locked_until_micros,
        "set_at_micros": credential.set_at_micros,
        "set_by": credential.set_by,
    }
    if hashed is not None:
        values["pin_hash"] = hashed
    key = ids.to_hex(credential.person_id)
    changed = connection.execute(update(table).where(table.c.person_id == key).values(**values)).rowcount
    if not changed:
        connection.execute(insert(table).values(person_id=key, **values))


def _session(row: Row[Any]) -> PersonSession:
    return PersonSession(
        row.token_hash, ids.from_hex(row.person_id), row.created_at_micros, row.last_seen_micros, row.ended_at_micros
    )


def read_session(connection: Connection, token_hash: str) -> PersonSession | None:
    row = connection.execute(select(person_sessions).where(person_sessions.c.token_hash == token_hash)).first()
    return None if row is None else _session(row)


def insert_session(connection: Connection, session: PersonSession) -> None:
    connection.execute(
        insert(person_sessions).values(
            token_hash=session.token_hash,
            person_id=ids.to_hex(session.person_id),
            created_at_micros=session.created_at_micros,
            last_seen_micros=session.last_seen_micros,
            ended_at_micros=session.ended_at_micros,
        )
    )


def touch_session(connection: Connection, token_hash: str, *, now_micros: int, ended: bool) -> None:
    values: dict[str, object] = {"last_seen_micros": now_micros}
    if ended:
        values["ended_at_micros"] = now_micros
    connection.execute(update(person_sessions).where(person_sessions.c.token_hash == token_hash).values(**values))


def end_sessions_of(connection: Connection, person_id: int, now_micros: int) -> None:
    table = person_sessions
    connection.execute(
        update(table)
        .where(table.c.person_id == ids.to_hex(person_id), table.c.ended_at_micros.is_(None))
        .values(ended_at_micros=now_micros)
    )
