"""The service catalogue and volunteers' qualifications: the items an order may name, the
items operators add, qualifications registered and reviewed, and whether a volunteer's
qualifications let them serve an item on a day.

Owns the order of reads, checks and writes of these operations. Must not: hold SQL
(nodes.care.store), decide other than through the pure rules (the qualification check
itself is rules.qualification_refusal), or know about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses
import datetime

from sqlalchemy import Connection

from nodes.care import catalogue, rules
from nodes.care import records as r
from nodes.care.desk.context import Desk
from nodes.care.store import people as people_rows
from nodes.care.store import qualifications as qualification_rows
from timebank import ids
from timebank.errors import AlreadyExists, NotNow

__all__ = [
    "add_catalogue_item",
    "add_qualification",
    "catalogue_items",
    "qualifications",
    "QUALIFICATION_FIELDS",
    "refusal",
    "review_qualification",
]

QUALIFICATION_FIELDS = ("person_id", "kind", "issuer", "number", "scope", "expires_on")


def catalogue_items(desk: Desk) -> list[catalogue.CatalogueItem]:
    added = desk.read(qualification_rows.catalogue_items)
    return [*catalogue.SHIPPED, *added]


def add_catalogue_item(desk: Desk, item: catalogue.CatalogueItem) -> catalogue.CatalogueItem:
    item.check()
    if item.code in catalogue.SHIPPED_BY_CODE:
        raise AlreadyExists(f"item.code: {item.code!r} is a shipped item and cannot be redefined")
    fields = tuple(field.name for field in dataclasses.fields(item))

    def work(connection: Connection) -> catalogue.CatalogueItem:
        stored = qualification_rows.catalogue_item(connection, item.code)
        if (existing := rules.repeated(stored, item, "item.code", fields)) is not None:
            return existing
        qualification_rows.add_catalogue_item(connection, item)
        return item

    return desk.write(work, "AddCatalogueItem")


def add_qualification(
    desk: Desk,
    qualification_id: int,
    person_id: int,
    kind: str,
    issuer: str,
    number: str,
    scope: str,
    expires_on: str,
) -> r.Qualification:
    rules.choice("kind", kind, catalogue.QUALIFICATION_KINDS)
    expires = rules.parse_date("expires_on", expires_on)
    if expires < desk.today():
        raise NotNow(f"expires_on: {expires_on} has passed; an expired qualification cannot be registered")
    wanted = r.Qualification(
        qualification_id=qualification_id,
        person_id=person_id,
        kind=kind,
        issuer=rules.text("issuer", issuer, 80),
        number=rules.text("number", number, rules.NAME_LENGTH_MAX),
        scope=rules.text("scope", scope, 80, required=False),
        expires_on=expires.isoformat(),
        state=r.ReviewState.PENDING,
        created_at_micros=desk.clock.now_micros(),
    )

    def work(connection: Connection) -> r.Qualification:
        stored = qualification_rows.find_qualification(connection, qualification_id)
        if (existing := rules.repeated(stored, wanted, "qualification_id", QUALIFICATION_FIELDS)) is not None:
            return existing
        person = people_rows.person(connection, person_id)
        if person.role != r.Role.VOLUNTEER:
            raise NotNow(f"person_id: {ids.to_hex(person_id)} is a {person.role}; qualifications are for volunteers")
        qualification_rows.add_qualification(connection, wanted)
        return wanted

    return desk.write(work, "AddQualification")


def qualifications(desk: Desk, person_id: int, state: str, limit: int) -> list[r.Qualification]:
    if state:
        rules.choice("state", state, tuple(r.ReviewState))
    return desk.read(lambda connection: qualification_rows.qualifications(connection, person_id, state, limit))


def review_qualification(
    desk: Desk, qualification_id: int, approve: bool, reason: str, operator: str
) -> r.Qualification:
    rules.text("operator", operator, rules.NAME_LENGTH_MAX)
    reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX, required=not approve)

    def work(connection: Connection) -> r.Qualification:
        found = qualification_rows.qualification(connection, qualification_id)
        if found.state != r.ReviewState.PENDING:
            raise NotNow(f"qualification_id: {ids.to_hex(qualification_id)} was {found.state} already on review")
        state = r.ReviewState.APPROVED if approve else r.ReviewState.REJECTED
        reviewed = dataclasses.replace(found, state=state, review_reason=reason)
        qualification_rows.save_qualification(connection, reviewed)
        return reviewed

    return desk.write(work, "ReviewQualification")


def refusal(connection: Connection, item: catalogue.CatalogueItem, volunteer_id: int, on: datetime.date) -> str | None:
    """Why the volunteer may not serve this item on that day (None when they may)."""
    held = qualification_rows.approved_qualifications(connection, volunteer_id) if item.professional else []
    return rules.qualification_refusal(item, volunteer_id, held, on)
