"""Qualifications and the operators' catalogue items, in care_qualifications and care_catalogue.

Owns the queries of qualifications (by id, a volunteer's approved ones, who holds a
valid one of some kinds on a day) and the conversion of catalogue rows to
catalogue.CatalogueItem (qualification kinds are one comma-separated column). The
shipped catalogue is data in nodes.care.catalogue, never stored. Must not decide
whether a volunteer may serve: that is rules.qualification_refusal.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from nodes import tables as s
from nodes.care import catalogue
from nodes.care import records as r
from nodes.care.store.rows import find, get, insert, limited, many, save
from timebank import ids

__all__ = [
    "add_catalogue_item",
    "add_qualification",
    "approved_qualifications",
    "catalogue_item",
    "catalogue_items",
    "find_qualification",
    "qualification",
    "qualifications",
    "save_qualification",
    "valid_qualification_holders",
]


def qualification(connection: Connection, qualification_id: int) -> r.Qualification:
    return get(
        connection, s.care_qualifications, r.Qualification, "qualification_id", qualification_id=qualification_id
    )


def find_qualification(connection: Connection, qualification_id: int) -> r.Qualification | None:
    return find(connection, s.care_qualifications, r.Qualification, qualification_id=qualification_id)


def add_qualification(connection: Connection, new: r.Qualification) -> None:
    insert(connection, s.care_qualifications, new)


def save_qualification(connection: Connection, changed: r.Qualification) -> None:
    save(connection, s.care_qualifications, ("qualification_id",), changed)


def qualifications(connection: Connection, person_id: int, state: str, limit: int) -> list[r.Qualification]:
    """Qualifications newest first: of a person (0 anyone's), in a state ("" any)."""
    table = s.care_qualifications
    statement = select(table).order_by(table.c.created_at_micros.desc(), table.c.qualification_id)
    if person_id:
        statement = statement.where(table.c.person_id == ids.to_hex(person_id))
    if state:
        statement = statement.where(table.c.state == state)
    return many(connection, statement.limit(limited(limit)), r.Qualification)


def approved_qualifications(connection: Connection, person_id: int) -> list[r.Qualification]:
    table = s.care_qualifications
    statement = select(table).where(
        table.c.person_id == ids.to_hex(person_id), table.c.state == str(r.ReviewState.APPROVED)
    )
    return many(connection, statement, r.Qualification)


def valid_qualification_holders(connection: Connection, kinds: Iterable[str], on: str) -> set[int]:
    """The people holding an approved qualification of one of the kinds, valid on a day (YYYY-MM-DD)."""
    table = s.care_qualifications
    statement = (
        select(table.c.person_id)
        .distinct()
        .where(table.c.state == str(r.ReviewState.APPROVED), table.c.kind.in_(tuple(kinds)), table.c.expires_on >= on)
    )
    return {ids.from_hex(row.person_id) for row in connection.execute(statement)}


# -- the operators' catalogue items ---------------------------------------------------------------


def catalogue_items(connection: Connection) -> list[catalogue.CatalogueItem]:
    """The items operators added, by code."""
    statement = select(s.care_catalogue).order_by(s.care_catalogue.c.code)
    return [_catalogue_item(row) for row in connection.execute(statement)]


def catalogue_item(connection: Connection, code: str) -> catalogue.CatalogueItem | None:
    row = connection.execute(select(s.care_catalogue).where(s.care_catalogue.c.code == code)).first()
    return None if row is None else _catalogue_item(row)


def add_catalogue_item(connection: Connection, item: catalogue.CatalogueItem) -> None:
    connection.execute(
        s.care_catalogue.insert().values(
            code=item.code,
            name_zh=item.name_zh,
            name_en=item.name_en,
            category=item.category,
            professional=item.professional,
            qualifications=",".join(item.qualifications),
            rate_percent=item.rate_percent,
            group_activity=item.group,
        )
    )


def _catalogue_item(row: Any) -> catalogue.CatalogueItem:
    return catalogue.CatalogueItem(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        category=row.category,
        professional=row.professional,
        qualifications=tuple(kind for kind in row.qualifications.split(",") if kind),
        rate_percent=row.rate_percent,
        group=row.group_activity,
    )
