"""Orders and what hangs on them: care_orders, care_codes_used, care_ratings,
care_followups and care_disputes.

Owns the queries of orders (by id, a listing, a volunteer's, the ones that clash with a
window, the minutes served), of used check-in codes, of ratings (and the averages
matching ranks by), of follow-ups and of disputes. Must not decide anything: the desk
has read, decided and then writes.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, or_, select

from nodes import tables as s
from nodes.care import records as r
from nodes.care.store.rows import change, find, get, insert, limited, many, save
from timebank import ids

__all__ = [
    "ACTIVE_ORDER_STATES",
    "add_code_used",
    "add_dispute",
    "add_follow_up",
    "add_order",
    "add_rating",
    "clashing_orders",
    "code_used_at_micros",
    "dispute",
    "disputes",
    "find_dispute",
    "find_order",
    "find_rating",
    "order",
    "orders",
    "rating_average_percent",
    "rating_averages_percent",
    "save_dispute",
    "save_order",
    "served_between",
    "served_by_volunteer",
    "set_order_state",
    "settle_order",
    "volunteer_orders",
]


def order(connection: Connection, order_id: int, what: str = "order_id") -> r.Order:
    return get(connection, s.care_orders, r.Order, what, order_id=order_id)


def find_order(connection: Connection, order_id: int) -> r.Order | None:
    return find(connection, s.care_orders, r.Order, order_id=order_id)


def add_order(connection: Connection, new: r.Order) -> None:
    insert(connection, s.care_orders, new)


def save_order(connection: Connection, changed: r.Order) -> None:
    save(connection, s.care_orders, ("order_id",), changed)


def set_order_state(connection: Connection, order_id: int, state: r.OrderState) -> None:
    change(connection, s.care_orders, {"order_id": order_id}, state=state)


def settle_order(
    connection: Connection, order_id: int, state: r.OrderState, credited_minutes: int, deposit_transfer_id: int
) -> None:
    change(
        connection,
        s.care_orders,
        {"order_id": order_id},
        state=state,
        credited_minutes=credited_minutes,
        deposit_transfer_id=deposit_transfer_id,
    )


ACTIVE_ORDER_STATES = (r.OrderState.ACCEPTED, r.OrderState.CHECKED_IN)


def volunteer_orders(connection: Connection, volunteer_id: int, states: Iterable[str]) -> list[r.Order]:
    table = s.care_orders
    statement = select(table).where(
        table.c.volunteer_id == ids.to_hex(volunteer_id), table.c.state.in_([str(state) for state in states])
    )
    return many(connection, statement, r.Order)


def clashing_orders(connection: Connection, order: r.Order, volunteer_id: int = 0) -> list[r.Order]:
    """The accepted or checked-in orders, other than this one, whose window overlaps its window:
    of one volunteer, or (volunteer_id 0) of every volunteer."""
    table = s.care_orders
    statement = (
        select(table)
        .where(
            table.c.state.in_([str(state) for state in ACTIVE_ORDER_STATES]),
            table.c.window_start_micros < order.window_end_micros,
            table.c.window_end_micros > order.window_start_micros,
            table.c.order_id != ids.to_hex(order.order_id),
        )
        .order_by(table.c.window_start_micros, table.c.order_id)
    )
    if volunteer_id:
        statement = statement.where(table.c.volunteer_id == ids.to_hex(volunteer_id))
    return many(connection, statement, r.Order)


def served_between(connection: Connection, volunteer_id: int, start_micros: int, end_micros: int) -> int:
    """Minutes served on a volunteer's orders checked in between two times."""
    return served_by_volunteer(connection, start_micros, end_micros, volunteer_id).get(volunteer_id, 0)


def served_by_volunteer(
    connection: Connection, start_micros: int, end_micros: int, volunteer_id: int = 0
) -> dict[int, int]:
    """Minutes served on orders checked in between two times, by volunteer (one, or every one)."""
    table = s.care_orders
    statement = (
        select(table.c.volunteer_id, func.sum(table.c.served_minutes).label("minutes"))
        .where(table.c.checked_in_micros >= start_micros, table.c.checked_in_micros < end_micros)
        .group_by(table.c.volunteer_id)
    )
    if volunteer_id:
        statement = statement.where(table.c.volunteer_id == ids.to_hex(volunteer_id))
    return {ids.from_hex(row.volunteer_id): int(row.minutes or 0) for row in connection.execute(statement)}


