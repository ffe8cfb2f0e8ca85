"""Movements of hours and the points mall: care_movements, care_mall_items and care_redemptions.

Owns the queries of the movements index (every ledger transfer the services made, by
kind, person and month: what is too recent to give, the gifts between two people, a
volunteer's deposits for a certificate) and of the mall's items and redemptions. The
ledger itself is the books'; this only names its transfers. Must not decide anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, and_, func, or_, select

from nodes import tables as s
from nodes.care import records as r
from nodes.care.store.rows import change, find, get, insert, limited, many, save
from timebank import ids

__all__ = [
    "add_mall_item",
    "add_movement",
    "add_redemption",
    "deposits_of",
    "deposits_since",
    "find_mall_item",
    "find_movement",
    "find_redemption",
    "gifts_between",
    "mall_item",
    "mall_items",
    "movements_of",
    "redemption",
    "redemptions",
    "save_mall_item",
    "save_redemption",
    "SERVICE_KINDS",
    "set_mall_stock",
    "set_movement_state",
]


def find_movement(connection: Connection, transfer_id: int) -> r.Movement | None:
    return find(connection, s.care_movements, r.Movement, transfer_id=transfer_id)


def add_movement(connection: Connection, new: r.Movement) -> None:
    insert(connection, s.care_movements, new)


def movements_of(connection: Connection, person_id: int, limit: int) -> list[r.Movement]:
    """A person's movements, newest first: those made for them (deposits, grants) or by them
    (gifts, donations, redemptions), and those where they are the counterparty (a service
    they paid for, hours given to them)."""
    table = s.care_movements
    person = ids.to_hex(person_id)
    statement = (
        select(table)
        .where(or_(table.c.person_id == person, table.c.counterparty_id == person))
        .order_by(table.c.at_micros.desc(), table.c.transfer_id)
        .limit(limited(limit))
    )
    return many(connection, statement, r.Movement)


def set_movement_state(connection: Connection, transfer_id: int, state: r.MovementState) -> None:
    change(connection, s.care_movements, {"transfer_id": transfer_id}, state=state)


def _strings(values: Iterable[str]) -> list[str]:
    return [str(value) for value in values]


# Hours credited to a volunteer for a service: minted by the node, or paid by the elder.
SERVICE_KINDS = (r.MovementKind.DEPOSIT, r.MovementKind.REDEEM)


def deposits_since(connection: Connection, person_id: int, since_micros: int) -> int:
    """Minutes deposited to a member for services since a time (still too recent to give away)."""
    table = s.care_movements
    statement = select(func.coalesce(func.sum(table.c.amount_minutes), 0)).where(
        table.c.person_id == ids.to_hex(person_id),
        table.c.kind.in_(_strings(SERVICE_KINDS)),
        table.c.at_micros >= since_micros,
    )
    return int(connection.execute(statement).scalar_one())


def gifts_between(connection: Connection, first_id: int, second_id: int) -> list[r.Movement]:
    table = s.care_movements
    a, b = ids.to_hex(first_id), ids.to_hex(second_id)
    statement = select(table).where(
        table.c.kind == str(r.MovementKind.FAMILY),
        or_(
            and_(table.c.person_id == a, table.c.counterparty_id == b),
            and_(table.c.person_id == b, table.c.counterparty_id == a),
        ),
    )
    return many(connection, statement, r.Movement)


def deposits_of(
    connection: Connection, person_id: int, start_micros: int, end_micros: int, limit: int
) -> list[r.Movement]:
    """A person's deposits for services between two times, the earliest first (at most limit)."""
    table = s.care_movements
    statement = (
        select(table)
        .where(
            table.c.person_id == ids.to_hex(person_id),
            table.c.kind.in_(_strings(SERVICE_KINDS)),
            table.c.at_micros >= start_micros,
            table.c.at_micros < end_micros,
        )
        .order_by(table.c.at_micros, table.c.transfer_id)
        .limit(limit)
    )
    return many(connection, statement, r.Movement)


# -- the points mall -----------------------------------------------------------------------------------


def mall_item(connection: Connection, item_code: str) -> r.MallItem:
    return get(connection, s.care_mall_items, r.MallItem, "item_code", item_code=item_code)


def find_mall_item(connection: Connection, item_code: str) -> r.MallItem | None:
    return find(connection, s.care_mall_items, r.MallItem, item_code=item_code)


def add_mall_item(connection: Connection, new: r.MallItem) -> None:
    insert(connection, s.care_mall_items, new)


def save_mall_item(connection: Connection, changed: r.MallItem) -> None:
    save(connection, s.care_mall_items, ("item_code",), changed)


def set_mall_stock(connection: Connection, item_code: str, stock: int, reserved: int) -> None:
    change(connection, s.care_mall_items, {"item_code": item_code}, stock=stock, reserved=reserved)


def mall_items(connection: Connection) -> list[r.MallItem]:
    return many(connection, select(s.care_mall_items).order_by(s.care_mall_items.c.item_code), r.MallItem)


def redemption(connection: Connection, redemption_id: int) -> r.MallRedemption:
    return get(connection, s.care_redemptions, r.MallRedemption, "redemption_id", redemption_id=redemption_id)


def find_redemption(connection: Connection, redemption_id: int) -> r.MallRedemption | None:
    return find(connection, s.care_redemptions, r.MallRedemption, redemption_id=redemption_id)


def redemptions(connection: Connection, state: str, person_id: int, limit: int) -> list[r.MallRedemption]:
    """Mall redemptions newest first: in a state ("" any), of a person (0 anyone's)."""
    table = s.care_redemptions
    statement = select(table).order_by(table.c.created_at_micros.desc(), table.c.redemption_id)
    if state:
        statement = statement.where(table.c.state == state)
    if person_id:
        statement = statement.where(table.c.person_id == ids.to_hex(person_id))
    return many(connection, statement.limit(limited(limit)), r.MallRedemption)


def add_redemption(connection: Connection, new: r.MallRedemption) -> None:
    insert(connection, s.care_redemptions, new)


def save_redemption(connection: Connection, changed: r.MallRedemption) -> None:
    save(connection, s.care_redemptions, ("redemption_id",), changed)
