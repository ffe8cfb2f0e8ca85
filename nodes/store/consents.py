"""Holders' consents to pulls from their accounts (consents): one-time codes, stored by the
SHA-256 of the code only, and standing mandates, each with a limit and an expiry.

Owns the rows and their conversion to `nodes.records.ConsentRecord`. The caller owns the
transaction. Invariant (a CHECK constraint too): 0 <= used_minutes <= limit_minutes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from nodes.records import ConsentKind, ConsentRecord
from nodes.tables import consents
from timebank import ids

__all__ = ["consent_exists", "insert_consent", "read_consent", "update_used"]


def _record(row: Row[Any]) -> ConsentRecord:
    return ConsentRecord(
        consent_id=row.consent_id,
        kind=ConsentKind(row.kind),
        holder_account_id=ids.from_hex(row.holder_account_id),
        beneficiary_node_id=row.beneficiary_node_id,
        limit_minutes=row.limit_minutes,
        used_minutes=row.used_minutes,
        expires_at_micros=row.expires_at_micros,
        created_at_micros=row.created_at_micros,
    )


def read_consent(connection: Connection, consent_id: str) -> ConsentRecord | None:
    row = connection.execute(select(consents).where(consents.c.consent_id == consent_id)).first()
    return None if row is None else _record(row)


def consent_exists(connection: Connection, consent_id: str) -> bool:
    statement = select(consents.c.consent_id).where(consents.c.consent_id == consent_id)
    return connection.execute(statement).first() is not None


def insert_consent(connection: Connection, consent: ConsentRecord) -> None:
    connection.execute(
        insert(consents).values(
            consent_id=consent.consent_id,
            kind=str(consent.kind),
            holder_account_id=ids.to_hex(consent.holder_account_id),
            beneficiary_node_id=consent.beneficiary_node_id,
            limit_minutes=consent.limit_minutes,
            used_minutes=consent.used_minutes,
            expires_at_micros=consent.expires_at_micros,
            created_at_micros=consent.created_at_micros,
        )
    )


def update_used(connection: Connection, consent_id: str, used_minutes: int) -> None:
    connection.execute(update(consents).where(consents.c.consent_id == consent_id).values(used_minutes=used_minutes))
