"""What one person may see of their own, and may do on their own phone: their balance,
movements and orders, the elders they are a verified proxy of and those elders' orders,
one order they are party to with what they may do with it now, and what scanning a
check-in code will do before anyone signs in.

Owns these reads and the rule of who is party to an order (its volunteer, its elder, or
a verified proxy of the elder); the changes themselves are the visits' and the disputes'
operations, called by `nodes.personal` as the person. Must not: hold SQL
(nodes.care.store), or know about protobuf or gRPC.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from nodes.care import records as r
from nodes.care import rules
from nodes.care.desk import people
from nodes.care.desk.context import Desk
from nodes.care.desk.visits import RATED_STATES
from nodes.care.store import hours as hour_rows
from nodes.care.store import orders as order_rows
from nodes.care.store import people as people_rows
from timebank import ids
from timebank.errors import NotPermitted

__all__ = [
    "SHOWN_MAX",
    "Action",
    "CodeView",
    "OwnAccount",
    "OwnOrder",
    "account",
    "describe_code",
    "mask_name",
    "order",
]

SHOWN_MAX = 100  # movements and orders on a person's own page


class Action:
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    RATE = "rate"


@dataclass(frozen=True)
class OwnAccount:
    person: r.Person
    movements: list[r.Movement]
    orders: list[r.Order]
    elders: list[r.Person]
    elders_orders: list[r.Order]
    item_names: dict[str, str]  # the catalogue's (Chinese) name of each item in the orders


@dataclass(frozen=True)
class OwnOrder:
    order: r.Order
    dispute: r.Dispute | None
    elder_name: str
    volunteer_name: str
    item_name: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class CodeView:
    order: r.Order
    purpose: r.CodePurpose
    expires_at_micros: int
    elder_name_masked: str
    volunteer_name_masked: str
    item_name: str
    used: bool


def mask_name(name: str) -> str:
    """A name as a code's page shows it before sign-in: the first character, then stars."""
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def _name(connection: Connection, person_id: int) -> str:
    found = people_rows.find_person(connection, person_id) if person_id else None
    return found.name if found is not None else ""


def account(desk: Desk, person_id: int) -> OwnAccount:
    def work(connection: Connection) -> OwnAccount:
        me = people_rows.person(connection, person_id, "person_id")
        acted_for = people_rows.verified_relationships(connection, r.RelationshipKind.PROXY, other_person_id=person_id)
        elders = [people_rows.person(connection, link.person_id, "elder_id") for link in acted_for]
        elders_orders = [
            found
            for elder in elders
            for found in order_rows.orders(connection, "", elder.person_id, SHOWN_MAX, newest_first=True)
        ]
        own_orders = order_rows.orders(connection, "", person_id, SHOWN_MAX, newest_first=True)
        elders_orders = sorted(elders_orders, key=lambda o: o.published_at_micros, reverse=True)[:SHOWN_MAX]
        codes = {found.item_code for found in own_orders + elders_orders}
        return OwnAccount(
            person=people.shown_all(desk, connection, [me])[0],
            movements=hour_rows.movements_of(connection, person_id, SHOWN_MAX),
            orders=own_orders,
            elders=people.shown_all(desk, connection, elders),
            elders_orders=elders_orders,
            item_names={code: desk.item(connection, code).name_zh for code in sorted(codes)},
        )

    return desk.read(work)


def order(desk: Desk, order_id: int, person_id: int) -> OwnOrder:
    """One order the person is party to; PERMISSION_DENIED for anyone else's."""

    def work(connection: Connection) -> OwnOrder:
        found = order_rows.order(connection, order_id)
        elder_side = person_id == found.elder_id or bool(people.proxies(connection, found.elder_id, person_id))
        if not elder_side and person_id != found.volunteer_id:
            raise NotPermitted(f"order_id: {ids.to_hex(order_id)} is not an order of {ids.to_hex(person_id)}")
        disputes = order_rows.disputes(connection, "", order_id, 1)
        rated = order_rows.find_rating(connection, order_id, person_id) is not None
        actions = []
        if found.state == r.OrderState.CHECKED_OUT:
            actions += [Action.CONFIRM] if elder_side else []
            actions += [] if disputes else [Action.DISPUTE]
        if found.state in RATED_STATES and not rated:
            actions.append(Action.RATE)
        return OwnOrder(
            order=found,
            dispute=disputes[0] if disputes else None,
            elder_name=_name(connection, found.elder_id),
            volunteer_name=_name(connection, found.volunteer_id),
            item_name=desk.item(connection, found.item_code).name_zh,
            actions=tuple(actions),
        )

    return desk.read(work)


def describe_code(desk: Desk, code: str) -> CodeView:
    """What scanning a code will do; refuses a code this node did not sign or that expired."""
    claims = rules.open_code(desk.signing_key.public_key(), code.strip(), desk.clock.now_micros())

    def work(connection: Connection) -> CodeView:
        found = order_rows.order(connection, claims.order_id)
        return CodeView(
            order=found,
            purpose=claims.purpose,
            expires_at_micros=claims.expires_at_micros,
            elder_name_masked=mask_name(_name(connection, found.elder_id)),
            volunteer_name_masked=mask_name(_name(connection, found.volunteer_id)),
            item_name=desk.item(connection, found.item_code).name_zh,
            used=order_rows.code_used_at_micros(connection, claims.nonce) is not None,
        )

    return desk.read(work)
