"""Paying a volunteer for a service: the hours an order deposits when the elder confirms it
or a dispute about it is resolved.

Owns the three steps of a deposit: read what it needs (the elder who pays, the accounts,
the volunteer and the item), plan it (who pays, whether they may, how much goes to the
volunteer and how much above the storage cap overflows to the donation pool, the hours
locked for donation after a group activity) and write the plan (ledger transfers, or a
cross-node transfer to a volunteer at another node, and the movements index). The plan
decides; the write does not. Must not: hold SQL, or know about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import Connection

from nodes.care import catalogue, rules
from nodes.care import records as r
from nodes.care.desk.context import Desk
from nodes.care.store import people as people_rows
from nodes.records import CrossRequest
from timebank import ids
from timebank.ledger.model import (
    MEMO_LENGTH_MAX,
    SYSTEM_ACCOUNT_IDS,
    Account,
    AccountKind,
    TransferKind,
    TransferRequest,
)
from timebank.protocol import derive_id

__all__ = [
    "check_spend",
    "deposit",
    "DONATION_POOL",
    "Facts",
    "ISSUANCE",
    "payer_of",
    "Plan",
    "plan",
    "read_facts",
    "split_at_cap",
    "write",
]

ISSUANCE = SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE]
DONATION_POOL = SYSTEM_ACCOUNT_IDS[AccountKind.DONATION_POOL]


@dataclass(frozen=True)
class Facts:
    """What a deposit reads. The elder (and their account) when the elder pays; the
    volunteer, their account and the item when the volunteer holds hours here."""

    amount_minutes: int
    elder: r.Person | None = None
    elder_account: Account | None = None
    volunteer: r.Person | None = None
    volunteer_account: Account | None = None
    item: catalogue.CatalogueItem | None = None


@dataclass(frozen=True)
class Plan:
    """What a deposit writes: the id an order records (0: nothing deposited), the ledger
    transfers with their movements, or the cross-node transfer and its movement, and the
    volunteer's new group-locked minutes (None: unchanged)."""

    deposit_transfer_id: int
    moves: tuple[tuple[r.Movement, TransferRequest], ...] = ()
    sent: tuple[r.Movement, CrossRequest] | None = None
    group_locked_minutes: int | None = None


def payer_of(desk: Desk, order: r.Order, elder: r.Person | None) -> int:
    """The account that pays for an order: the node's issuance, or the elder who may redeem."""
    if order.paid_by == r.Payer.NODE:
        return ISSUANCE
    assert elder is not None  # read by read_facts (or the caller) when the elder pays
    rules.check_elder_may_redeem(elder, desk.node_id, desk.today(), desk.policy)
    return elder.person_id


def read_facts(desk: Desk, connection: Connection, order: r.Order, amount_minutes: int) -> Facts:
    if amount_minutes <= 0:
        return Facts(amount_minutes)
    elder = people_rows.person(connection, order.elder_id, "elder_id") if order.paid_by == r.Payer.ELDER else None
    here = order.volunteer_node_id == desk.node_id
    account_ids = [person_id for person_id, wanted in ((order.elder_id, elder), (order.volunteer_id, here)) if wanted]
    accounts = desk.books.read_accounts(connection, account_ids)
    return Facts(
        amount_minutes,
        elder=elder,
        elder_account=accounts.get(order.elder_id) if elder is not None else None,
        volunteer=people_rows.person(connection, order.volunteer_id, "volunteer_id") if here else None,
        volunteer_account=accounts.get(order.volunteer_id) if here else None,
        item=desk.item(connection, order.item_code) if here else None,
    )


def check_spend(desk: Desk, person: r.Person, account: Account | None, amount: int, name: str) -> None:
    """A member spending hours (a service, the mall): group-activity hours are for donation only."""
    assert account is not None, f"{ids.to_hex(person.person_id)} holds no account here"
    locked = person.group_locked_minutes if desk.policy.group_hours_donate_only else 0
    rules.check_enough(
        name, amount, max(0, account.available_minutes - locked), "available, less hours from group activities"
    )


