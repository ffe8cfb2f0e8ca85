"""The person_homes table: the one home node of every person registered anywhere in the city.

Owns the conversion between rows and `PersonHome` (the identity hash as 64 hexadecimal
digits, the person's id as 32). The caller owns the transaction.

Must not: decide who keeps a person (the home-claim handler does), know gRPC.
Invariant: one row per identity hash.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from clearinghouse.records import PersonHome
from clearinghouse.tables import person_homes
from timebank import ids

__all__ = ["delete_home", "insert_home", "read_home"]


def read_home(connection: Connection, identity_hash: bytes) -> PersonHome | None:
    row = connection.execute(select(person_homes).where(person_homes.c.identity_hash == identity_hash.hex())).first()
    if row is None:
        return None
    return PersonHome(bytes.fromhex(row.identity_hash), row.node_id, ids.from_hex(row.person_id), row.claimed_at_micros)


def insert_home(connection: Connection, home: PersonHome) -> None:
    connection.execute(
        insert(person_homes).values(
            identity_hash=home.identity_hash.hex(),
            node_id=home.node_id,
            person_id=ids.to_hex(home.person_id),
            claimed_at_micros=home.claimed_at_micros,
        )
    )


def delete_home(connection: Connection, identity_hash: bytes) -> None:
    connection.execute(delete(person_homes).where(person_homes.c.identity_hash == identity_hash.hex()))
