"""People and their relationships in the care_people and care_relationships tables.

Owns the queries of people (by id, by the keyed hash of their identity, pages of a
listing, the pool matching chooses from) and of relationships (by id, the verified ones
between two people). Must not decide anything: the desk has read, decided and then writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, or_, select

from nodes import tables as s
from nodes.care import records as r
from nodes.care.store.rows import LIST_LIMIT_MAX, change, find, get, insert, limited, many, save
from timebank import ids

__all__ = [
    "add_person",
    "approved_by_role",
    "add_relationship",
    "find_person",
    "known_person_ids",
    "find_relationship",
    "match_pool",
    "people",
    "person",
    "person_by_identity",
    "relationship",
    "relationships",
    "save_person",
    "save_relationship",
    "set_group_locked",
    "verified_relationships",
]


def person(connection: Connection, person_id: int, what: str = "person_id") -> r.Person:
    """The person, or NotFound naming the field that named them (`what`)."""
    return get(connection, s.care_people, r.Person, what, person_id=person_id)


def find_person(connection: Connection, person_id: int) -> r.Person | None:
    return find(connection, s.care_people, r.Person, person_id=person_id)


def person_by_identity(connection: Connection, identity_hash: str) -> r.Person | None:
    return find(connection, s.care_people, r.Person, identity_hash=identity_hash)


def add_person(connection: Connection, new: r.Person) -> None:
    insert(connection, s.care_people, new)


def save_person(connection: Connection, changed: r.Person) -> None:
    save(connection, s.care_people, ("person_id",), changed)


def set_group_locked(connection: Connection, person_id: int, group_locked_minutes: int) -> None:
    change(connection, s.care_people, {"person_id": person_id}, group_locked_minutes=group_locked_minutes)


def people(connection: Connection, state: str, role: str, limit: int, person_ids: Sequence[int] = ()) -> list[r.Person]:
    """A page of people for a listing (at most LIST_LIMIT_MAX); only person_ids, if any."""
    return _people(connection, state, role, limited(limit), person_ids)


def known_person_ids(connection: Connection, person_ids: Sequence[int]) -> set[int]:
    """Which of person_ids are people of the services here (one query a thousand ids)."""
    known: set[int] = set()
    for start in range(0, len(person_ids), LIST_LIMIT_MAX):
        page = person_ids[start : start + LIST_LIMIT_MAX]
        known.update(person.person_id for person in _people(connection, "", "", len(page), page))
    return known


def approved_by_role(connection: Connection) -> dict[str, int]:
    """How many approved people each role has (roles with none are absent)."""
    table = s.care_people.c
    rows = connection.execute(
        select(table.role, func.count()).where(table.state == str(r.ReviewState.APPROVED)).group_by(table.role)
    )
    return {role: int(count) for role, count in rows}


def match_pool(connection: Connection, limit: int) -> list[r.Person]:
    """The approved volunteers matching chooses from, the earliest registered first."""
    return _people(connection, r.ReviewState.APPROVED, r.Role.VOLUNTEER, limit)


def _people(
    connection: Connection, state: str, role: str, limit: int, person_ids: Sequence[int] = ()
) -> list[r.Person]:
    statement = select(s.care_people).order_by(s.care_people.c.registered_at_micros, s.care_people.c.person_id)
    if person_ids:
        statement = statement.where(s.care_people.c.person_id.in_([ids.to_hex(i) for i in person_ids]))
    if state:
        statement = statement.where(s.care_people.c.state == str(state))
    if role:
        statement = statement.where(s.care_people.c.role == str(role))
    return many(connection, statement.limit(limit), r.Person)


# -- relationships ------------------------------------------------------------------------------


def relationship(connection: Connection, relationship_id: int) -> r.Relationship:
    return get(connection, s.care_relationships, r.Relationship, "relationship_id", relationship_id=relationship_id)


def find_relationship(connection: Connection, relationship_id: int) -> r.Relationship | None:
    return find(connection, s.care_relationships, r.Relationship, relationship_id=relationship_id)


def add_relationship(connection: Connection, new: r.Relationship) -> None:
    insert(connection, s.care_relationships, new)


def save_relationship(connection: Connection, changed: r.Relationship) -> None:
    save(connection, s.care_relationships, ("relationship_id",), changed)


def relationships(connection: Connection, person_id: int, state: str, limit: int) -> list[r.Relationship]:
    """Relationships newest first: of a person on either side (0: anyone's), in a state ("" any)."""
    table = s.care_relationships
    statement = select(table).order_by(table.c.created_at_micros.desc(), table.c.relationship_id)
    if person_id:
        person = ids.to_hex(person_id)
        statement = statement.where(or_(table.c.person_id == person, table.c.other_person_id == person))
    if state:
        statement = statement.where(table.c.state == state)
    return many(connection, statement.limit(limited(limit)), r.Relationship)


def verified_relationships(
    connection: Connection, kind: r.RelationshipKind, *, person_id: int = 0, other_person_id: int = 0
) -> list[r.Relationship]:
    table = s.care_relationships
    statement = select(table).where(table.c.kind == str(kind), table.c.state == str(r.RelationshipState.VERIFIED))
    if person_id:
        statement = statement.where(table.c.person_id == ids.to_hex(person_id))
    if other_person_id:
        statement = statement.where(table.c.other_person_id == ids.to_hex(other_person_id))
    return many(connection, statement, r.Relationship)
