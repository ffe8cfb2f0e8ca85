"""Disputes about a service: opening one (the credited hours held in a pending transfer)
and an operator's decision (uphold, adjust or reverse), which releases the hold and
deposits what was decided.

Owns the order of reads, checks and writes of these operations. A resolution releases
the hold before it reads what the deposit needs, since the hold is part of what the
elder may spend. Must not: hold SQL (nodes.care.store), decide other than through the
pure rules, or know about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Connection

from nodes.care import records as r
from nodes.care import rules
from nodes.care.desk import deposits, people
from nodes.care.desk.context import Desk
from nodes.care.store import orders as order_rows
from nodes.care.store import people as people_rows
from timebank import ids
from timebank.errors import NotNow
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, TransferKind, TransferRequest
from timebank.protocol import derive_id

__all__ = ["ADJUSTMENT", "dispute", "DISPUTE_FIELDS", "disputes", "open_dispute", "resolve_dispute"]

ADJUSTMENT = SYSTEM_ACCOUNT_IDS[AccountKind.ADJUSTMENT]
DISPUTE_FIELDS = ("order_id", "opener_id", "reason")


def open_dispute(desk: Desk, dispute_id: int, order_id: int, acting_person_id: int, reason: str) -> r.Dispute:
    reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX)

    def work(connection: Connection) -> r.Dispute:
        asked = r.Dispute(dispute_id, order_id, acting_person_id, reason, r.DisputeState.OPEN, 0)
        stored = order_rows.find_dispute(connection, dispute_id)
        if (existing := rules.repeated(stored, asked, "dispute_id", DISPUTE_FIELDS)) is not None:
            return existing
        order = order_rows.order(connection, order_id)
        people.check_acts_for(connection, acting_person_id, order.elder_id, volunteer_id=order.volunteer_id)
        if order.state != r.OrderState.CHECKED_OUT:
            settled = (
                "; its hours are settled (a correction is a reversal)" if order.state == r.OrderState.CONFIRMED else ""
            )
            raise NotNow(f"dispute: order {ids.to_hex(order_id)} is {order.state}, want checked-out{settled}")
        hold_id = 0
        actor = people_rows.person(connection, acting_person_id, "acting_person_id")
        steps = [f"{desk.stamp()} opened by {actor.name} ({ids.to_hex(acting_person_id)}): {reason}"]
        if order.credited_minutes:
            hold_id = derive_id("care-hold", order_id)
            elder = (
                people_rows.person(connection, order.elder_id, "elder_id") if order.paid_by == r.Payer.ELDER else None
            )
            payer = deposits.payer_of(desk, order, elder)
            memo = f"order {ids.to_hex(order_id)}: held under dispute"
            hold = TransferRequest(hold_id, TransferKind.PENDING, payer, ADJUSTMENT, order.credited_minutes, memo=memo)
            desk.apply(connection, [hold])
            steps.append(f"{desk.stamp()} held {order.credited_minutes} min in transfer {ids.to_hex(hold_id)}")
        dispute = dataclasses.replace(
            asked, hold_transfer_id=hold_id, steps=tuple(steps), opened_at_micros=desk.clock.now_micros()
        )
        order_rows.add_dispute(connection, dispute)
        order_rows.set_order_state(connection, order_id, r.OrderState.DISPUTED)
        return dispute

    return desk.write(work, "OpenDispute")


def resolve_dispute(
    desk: Desk, dispute_id: int, decision: str, decided_minutes: int, reason: str, operator: str
) -> r.Dispute:
    rules.choice("decision", decision, rules.DISPUTE_DECISIONS)
    reason = rules.text("reason", reason, rules.REASON_LENGTH_MAX)
    operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)

    def work(connection: Connection) -> r.Dispute:
        dispute = order_rows.dispute(connection, dispute_id)
        if dispute.state != r.DisputeState.OPEN:
            raise NotNow(f"dispute_id: {ids.to_hex(dispute_id)} was resolved already ({dispute.decision})")
        order = order_rows.order(connection, dispute.order_id)
        minutes = rules.decided_minutes(decision, decided_minutes, order.credited_minutes)
        steps = list(dispute.steps)
        if dispute.hold_transfer_id:
            release = TransferRequest(
                derive_id("care-release", order.order_id),
                TransferKind.VOID_PENDING,
                0,
                0,
                0,
                pending_id=dispute.hold_transfer_id,
            )
            desk.apply(connection, [release])
            steps.append(f"{desk.stamp()} released the hold {ids.to_hex(dispute.hold_transfer_id)}")
        deposit_id = deposits.deposit(desk, connection, order, minutes)
        steps.append(
            f"{desk.stamp()} {operator} decided {decision}: {minutes} of {order.credited_minutes} min "
            f"deposited; {reason}"
        )
        resolved = dataclasses.replace(
            dispute,
            state=r.DisputeState.RESOLVED,
            decision=decision,
            decided_minutes=minutes,
            resolution_reason=reason,
            steps=tuple(steps),
        )
        order_rows.save_dispute(connection, resolved)
        order_rows.settle_order(connection, order.order_id, r.OrderState.RESOLVED, minutes, deposit_id)
        return resolved

    return desk.write(work, "ResolveDispute")


def dispute(desk: Desk, dispute_id: int) -> r.Dispute:
    return desk.read(lambda connection: order_rows.dispute(connection, dispute_id))


def disputes(desk: Desk, state: str, order_id: int, limit: int) -> list[r.Dispute]:
    if state:
        rules.choice("state", state, tuple(r.DisputeState))
    return desk.read(lambda connection: order_rows.disputes(connection, state, order_id, limit))
