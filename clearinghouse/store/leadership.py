"""The leadership row: every read and write of the `leadership` table.

Owns the conversion between the one row and `clearinghouse.records.Lease`. The caller
owns the transaction. Must not: decide who may lead (clearinghouse.leadership does).
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from clearinghouse.records import Lease
from clearinghouse.tables import leadership

__all__ = ["read_lease", "renew_lease", "write_lease"]

SINGLETON = 1
# Built once: the fence reads the lease in every write transaction of the clearinghouse.
_READ = select(leadership).where(leadership.c.singleton == SINGLETON)
_READ_FOR_UPDATE = _READ.with_for_update()
_READ_FOR_SHARE = _READ.with_for_update(read=True)


def read_lease(connection: Connection, *, for_update: bool = False, for_share: bool = False) -> Lease | None:
    """The current lease (None before any process led); locked for the transaction when asked."""
    statement = _READ_FOR_UPDATE if for_update else _READ_FOR_SHARE if for_share else _READ
    row = connection.execute(statement).one_or_none()
    if row is None:
        return None
    return Lease(row.term, row.holder, row.address, row.since_micros, row.lease_expires_at_micros)


def write_lease(connection: Connection, lease: Lease, *, first: bool) -> None:
    """Stores a new lease: the first one ever (insert) or a takeover (update)."""
    values = {
        "term": lease.term,
        "holder": lease.holder,
        "address": lease.address,
        "since_micros": lease.since_micros,
        "lease_expires_at_micros": lease.expires_at_micros,
    }
    if first:
        connection.execute(insert(leadership).values(singleton=SINGLETON, **values))
    else:
        connection.execute(update(leadership).where(leadership.c.singleton == SINGLETON).values(**values))


def renew_lease(connection: Connection, term: int, holder: str, address: str, expires_at_micros: int) -> bool:
    """Moves the holder's lease end on (and its address: known once it listens); False when
    the term or the holder is no longer theirs."""
    result = connection.execute(
        update(leadership)
        .where(leadership.c.singleton == SINGLETON, leadership.c.term == term, leadership.c.holder == holder)
        .values(lease_expires_at_micros=expires_at_micros, address=address)
    )
    return result.rowcount == 1
