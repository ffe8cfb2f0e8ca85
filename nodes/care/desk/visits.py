"""The service itself and what follows it: check-in and check-out codes and their scans,
the elder's confirmation that deposits the volunteer's hours, ratings and follow-up visits.

Owns the order of reads, checks and writes of these operations; a confirmation reads
everything it needs first, decides, then writes. Supervision's alerts about a visit are
raised in the transaction of the scan. Must not: hold SQL (nodes.care.store), decide other
than through the pure rules, or know about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection

from nodes.care import records as r
from nodes.care import rules, supervision
from nodes.care.desk import deposits, orders, people, qualifications
from nodes.care.desk.context import Desk
from nodes.care.store import orders as order_rows
from nodes.care.store import people as people_rows
from timebank import ids
from timebank.errors import NotNow, NotPermitted

__all__ = [
    "check_in",
    "check_out",
    "confirm",
    "follow_up",
    "issue_code",
    "rate",
    "RATED_STATES",
    "scan",
    "visit",
    "VISITED_STATES",
    "visits",
]

VISITED_STATES = (
    r.OrderState.CHECKED_IN,
    r.OrderState.CHECKED_OUT,
    r.OrderState.CONFIRMED,
    r.OrderState.DISPUTED,
    r.OrderState.RESOLVED,
)
RATED_STATES = (r.OrderState.CONFIRMED, r.OrderState.RESOLVED)


def issue_code(desk: Desk, order_id: int, purpose: str) -> tuple[str, int]:
    rules.choice("purpose", purpose, rules.CODE_PURPOSES)
    found = orders.order(desk, order_id)
    if found.state not in order_rows.ACTIVE_ORDER_STATES:
        raise NotNow(f"order_id: {ids.to_hex(order_id)} is {found.state}; codes are for accepted orders")
    expires_at = desk.clock.now_micros() + desk.policy.code_valid_seconds * 1_000_000
    claims = rules.CodeClaims(order_id, r.CodePurpose(purpose), expires_at, desk.random_bytes(16))
    return rules.make_code(desk.signing_key, claims), expires_at


def scan(desk: Desk, code: str, volunteer_id: int) -> r.Order:
    now = desk.clock.now_micros()
    claims = rules.open_code(desk.signing_key.public_key(), code.strip(), now)

    def work(connection: Connection) -> r.Order:
        used_at = order_rows.code_used_at_micros(connection, claims.nonce)
        if used_at is not None:
            when = rules.local_time(used_at, desk.policy.utc_offset_hours).isoformat(timespec="seconds")
            raise NotNow(f"code: used already at {when} (each code works once); ask for a new one")
        found = order_rows.order(connection, claims.order_id)
        if found.volunteer_id != volunteer_id:
            raise NotPermitted(
                f"volunteer_id: {ids.to_hex(volunteer_id)} is not the volunteer of order {ids.to_hex(found.order_id)}"
            )
        if claims.purpose == r.CodePurpose.CHECK_IN:
            scanned = check_in(desk, connection, found, now)
        else:
            scanned = check_out(desk, connection, found, now)
        order_rows.add_code_used(connection, claims.nonce, found.order_id, claims.purpose, now)
        order_rows.save_order(connection, scanned)
        return scanned

    return desk.write(work, "ScanCode")


def check_in(desk: Desk, connection: Connection, order: r.Order, now: int) -> r.Order:
    if order.state != r.OrderState.ACCEPTED:
        raise NotNow(f"check-in: order {ids.to_hex(order.order_id)} is {order.state}, want accepted")
    on = rules.local_date(now, desk.policy.utc_offset_hours)
    problem = qualifications.refusal(connection, desk.item(connection, order.item_code), order.volunteer_id, on)
    if problem:
        raise NotNow(problem)
    checked_in = dataclasses.replace(order, state=r.OrderState.CHECKED_IN, checked_in_micros=now)
    desk.raise_alerts(connection, supervision.overlapping_orders(visit(checked_in), visits(connection, order), now))
    return checked_in


def check_out(desk: Desk, connection: Connection, order: r.Order, now: int) -> r.Order:
    if order.state != r.OrderState.CHECKED_IN:
        raise NotNow(f"check-out: order {ids.to_hex(order.order_id)} is {order.state}; it must be checked in first")
    day = rules.local_date(order.checked_in_micros, desk.policy.utc_offset_hours)
    start = rules.day_start_micros(day, desk.policy.utc_offset_hours)
    today = order_rows.served_between(connection, order.volunteer_id, start, start + rules.MICROS_PER_DAY)
    served = rules.served_minutes(order.checked_in_micros, now, order.window_minutes, today, desk.policy)
    item = desk.item(connection, order.item_code)
    checked_out = dataclasses.replace(
        order,
        state=r.OrderState.CHECKED_OUT,
        checked_out_micros=now,
        served_minutes=served,
        credited_minutes=rules.credited_minutes(served, item.rate_percent),
    )
    this = visit(checked_out)
    desk.raise_alerts(connection, supervision.overlapping_orders(this, visits(connection, order), now))
    desk.raise_alerts(connection, supervision.duration(this, order.window_minutes, desk.policy))
    return checked_out


def visits(connection: Connection, order: r.Order) -> list[supervision.Visit]:
    return [visit(o) for o in order_rows.volunteer_orders(connection, order.volunteer_id, VISITED_STATES)]


def visit(order: r.Order) -> supervision.Visit:
    return supervision.Visit(order.order_id, order.volunteer_id, order.checked_in_micros, order.checked_out_micros)


# -- confirmation ----------------------------------------------------------------------------------


def confirm(desk: Desk, order_id: int, acting_person_id: int) -> r.Order:
    def work(connection: Connection) -> r.Order:
        # Read.
        found = order_rows.order(connection, order_id)
        acting = people_rows.person(connection, acting_person_id, "acting_person_id")
        elder_acts = acting_person_id in (found.elder_id, 0)
        proxies = [] if elder_acts else people.proxies(connection, found.elder_id, acting_person_id)
        ready = found.state == r.OrderState.CHECKED_OUT
        facts = deposits.read_facts(desk, connection, found, found.credited_minutes if ready else 0)
        # Decide.
        rules.check_acts_for(acting, found.elder_id, proxies)
        rules.check_confirmable(found)
        planned = deposits.plan(desk, found, facts)
        # Write.
        deposit_id = deposits.write(desk, connection, found, planned)
        confirmed = dataclasses.replace(
            found, state=r.OrderState.CONFIRMED, confirmer_id=acting_person_id, deposit_transfer_id=deposit_id
        )
        order_rows.save_order(connection, confirmed)
        return confirmed

    return desk.write(work, "ConfirmOrder")


# -- evaluation and follow-up ------------------------------------------------------------------------


def rate(desk: Desk, order_id: int, rater_id: int, stars: int, comment: str) -> r.Rating:
    wanted = r.Rating(
        order_id,
        rater_id,
        rules.stars(stars),
        rules.text("comment", comment, rules.REASON_LENGTH_MAX, required=False),
        desk.clock.now_micros(),
    )

    def work(connection: Connection) -> r.Rating:
        found = order_rows.order(connection, order_id)
        stored = order_rows.find_rating(connection, order_id, rater_id)
        refusal = (
            f"rater_id: {ids.to_hex(rater_id)} rated order {ids.to_hex(order_id)} already "
            f"({stored.stars if stored else 0} stars)"
        )
        if (existing := rules.repeated(stored, wanted, "rater_id", ("stars", "comment"), refusal)) is not None:
            return existing
        if found.state not in RATED_STATES:
            raise NotNow(f"order_id: {ids.to_hex(order_id)} is {found.state}; rate it once it is confirmed")
        people.check_acts_for(connection, rater_id, found.elder_id, volunteer_id=found.volunteer_id)
        order_rows.add_rating(connection, wanted)
        return wanted

    return desk.write(work, "RateOrder")


def follow_up(desk: Desk, order_id: int, operator: str, note: str) -> r.FollowUp:
    wanted = r.FollowUp(
        order_id,
        rules.text("operator", operator, rules.NAME_LENGTH_MAX),
        rules.text("note", note, rules.REASON_LENGTH_MAX),
        desk.clock.now_micros(),
    )

    def work(connection: Connection) -> r.FollowUp:
        found = order_rows.order(connection, order_id)
        if found.state in (r.OrderState.OPEN, r.OrderState.ACCEPTED):
            raise NotNow(f"order_id: {ids.to_hex(order_id)} is {found.state}; follow-up visits come after the service")
        order_rows.add_follow_up(connection, wanted)
        return wanted

    return desk.write(work, "RecordFollowUp")
