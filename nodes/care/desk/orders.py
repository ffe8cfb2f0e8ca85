"""Demands and orders before the service: publishing a demand, reading orders, matching
volunteers to a demand, accepting it, and releasing or cancelling it.

Owns the order of reads, checks and writes of these operations, and who may change an
order (the elder, a verified proxy, the order's volunteer or an operator by name). Must
not: hold SQL (nodes.care.store), decide other than through the pure rules, or know
about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import Connection

from nodes.care import catalogue, rules
from nodes.care import records as r
from nodes.care.desk import people, qualifications
from nodes.care.desk.context import Desk
from nodes.care.store import orders as order_rows
from nodes.care.store import people as people_rows
from nodes.care.store import qualifications as qualification_rows
from timebank import ids
from timebank.errors import NotNow, NotPermitted, RequestInvalid

__all__ = [
    "accept",
    "cancel",
    "candidates",
    "change_order",
    "check_volunteer",
    "match",
    "MATCH_LIMIT_DEFAULT",
    "MATCH_LIMIT_MAX",
    "MATCH_POOL_MAX",
    "order",
    "ORDER_FIELDS",
    "orders",
    "publish_demand",
    "RECENT_DAYS",
    "release",
    "who_acts",
    "why_unavailable",
]

MATCH_LIMIT_DEFAULT, MATCH_LIMIT_MAX = 10, 100
MATCH_POOL_MAX = 5_000
RECENT_DAYS = 30
ORDER_FIELDS = ("elder_id", "publisher_id", "item_code", "window_start_micros", "window_end_micros", "paid_by")


def publish_demand(
    desk: Desk,
    order_id: int,
    elder_id: int,
    acting_person_id: int,
    item_code: str,
    window_start_micros: int,
    window_end_micros: int,
    community: str,
    place: str,
    notes: str,
    paid_by: str,
) -> r.Order:
    payer = r.Payer(rules.choice("paid_by", paid_by or r.Payer.NODE, rules.PAYERS))
    now = desk.clock.now_micros()
    rules.check_window(window_start_micros, window_end_micros, now)
    place = rules.text("place", place, 80, required=False)
    notes = rules.text("notes", notes, rules.REASON_LENGTH_MAX, required=False)

    def work(connection: Connection) -> r.Order:
        elder = people.approved(connection, elder_id, "elder_id", r.Role.ELDER)
        wanted = r.Order(
            order_id=order_id,
            elder_id=elder_id,
            publisher_id=acting_person_id,
            item_code=item_code,
            window_start_micros=window_start_micros,
            window_end_micros=window_end_micros,
            community=rules.text("community", community, rules.NAME_LENGTH_MAX, required=False) or elder.community,
            place=place,
            notes=notes,
            paid_by=payer,
            state=r.OrderState.OPEN,
            published_at_micros=now,
        )
        stored = order_rows.find_order(connection, order_id)
        if (existing := rules.repeated(stored, wanted, "order_id", ORDER_FIELDS)) is not None:
            return existing
        people.check_acts_for(connection, acting_person_id, elder_id)
        desk.item(connection, item_code)
        if payer == r.Payer.ELDER:
            rules.check_elder_may_redeem(elder, desk.node_id, desk.today(), desk.policy)
        order_rows.add_order(connection, wanted)
        return wanted

    return desk.write(work, "PublishDemand")


def order(desk: Desk, order_id: int) -> r.Order:
    return desk.read(lambda connection: order_rows.order(connection, order_id))


def orders(desk: Desk, state: str, person_id: int, limit: int) -> list[r.Order]:
    if state:
        rules.choice("state", state, rules.ORDER_STATES)
    return desk.read(lambda connection: order_rows.orders(connection, state, person_id, limit))


# -- matching and acceptance ----------------------------------------------------------------------


def match(desk: Desk, order_id: int, limit: int) -> list[tuple[int, rules.CandidateFacts]]:
    limit = limit or MATCH_LIMIT_DEFAULT
    if not 1 <= limit <= MATCH_LIMIT_MAX:
        raise RequestInvalid(f"limit: got {limit}, want 1..={MATCH_LIMIT_MAX}")

    def work(connection: Connection) -> list[tuple[int, rules.CandidateFacts]]:
        found = order_rows.order(connection, order_id)
        if found.state != r.OrderState.OPEN:
            raise NotNow(f"order_id: {ids.to_hex(order_id)} is {found.state}; only open demands are matched")
        item = desk.item(connection, found.item_code)
        return list(enumerate(rules.rank(candidates(desk, connection, found, item))[:limit], start=1))

    return desk.read(work)


def candidates(
    desk: Desk, connection: Connection, order: r.Order, item: catalogue.CatalogueItem
) -> list[rules.CandidateFacts]:
    """Every approved volunteer who may take the order, with the facts ranking uses.

    The same rules as why_unavailable, read for the whole pool in five queries whatever
    its size (up to MATCH_POOL_MAX volunteers).
    """
    pool = people_rows.match_pool(connection, MATCH_POOL_MAX)
    if item.professional:
        on = rules.local_date(order.window_end_micros, desk.policy.utc_offset_hours).isoformat()
        qualified = qualification_rows.valid_qualification_holders(connection, item.qualifications, on)
        pool = [volunteer for volunteer in pool if volunteer.person_id in qualified]
    booked = {other.volunteer_id for other in order_rows.clashing_orders(connection, order)}
    now = desk.clock.now_micros()
    ratings = order_rows.rating_averages_percent(connection)
    recent = order_rows.served_by_volunteer(connection, now - RECENT_DAYS * rules.MICROS_PER_DAY, now + 1)
    return [
        rules.CandidateFacts(
            person_id=volunteer.person_id,
            name=volunteer.name,
            home_node_id=volunteer.home_node_id,
            same_community=volunteer.community == order.community,
            rating_average_percent=ratings.get(volunteer.person_id, 0),
            recent_minutes=recent.get(volunteer.person_id, 0),
        )
        for volunteer in pool
        if volunteer.person_id not in booked
    ]


def why_unavailable(
    desk: Desk, connection: Connection, volunteer: r.Person, order: r.Order, item: catalogue.CatalogueItem
) -> str | None:
    """Why the volunteer may not take the order (None when they may): a qualification, another booking."""
    on = rules.local_date(order.window_end_micros, desk.policy.utc_offset_hours)
    problem = qualifications.refusal(connection, item, volunteer.person_id, on)
    if problem:
        return problem
    clashes = order_rows.clashing_orders(connection, order, volunteer.person_id)
    if clashes:
        booked = ids.to_hex(clashes[0].order_id)
        return f"volunteer_id: {ids.to_hex(volunteer.person_id)} is booked for order {booked} at that time"
    return None


def accept(desk: Desk, order_id: int, volunteer_id: int, operator: str) -> r.Order:
    rules.text("operator", operator, rules.NAME_LENGTH_MAX, required=False)

    def work(connection: Connection) -> r.Order:
        found = order_rows.order(connection, order_id)
        if found.state != r.OrderState.OPEN:
            if found.volunteer_id == volunteer_id and found.state == r.OrderState.ACCEPTED:
                return found
            raise NotNow(f"order_id: {ids.to_hex(order_id)} is {found.state}, not open")
        volunteer = people.approved(connection, volunteer_id, "volunteer_id", r.Role.VOLUNTEER)
        problem = why_unavailable(desk, connection, volunteer, found, desk.item(connection, found.item_code))
        if problem:
            raise NotNow(problem)
        accepted = dataclasses.replace(
            found, state=r.OrderState.ACCEPTED, volunteer_id=volunteer_id, volunteer_node_id=volunteer.home_node_id
        )
        order_rows.save_order(connection, accepted)
        return accepted

    return desk.write(work, "AcceptDemand")


# -- release and cancellation -------------------------------------------------------------------


def release(desk: Desk, order_id: int, acting_person_id: int, operator: str, reason: str) -> r.Order:
    """The accepted order given back by its volunteer (or an operator): open again, to be matched anew."""

    def change(connection: Connection, found: r.Order, reason: str) -> r.Order:
        if found.state != r.OrderState.ACCEPTED:
            raise NotNow(f"release: order {ids.to_hex(order_id)} is {found.state}, want accepted")
        who = who_acts(acting_person_id, operator, lambda: check_volunteer(connection, acting_person_id, found))
        volunteer = ids.to_hex(found.volunteer_id)
        by = f"volunteer {volunteer}" if who == volunteer else f"{who} (volunteer {volunteer})"
        step = f"{desk.stamp()} released by {by}: {reason}"
        return dataclasses.replace(
            found, state=r.OrderState.OPEN, volunteer_id=0, volunteer_node_id="", steps=(*found.steps, step)
        )

    return change_order(desk, "ReleaseOrder", order_id, reason, change)


def cancel(desk: Desk, order_id: int, acting_person_id: int, operator: str, reason: str) -> r.Order:
    """An open or accepted order cancelled by the elder, a verified proxy, or an operator."""

    def change(connection: Connection, found: r.Order, reason: str) -> r.Order:
        if found.state == r.OrderState.CANCELLED:
            raise NotNow(f"cancel: order {ids.to_hex(order_id)} was cancelled already ({found.steps[-1]})")
        if found.state not in (r.OrderState.OPEN, r.OrderState.ACCEPTED):
            raise NotNow(
                f"cancel: order {ids.to_hex(order_id)} is {found.state}, want open or accepted "
                "(a service under way or done is disputed instead)"
            )
        who = who_acts(
            acting_person_id,
            operator,
            lambda: people.check_acts_for(connection, acting_person_id, found.elder_id),
        )
        step = f"{desk.stamp()} cancelled by {who}: {reason}"
        return dataclasses.replace(found, state=r.OrderState.CANCELLED, steps=(*found.steps, step))

    return change_order(desk, "CancelOrder", order_id, reason, change)


def change_order(
    desk: Desk,
    operation: str,
    order_id: int,
    reason: str,
    change: Callable[[Connection, r.Order, str], r.Order],
) -> r.Order:
    """A change of an order that records a step with its reason (a release, a cancellation)."""
    reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX)

    def work(connection: Connection) -> r.Order:
        changed = change(connection, order_rows.order(connection, order_id), reason)
        order_rows.save_order(connection, changed)
        return changed

    return desk.write(work, operation)


def check_volunteer(connection: Connection, acting_person_id: int, order: r.Order) -> None:
    """The acting person is the order's volunteer, and approved."""
    people.approved(connection, acting_person_id, "acting_person_id")
    if acting_person_id != order.volunteer_id:
        raise NotPermitted(
            f"acting_person_id: {ids.to_hex(acting_person_id)} is not the order's volunteer "
            f"{ids.to_hex(order.volunteer_id)}"
        )


def who_acts(acting_person_id: int, operator: str, check_person: Callable[[], None]) -> str:
    """Who changes an order, for its steps: an operator by name, or the acting person once checked."""
    operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX, required=False)
    if operator and acting_person_id:
        raise RequestInvalid("acting_person_id: give the person acting or an operator, not both")
    if operator:
        return f"operator {operator}"
    if not acting_person_id:
        raise RequestInvalid("acting_person_id: empty; want the person acting, or an operator's name in operator")
    check_person()
    return ids.to_hex(acting_person_id)