def plan(desk: Desk, order: r.Order, facts: Facts) -> Plan:
    """Decides a deposit from what was read; refuses as the rules do."""
    amount = facts.amount_minutes
    if amount <= 0:
        return Plan(0)
    payer = payer_of(desk, order, facts.elder)
    if payer != ISSUANCE:
        assert facts.elder is not None
        check_spend(desk, facts.elder, facts.elder_account, amount, "deposit")
    kind = r.MovementKind.DEPOSIT if order.paid_by == r.Payer.NODE else r.MovementKind.REDEEM
    memo = f"order {ids.to_hex(order.order_id)}"
    deposit_id = derive_id("care-deposit", order.order_id)
    base = r.Movement(
        transfer_id=deposit_id,
        kind=kind,
        person_id=order.volunteer_id,
        counterparty_node_id=desk.node_id,
        counterparty_id=payer if payer != ISSUANCE else 0,
        amount_minutes=amount,
        state=r.MovementState.POSTED,
        memo=memo,
        order_id=order.order_id,
        item_code=order.item_code,
    )
    if order.volunteer_node_id != desk.node_id:
        desk.check_crossing(order.volunteer_node_id)
        request = CrossRequest(deposit_id, payer, order.volunteer_node_id, order.volunteer_id, amount, memo=memo)
        return Plan(deposit_id, sent=(dataclasses.replace(base, state=r.MovementState.SENT), request))
    assert facts.volunteer is not None and facts.volunteer_account is not None and facts.item is not None
    holding = rules.holding_minutes(facts.volunteer_account)
    overflow_id = derive_id("care-overflow", order.order_id)
    kept, moves = split_at_cap(base, payer, holding, desk.policy.storage_cap_minutes, overflow_id)
    locked = facts.volunteer.group_locked_minutes + kept if kept and facts.item.group else None
    return Plan(deposit_id if kept else overflow_id, moves=tuple(moves), group_locked_minutes=locked)


def split_at_cap(
    base: r.Movement, payer: int, holding_minutes: int, cap_minutes: int, overflow_id: int
) -> tuple[int, list[tuple[r.Movement, TransferRequest]]]:
    """A deposit of base's minutes from payer to base's person, who holds holding_minutes: the
    part kept under the storage cap, and the movements with their transfers (the part above
    the cap goes to the donation pool, as overflow_id)."""
    kept, overflow = rules.split_over_cap(base.amount_minutes, holding_minutes, cap_minutes)
    moves = []
    if kept:
        transfer = TransferRequest(
            base.transfer_id, TransferKind.SINGLE_PHASE, payer, base.person_id, kept, memo=base.memo
        )
        moves.append((dataclasses.replace(base, amount_minutes=kept), transfer))
    if overflow:
        overflow_memo = f"{base.memo}: above the storage cap"[:MEMO_LENGTH_MAX]
        movement = dataclasses.replace(
            base,
            transfer_id=overflow_id,
            kind=r.MovementKind.OVERFLOW,
            memo=overflow_memo,
            amount_minutes=overflow,
        )
        transfer = TransferRequest(
            overflow_id, TransferKind.SINGLE_PHASE, payer, DONATION_POOL, overflow, memo=overflow_memo
        )
        moves.append((movement, transfer))
    return kept, moves


def write(desk: Desk, connection: Connection, order: r.Order, decided: Plan) -> int:
    """Writes a planned deposit; the id the order records."""
    if decided.sent is not None:
        movement, request = decided.sent
        desk.send(connection, request)
        desk.record(connection, movement)
        return decided.deposit_transfer_id
    if decided.moves:
        desk.apply(connection, [transfer for _, transfer in decided.moves])
        for movement, _ in decided.moves:
            desk.record(connection, movement)
    if decided.group_locked_minutes is not None:
        people_rows.set_group_locked(connection, order.volunteer_id, decided.group_locked_minutes)
    return decided.deposit_transfer_id


def deposit(desk: Desk, connection: Connection, order: r.Order, amount_minutes: int) -> int:
    """Reads, plans and writes a deposit (for a caller whose own reads are done)."""
    return write(desk, connection, order, plan(desk, order, read_facts(desk, connection, order, amount_minutes)))
