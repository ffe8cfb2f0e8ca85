"""Alarms an operator must see: raised in their own transaction, listed until cleared.

Owns the alarms table. An alarm of kind "split-view" (a checkpoint inconsistent with one
verified before) stops a node's cross-node traffic until an operator clears it after
the cause is understood; the clearinghouse raises one when a node names a checkpoint
its own log does not have.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, insert, select, update

from timebank.errors import NotFound
from timebank.storage.engine import write_transaction
from timebank.storage.schema import alarms

__all__ = ["Alarm", "RESTORE_CONFLICT", "SPLIT_VIEW", "clear", "open_alarms", "raise_alarm", "record"]

SPLIT_VIEW = "split-view"
# After a restore from a backup, a leg the clearinghouse recorded could not be made here
# (e.g. the member's hours were spent meanwhile): an operator must settle it by hand.
RESTORE_CONFLICT = "restore-conflict"


@dataclass(frozen=True)
class Alarm:
    sequence: int
    kind: str
    detail: str
    raised_at_micros: int


def raise_alarm(engine: Engine, kind: str, detail: str, now_micros: int) -> None:
    """Records the alarm in its own transaction (so it stays when the caller's work rolls back)."""
    with write_transaction(engine) as connection:
        record(connection, kind, detail, now_micros)


def record(connection: Connection, kind: str, detail: str, now_micros: int) -> None:
    """Records the alarm in the caller's transaction, unless the same one is open already."""
    open_same = connection.execute(
        select(alarms.c.sequence).where(
            alarms.c.kind == kind, alarms.c.detail == detail, alarms.c.cleared_at_micros.is_(None)
        )
    ).first()
    if open_same is None:
        connection.execute(insert(alarms).values(kind=kind, detail=detail, raised_at_micros=now_micros))


def open_alarms(connection: Connection) -> list[Alarm]:
    rows = connection.execute(select(alarms).where(alarms.c.cleared_at_micros.is_(None)).order_by(alarms.c.sequence))
    return [Alarm(row.sequence, row.kind, row.detail, row.raised_at_micros) for row in rows]


def clear(connection: Connection, sequence: int, reason: str, now_micros: int) -> None:
    result = connection.execute(
        update(alarms)
        .where(alarms.c.sequence == sequence, alarms.c.cleared_at_micros.is_(None))
        .values(cleared_at_micros=now_micros, cleared_reason=reason)
    )
    if result.rowcount != 1:
        raise NotFound(f"alarm: no open alarm number {sequence}")
