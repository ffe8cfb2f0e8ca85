"""People and their relationships: registration, review, the person as shown, and the
relationships (family, proxy) between people, with who may act for an elder.

Owns the order of reads, checks and writes of these operations, and the claim of a
person's one home node at the clearinghouse (sent in the transaction that registers
them, released when a registration is rejected). Must not: hold SQL (nodes.care.store),
decide other than through the pure rules, or know about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from sqlalchemy import Connection

from nodes.care import records as r
from nodes.care import rules, supervision
from nodes.care.desk.context import Desk
from nodes.care.store import people as people_rows
from nodes.records import ClaimState
from timebank import ids
from timebank.errors import AlreadyExists, ItemRefused, NotNow, RequestInvalid
from timebank.ledger.model import AccountKind, AccountSpec

__all__ = [
    "add_relationship",
    "approved",
    "BIRTH_YEARS_MAX",
    "check_acts_for",
    "claim_home",
    "home_check",
    "home_claim_problem",
    "member_here",
    "people",
    "PEOPLE_NAMED_MAX",
    "person",
    "PERSON_FIELDS",
    "proxies",
    "register_person",
    "relationships",
    "RELATIONSHIP_FIELDS",
    "review_person",
    "set_hardship",
    "review_relationship",
    "shown",
    "shown_all",
]

BIRTH_YEARS_MAX = 130
PEOPLE_NAMED_MAX = 1000  # ids in one ListPeople
PERSON_FIELDS = ("role", "name", "identity_hash", "birth_date", "community", "home_node_id")
RELATIONSHIP_FIELDS = ("kind", "person_id", "other_node_id", "other_person_id", "relation")


def register_person(
    desk: Desk,
    person_id: int,
    role: str,
    name: str,
    identity_number: str,
    birth_date: str,
    community: str,
    home_node_id: str = "",
) -> r.Person:
    rules.choice("role", role, rules.ROLES)
    born = rules.parse_date("birth_date", birth_date)
    today = desk.today()
    if born > today or rules.age_years(born, today) > BIRTH_YEARS_MAX:
        raise RequestInvalid(f"birth_date: got {birth_date}, want a date in the last {BIRTH_YEARS_MAX} years")
    number = rules.check_identity_number(identity_number, born)
    home = home_node_id.strip() or desk.node_id
    if home != desk.node_id and role != r.Role.VOLUNTEER:
        raise RequestInvalid(f"home_node_id: only a volunteer may be homed at another node ({home}), got role {role}")
    wanted = r.Person(
        person_id=person_id,
        role=r.Role(role),
        name=rules.text("name", name, rules.NAME_LENGTH_MAX),
        identity_hash=rules.identity_hash(desk.identity_key, number),
        identity_masked=rules.mask_identity(number),
        birth_date=born.isoformat(),
        community=rules.text("community", community, rules.NAME_LENGTH_MAX),
        home_node_id=home,
        state=r.ReviewState.PENDING,
        registered_at_micros=desk.clock.now_micros(),
    )

    def work(connection: Connection) -> r.Person:
        stored = people_rows.find_person(connection, person_id)
        if (existing := rules.repeated(stored, wanted, "person_id", PERSON_FIELDS)) is not None:
            return existing
        twin = people_rows.person_by_identity(connection, wanted.identity_hash)
        if twin is not None:
            raise AlreadyExists(
                f"identity_number: this person is registered here already as {ids.to_hex(twin.person_id)} "
                f"({twin.role}, {twin.state}); one person has one record at a node"
            )
        people_rows.add_person(connection, wanted)
        if home == desk.node_id:
            claim_home(desk, connection, wanted)
        return wanted

    return shown(desk, desk.write(work, "RegisterPerson"))


def claim_home(desk: Desk, connection: Connection, person: r.Person, *, release: bool = False) -> None:
    """Asks the clearinghouse to record (or release) this node as the person's one home."""
    if desk.crossing is not None:
        desk.crossing.claim_home(connection, bytes.fromhex(person.identity_hash), person.person_id, release=release)
        desk.queued()


def home_claim_problem(desk: Desk, connection: Connection, person: r.Person) -> str:
    """Why approval must wait ("" when it need not): the clearinghouse has not confirmed
    that no other node is the person's home. A claim never sent (the person was
    registered before this node joined a city) is sent now."""
    if desk.crossing is None or person.home_node_id != desk.node_id:
        return ""
    state, reason = desk.crossing.home_claim(connection, person.person_id)
    if state == ClaimState.CONFIRMED:
        return ""
    if state == ClaimState.REFUSED:
        return f"{reason}; reject this registration"
    if not state:
        claim_home(desk, connection, person)
    return (
        "identity: the clearinghouse has not yet confirmed that this person has no other home node; "
        "try again in a few seconds"
    )


