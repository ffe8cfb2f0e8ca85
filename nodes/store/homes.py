"""This node's claims of people's home node (home_claims), sent to the clearinghouse and
answered by its receipt.

Owns the rows. The caller owns the transaction. Invariant: a claim is recorded once (by
the id of the item that carries it), and answered once.
"""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from nodes.records import ClaimState
from nodes.tables import home_claims
from timebank import ids

__all__ = ["claim_exists", "insert_claim", "latest_claim", "update_answered"]


def claim_exists(connection: Connection, item_id: int) -> bool:
    key = ids.to_hex(item_id)
    return connection.execute(select(home_claims.c.item_id).where(home_claims.c.item_id == key)).first() is not None


def insert_claim(
    connection: Connection, item_id: int, identity_hash: bytes, person_id: int, release: bool, now_micros: int
) -> None:
    connection.execute(
        insert(home_claims).values(
            item_id=ids.to_hex(item_id),
            identity_hash=identity_hash.hex(),
            person_id=ids.to_hex(person_id),
            release=release,
            state=str(ClaimState.SENT),
            reason="",
            sent_at_micros=now_micros,
            answered_at_micros=0,
        )
    )


def latest_claim(connection: Connection, person_id: int) -> tuple[str, str]:
    """(state, reason) of the newest claim (not a release) of the person: ("", "") if none."""
    row = connection.execute(
        select(home_claims.c.state, home_claims.c.reason)
        .where(home_claims.c.person_id == ids.to_hex(person_id), home_claims.c.release.is_(False))
        .order_by(home_claims.c.sent_at_micros.desc())
    ).first()
    return (row.state, row.reason) if row is not None else ("", "")


def update_answered(connection: Connection, item_id: int, accepted: bool, reason: str, now_micros: int) -> None:
    """Records the clearinghouse's answer to a claim still waiting for one (other items: nothing)."""
    connection.execute(
        update(home_claims)
        .where(home_claims.c.item_id == ids.to_hex(item_id), home_claims.c.state == str(ClaimState.SENT))
        .values(
            state=str(ClaimState.CONFIRMED if accepted else ClaimState.REFUSED),
            reason=reason,
            answered_at_micros=now_micros,
        )
    )