def orders(
    connection: Connection, state: str, person_id: int, limit: int, *, newest_first: bool = False
) -> list[r.Order]:
    table = s.care_orders
    columns = (table.c.published_at_micros, table.c.order_id)
    statement = select(table).order_by(*(column.desc() for column in columns) if newest_first else columns)
    if state:
        statement = statement.where(table.c.state == str(state))
    if person_id:
        shown = ids.to_hex(person_id)
        statement = statement.where(or_(table.c.elder_id == shown, table.c.volunteer_id == shown))
    return many(connection, statement.limit(limited(limit)), r.Order)


def rating_average_percent(connection: Connection, person_id: int) -> int:
    """The average stars a volunteer got on their orders, times 100 (0: none)."""
    return rating_averages_percent(connection, person_id).get(person_id, 0)


def rating_averages_percent(connection: Connection, volunteer_id: int = 0) -> dict[int, int]:
    """The average stars others gave on a volunteer's orders, times 100, by volunteer (one, or
    every rated one)."""
    orders_table, ratings = s.care_orders, s.care_ratings
    statement = (
        select(orders_table.c.volunteer_id, func.avg(ratings.c.stars).label("average"))
        .select_from(ratings.join(orders_table, orders_table.c.order_id == ratings.c.order_id))
        .where(ratings.c.rater_id != orders_table.c.volunteer_id)
        .group_by(orders_table.c.volunteer_id)
    )
    if volunteer_id:
        statement = statement.where(orders_table.c.volunteer_id == ids.to_hex(volunteer_id))
    return {ids.from_hex(row.volunteer_id): round(float(row.average) * 100) for row in connection.execute(statement)}


# -- check-in codes, ratings, follow-ups ---------------------------------------------------------


def code_used_at_micros(connection: Connection, nonce: bytes) -> int | None:
    """When a code with this nonce was scanned (None: never)."""
    table = s.care_codes_used
    row = connection.execute(select(table.c.used_at_micros).where(table.c.nonce == nonce.hex())).first()
    return None if row is None else int(row.used_at_micros)


def add_code_used(connection: Connection, nonce: bytes, order_id: int, purpose: r.CodePurpose, at_micros: int) -> None:
    connection.execute(
        s.care_codes_used.insert().values(
            nonce=nonce.hex(), order_id=ids.to_hex(order_id), purpose=str(purpose), used_at_micros=at_micros
        )
    )


def find_rating(connection: Connection, order_id: int, rater_id: int) -> r.Rating | None:
    return find(connection, s.care_ratings, r.Rating, order_id=order_id, rater_id=rater_id)


def add_rating(connection: Connection, new: r.Rating) -> None:
    insert(connection, s.care_ratings, new)


def add_follow_up(connection: Connection, new: r.FollowUp) -> None:
    insert(connection, s.care_followups, new)


# -- disputes ---------------------------------------------------------------------------------------


def dispute(connection: Connection, dispute_id: int) -> r.Dispute:
    return get(connection, s.care_disputes, r.Dispute, "dispute_id", dispute_id=dispute_id)


def find_dispute(connection: Connection, dispute_id: int) -> r.Dispute | None:
    return find(connection, s.care_disputes, r.Dispute, dispute_id=dispute_id)


def disputes(connection: Connection, state: str, order_id: int, limit: int) -> list[r.Dispute]:
    """Disputes newest first: in a state ("" any), of an order (0 any)."""
    table = s.care_disputes
    statement = select(table).order_by(table.c.opened_at_micros.desc(), table.c.dispute_id)
    if state:
        statement = statement.where(table.c.state == state)
    if order_id:
        statement = statement.where(table.c.order_id == ids.to_hex(order_id))
    return many(connection, statement.limit(limited(limit)), r.Dispute)


def add_dispute(connection: Connection, new: r.Dispute) -> None:
    insert(connection, s.care_disputes, new)


def save_dispute(connection: Connection, changed: r.Dispute) -> None:
    save(connection, s.care_disputes, ("dispute_id",), changed)