def review_person(desk: Desk, person_id: int, approve: bool, reason: str, hardship: bool, operator: str) -> r.Person:
    operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)
    reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX, required=not approve)

    def work(connection: Connection) -> r.Person | str:
        person = people_rows.person(connection, person_id)
        if person.state != r.ReviewState.PENDING:
            raise NotNow(f"person_id: {ids.to_hex(person_id)} was {person.state} already on review")
        if not approve:
            claim_home(desk, connection, person, release=True)
        elif problem := home_claim_problem(desk, connection, person):
            return problem  # committed: a claim sent now must not roll back
        reviewed = dataclasses.replace(
            person,
            state=r.ReviewState.APPROVED if approve else r.ReviewState.REJECTED,
            review_reason=reason,
            reviewed_by=operator,
            hardship=hardship and approve,
            reviewed_at_micros=desk.clock.now_micros(),
        )
        if approve and reviewed.home_node_id == desk.node_id:
            holder = f"{person.role} {person.identity_masked}"
            spec = AccountSpec(id=person_id, kind=AccountKind.MEMBER, holder=holder)
            result = desk.books.add_accounts(connection, [spec])[0]
            if not result.outcome.succeeded:
                raise ItemRefused(result.outcome, f"person_id: the member account was not created: {result.detail}")
        people_rows.save_person(connection, reviewed)
        return reviewed

    reviewed = desk.write(work, "ReviewPerson")
    if isinstance(reviewed, str):
        raise NotNow(reviewed)
    return shown(desk, reviewed)


def set_hardship(desk: Desk, person_id: int, hardship: bool, reason: str, operator: str) -> r.Person:
    """An approved person's circumstances changed: hardship recorded or cleared, with who and why."""
    operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)
    reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX - len("hardship recorded: "), required=True)

    def work(connection: Connection) -> r.Person:
        found = approved(connection, person_id, "person_id")
        if found.hardship == hardship:
            state = "recorded" if hardship else "not recorded"
            raise NotNow(f"hardship: {ids.to_hex(person_id)} has hardship {state} already")
        changed = dataclasses.replace(
            found,
            hardship=hardship,
            review_reason=f"hardship {'recorded' if hardship else 'cleared'}: {reason}",
            reviewed_by=operator,
            reviewed_at_micros=desk.clock.now_micros(),
        )
        people_rows.save_person(connection, changed)
        return changed

    return shown(desk, desk.write(work, "SetHardship"))


def person(desk: Desk, person_id: int) -> r.Person:
    return shown(desk, desk.read(lambda connection: people_rows.person(connection, person_id)))


def people(desk: Desk, state: str, role: str, limit: int, person_ids: Sequence[int] = ()) -> list[r.Person]:
    if state:
        rules.choice("state", state, rules.REVIEW_STATES)
    if role:
        rules.choice("role", role, rules.ROLES)
    if len(person_ids) > PEOPLE_NAMED_MAX:
        raise RequestInvalid(f"person_ids: got {len(person_ids)}, want at most {PEOPLE_NAMED_MAX}")
    return desk.read(lambda c: shown_all(desk, c, people_rows.people(c, state, role, limit, person_ids)))


def shown(desk: Desk, person: r.Person) -> r.Person:
    return desk.read(lambda connection: shown_all(desk, connection, [person]))[0]


def shown_all(desk: Desk, connection: Connection, people: list[r.Person]) -> list[r.Person]:
    """The people with their balances here (one read of their accounts), their age today
    and the check of their home."""
    accounts = desk.books.read_accounts(connection, [person.person_id for person in people])
    today = desk.today()
    result = []
    for person in people:
        age = rules.age_years(datetime.date.fromisoformat(person.birth_date), today)
        person = dataclasses.replace(person, age_years=age, home_check=home_check(desk, connection, person))
        account = accounts.get(person.person_id)
        if account is not None:
            person = dataclasses.replace(
                person, balance_minutes=account.balance_minutes, available_minutes=account.available_minutes
            )
        result.append(person)
    return result


def home_check(desk: Desk, connection: Connection, person: r.Person) -> str:
    if desk.crossing is None or person.home_node_id != desk.node_id:
        return ""
    state, reason = desk.crossing.home_claim(connection, person.person_id)
    if state == ClaimState.SENT:
        return "waiting"
    if state == ClaimState.REFUSED:
        return f"refused: {reason}"
    return state


