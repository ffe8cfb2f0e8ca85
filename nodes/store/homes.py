"""This node's claims of people's home node (home_claims), sent to the clearinghouse and
answered by its receipt.

Owns the rows. The caller owns the transaction. Invariant: a claim is recorded once (by
the id of the item that carries it), and answered once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update

from nodes.records import ClaimState
from nodes.tables import home_claims
from timebank import ids
from timebank.storage import ledger_store

__all__ = ["answer_claims", "claim_exists", "insert_claim", "latest_claim"]

SENT = str(ClaimState.SENT)


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


def answer_claims(connection: Connection, answers: Sequence[tuple[int, bool, str]], now_micros: int) -> None:
    """Records the clearinghouse's answers (item id, accepted, reason) to the claims still
    waiting for one; the other items (most: transfers) cost one bounded read, no write."""
    by_item = {ids.to_hex(item_id): (accepted, reason) for item_id, accepted, reason in answers}
    waiting = ledger_store.rows_where_in(
        connection, home_claims.c.item_id, [item_id for item_id, _, _ in answers], home_claims.c.state == SENT
    )
    for key in [row.item_id for row in waiting]:
        accepted, reason = by_item[key]
        connection.execute(
            update(home_claims)
            .where(home_claims.c.item_id == key, home_claims.c.state == SENT)
            .values(
                state=str(ClaimState.CONFIRMED if accepted else ClaimState.REFUSED),
                reason=reason,
                answered_at_micros=now_micros,
            )
        )