# -- reads and checks the other subjects share --------------------------------------------------


def approved(connection: Connection, person_id: int, name: str, role: str = "") -> r.Person:
    """The person named by the field `name`, approved (and of the role, if one is named)."""
    return rules.check_approved(people_rows.person(connection, person_id, name), name, role)


def member_here(desk: Desk, connection: Connection, person_id: int, name: str) -> r.Person:
    """The approved person, holding their hours at this node."""
    return rules.check_member_here(people_rows.person(connection, person_id, name), name, desk.node_id)


def proxies(connection: Connection, elder_id: int, acting_id: int) -> list[r.Relationship]:
    """The verified proxy relationships by which the acting person acts for the elder."""
    return people_rows.verified_relationships(
        connection, r.RelationshipKind.PROXY, person_id=elder_id, other_person_id=acting_id
    )


def check_acts_for(connection: Connection, acting_id: int, elder_id: int, *, volunteer_id: int = 0) -> None:
    """The acting person is the elder, a verified proxy of the elder (or the order's volunteer)."""
    acting = people_rows.person(connection, acting_id, "acting_person_id")
    found = [] if acting_id in (elder_id, volunteer_id) else proxies(connection, elder_id, acting_id)
    rules.check_acts_for(acting, elder_id, found, volunteer_id=volunteer_id)


# -- relationships ------------------------------------------------------------------------------


def add_relationship(
    desk: Desk,
    relationship_id: int,
    kind: str,
    person_id: int,
    other_node_id: str,
    other_person_id: int,
    relation: str,
) -> r.Relationship:
    rules.choice("kind", kind, rules.RELATIONSHIP_KINDS)
    other_node = other_node_id.strip() or desk.node_id
    if kind == r.RelationshipKind.PROXY and other_node != desk.node_id:
        raise RequestInvalid("other_node_id: a proxy must be registered at the elder's node")
    if not other_person_id or other_person_id == person_id:
        raise RequestInvalid("other_person_id: want another person")
    wanted = r.Relationship(
        relationship_id=relationship_id,
        kind=r.RelationshipKind(kind),
        person_id=person_id,
        other_node_id=other_node,
        other_person_id=other_person_id,
        relation=rules.text("relation", relation, rules.NAME_LENGTH_MAX),
        state=r.RelationshipState.PENDING,
        created_at_micros=desk.clock.now_micros(),
    )

    def work(connection: Connection) -> r.Relationship:
        stored = people_rows.find_relationship(connection, relationship_id)
        if (existing := rules.repeated(stored, wanted, "relationship_id", RELATIONSHIP_FIELDS)) is not None:
            return existing
        approved(connection, person_id, "person_id", r.Role.ELDER if kind == r.RelationshipKind.PROXY else "")
        if other_node == desk.node_id:
            approved(connection, other_person_id, "other_person_id")
        people_rows.add_relationship(connection, wanted)
        return wanted

    return desk.write(work, "AddRelationship")


def relationships(desk: Desk, person_id: int, state: str, limit: int) -> list[r.Relationship]:
    if state:
        rules.choice("state", state, tuple(r.RelationshipState))
    return desk.read(lambda connection: people_rows.relationships(connection, person_id, state, limit))


def review_relationship(desk: Desk, relationship_id: int, approve: bool, reason: str, operator: str) -> r.Relationship:
    rules.text("operator", operator, rules.NAME_LENGTH_MAX)
    reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX, required=not approve)

    def work(connection: Connection) -> r.Relationship:
        found = people_rows.relationship(connection, relationship_id)
        if found.state != r.RelationshipState.PENDING:
            raise NotNow(f"relationship_id: {ids.to_hex(relationship_id)} was {found.state} already on review")
        state = r.RelationshipState.VERIFIED if approve else r.RelationshipState.REJECTED
        reviewed = dataclasses.replace(found, state=state, review_reason=reason)
        people_rows.save_relationship(connection, reviewed)
        if approve and found.kind == r.RelationshipKind.PROXY:
            elders = people_rows.verified_relationships(
                connection, r.RelationshipKind.PROXY, other_person_id=found.other_person_id
            )
            desk.raise_alerts(
                connection, supervision.proxy_load(found.other_person_id, [e.person_id for e in elders], desk.policy)
            )
        return reviewed

    return desk.write(work, "ReviewRelationship")
