"""Moving hours between people: gifts to family (here or at another node), donations to
the donation pool, and grants from the pool to elders who hold little.

Owns the order of reads, checks and writes of these operations: the policy's limits on
what may be given (group-activity hours, too-recent deposits, the storage cap of who
receives), the ledger transfer (or the cross-node transfer) and the movements index,
and supervision's back-and-forth alert. Must not: hold SQL (nodes.care.store), decide
other than through the pure rules, or know about protobuf or gRPC.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy import Connection

from nodes.care import records as r
from nodes.care import rules, supervision
from nodes.care.desk import people
from nodes.care.desk.context import Desk
from nodes.care.store import hours as hour_rows
from nodes.care.store import people as people_rows
from nodes.records import CrossRequest
from timebank import ids
from timebank.errors import NotNow, NotPermitted
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, TransferKind, TransferRequest, format_hours

__all__ = [
    "check_family",
    "ADDING_KINDS",
    "check_give",
    "check_plain_credits",
    "check_receive",
    "donate",
    "DONATION_FIELDS",
    "DONATION_POOL",
    "GIFT_FIELDS",
    "give",
    "grant",
    "GRANT_FIELDS",
    "movements",
]

DONATION_POOL = SYSTEM_ACCOUNT_IDS[AccountKind.DONATION_POOL]
GIFT_FIELDS = ("kind", "person_id", "counterparty_node_id", "counterparty_id", "amount_minutes")
DONATION_FIELDS = ("kind", "person_id", "amount_minutes")
GRANT_FIELDS = ("kind", "person_id", "amount_minutes", "memo")


def give(
    desk: Desk, transfer_id: int, from_person_id: int, to_node_id: str, to_person_id: int, amount: int
) -> r.Movement:
    rules.positive_minutes("amount_minutes", amount)
    to_node = to_node_id.strip() or desk.node_id
    memo = f"family: {ids.to_hex(from_person_id)} to {ids.to_hex(to_person_id)}"
    wanted = r.Movement(
        transfer_id, r.MovementKind.FAMILY, from_person_id, to_node, to_person_id, amount, r.MovementState.POSTED, memo
    )

    def work(connection: Connection) -> r.Movement:
        stored = hour_rows.find_movement(connection, transfer_id)
        if (existing := rules.repeated(stored, wanted, "transfer_id", GIFT_FIELDS)) is not None:
            return existing
        people.member_here(desk, connection, from_person_id, "from_person_id")
        check_family(desk, connection, from_person_id, to_node, to_person_id)
        check_give(desk, connection, from_person_id, amount, donation=False)
        if to_node == desk.node_id:
            check_receive(desk, connection, to_person_id, amount)
            desk.apply(
                connection,
                [
                    TransferRequest(
                        transfer_id, TransferKind.SINGLE_PHASE, from_person_id, to_person_id, amount, memo=memo
                    )
                ],
            )
            movement = wanted
        else:
            desk.send(connection, CrossRequest(transfer_id, from_person_id, to_node, to_person_id, amount, memo=memo))
            movement = dataclasses.replace(wanted, state=r.MovementState.SENT)
        desk.record(connection, movement)
        gift = supervision.Gift(transfer_id, from_person_id, to_person_id, amount, desk.clock.now_micros())
        earlier = [
            supervision.Gift(m.transfer_id, m.person_id, m.counterparty_id, m.amount_minutes, m.at_micros)
            for m in hour_rows.gifts_between(connection, from_person_id, to_person_id)
        ]
        desk.raise_alerts(connection, supervision.back_and_forth(gift, earlier, desk.policy))
        return movement

    return desk.write(work, "GiveHours")


def check_family(desk: Desk, connection: Connection, from_id: int, to_node: str, to_id: int) -> None:
    family = r.RelationshipKind.FAMILY
    found = people_rows.verified_relationships(connection, family, person_id=from_id, other_person_id=to_id)
    found += people_rows.verified_relationships(connection, family, person_id=to_id, other_person_id=from_id)
    if not any(rel.other_node_id == to_node or to_node == desk.node_id for rel in found):
        raise NotPermitted(
            f"to_person_id: {ids.to_hex(to_id)} at {to_node} is not verified as family of {ids.to_hex(from_id)}; "
            "an operator must verify the relationship first"
        )


def check_give(desk: Desk, connection: Connection, person_id: int, amount: int, *, donation: bool) -> None:
    person = people_rows.person(connection, person_id)
    account = desk.books.read_accounts(connection, [person_id])[person_id]
    policy = desk.policy
    since = desk.clock.now_micros() - policy.give_after_days * rules.MICROS_PER_DAY
    recent = hour_rows.deposits_since(connection, person_id, since) if policy.give_after_days else 0
    if donation:
        allowed = rules.donatable_minutes(account.available_minutes, recent)
        why = f"available, less hours deposited in the last {policy.give_after_days} days"
    else:
        allowed = rules.givable_minutes(account.available_minutes, person.group_locked_minutes, recent, policy)
        why = (
            f"available, less hours from group activities and hours deposited in the last {policy.give_after_days} days"
        )
    rules.check_enough("amount_minutes", amount, allowed, why)


def check_receive(desk: Desk, connection: Connection, person_id: int, amount: int) -> None:
    people.member_here(desk, connection, person_id, "to_person_id")
    holding = rules.holding_minutes(desk.books.read_accounts(connection, [person_id])[person_id])
    rules.check_under_cap("amount_minutes", person_id, holding, amount, desk.policy.storage_cap_minutes)


ADDING_KINDS = (TransferKind.SINGLE_PHASE, TransferKind.PENDING)  # a post or a void adds nothing held


def check_plain_credits(desk: Desk, connection: Connection, requests: Sequence[TransferRequest]) -> None:
    """The storage cap for a plain ledger transfer (`timebank transfer create`, SubmitTransfers)
    that credits a member of the services, in the transfer's own transaction: one rule for
    every credit to a member. NotNow naming the item when the member would hold too much."""
    cap = desk.policy.storage_cap_minutes
    if not cap:
        return
    adding: dict[int, int] = {}
    first: dict[int, int] = {}
    for index, request in enumerate(requests):
        if request.kind in ADDING_KINDS and request.credit_account_id not in SYSTEM_ACCOUNT_IDS.values():
            adding[request.credit_account_id] = adding.get(request.credit_account_id, 0) + request.amount_minutes
            first.setdefault(request.credit_account_id, index)
    members = sorted(people_rows.known_person_ids(connection, list(adding)))
    if not members:
        return
    accounts = desk.books.read_accounts(connection, members)
    for account_id in members:
        account = accounts.get(account_id)
        rules.check_under_cap(
            f"transfers[{first[account_id]}].amount_minutes",
            account_id,
            rules.holding_minutes(account) if account else 0,
            adding[account_id],
            cap,
            "; the time-bank services deposit a service's hours with `timebank care confirm-order`, which sends "
            "the part above the cap to the donation pool",
        )


def donate(desk: Desk, transfer_id: int, person_id: int, amount: int) -> r.Movement:
    rules.positive_minutes("amount_minutes", amount)
    memo = f"donation from {ids.to_hex(person_id)}"
    wanted = r.Movement(
        transfer_id, r.MovementKind.DONATION, person_id, desk.node_id, 0, amount, r.MovementState.POSTED, memo
    )

    def work(connection: Connection) -> r.Movement:
        stored = hour_rows.find_movement(connection, transfer_id)
        if (existing := rules.repeated(stored, wanted, "transfer_id", DONATION_FIELDS)) is not None:
            return existing
        person = people.member_here(desk, connection, person_id, "person_id")
        check_give(desk, connection, person_id, amount, donation=True)
        desk.apply(
            connection,
            [TransferRequest(transfer_id, TransferKind.SINGLE_PHASE, person_id, DONATION_POOL, amount, memo=memo)],
        )
        people_rows.set_group_locked(connection, person_id, max(0, person.group_locked_minutes - amount))
        desk.record(connection, wanted)
        return wanted

    return desk.write(work, "Donate")


def grant(desk: Desk, transfer_id: int, elder_id: int, amount: int, reason: str, operator: str) -> r.Movement:
    rules.positive_minutes("amount_minutes", amount)
    reason = rules.text("reason", reason, 150)
    operator = rules.text("operator", operator, rules.NAME_LENGTH_MAX)
    memo = f"grant by {operator}: {reason}"[:200]
    wanted = r.Movement(
        transfer_id, r.MovementKind.GRANT, elder_id, desk.node_id, 0, amount, r.MovementState.POSTED, memo
    )

    def work(connection: Connection) -> r.Movement:
        stored = hour_rows.find_movement(connection, transfer_id)
        if (existing := rules.repeated(stored, wanted, "transfer_id", GRANT_FIELDS)) is not None:
            return existing
        people.member_here(desk, connection, elder_id, "elder_id")
        people.approved(connection, elder_id, "elder_id", r.Role.ELDER)
        accounts = desk.books.read_accounts(connection, [elder_id, DONATION_POOL])
        account, pool = accounts[elder_id], accounts[DONATION_POOL]
        balance_max = desk.policy.pool_grant_balance_max_minutes
        if account.balance_minutes > balance_max:
            raise NotNow(
                f"elder_id: {ids.to_hex(elder_id)} holds {format_hours(account.balance_minutes)} h; "
                f"pool grants are for elders holding at most {format_hours(balance_max)} h"
            )
        if amount > pool.available_minutes:
            raise NotNow(
                f"amount_minutes: got {amount} min ({format_hours(amount)} h), but the donation pool can grant only "
                f"{pool.available_minutes} min ({format_hours(pool.available_minutes)} h)"
            )
        desk.apply(
            connection,
            [TransferRequest(transfer_id, TransferKind.SINGLE_PHASE, DONATION_POOL, elder_id, amount, memo=memo)],
        )
        desk.record(connection, wanted)
        return wanted

    return desk.write(work, "GrantFromPool")


def movements(desk: Desk, person_id: int, limit: int) -> list[r.Movement]:
    """A person's statement at this node, newest first (at most 1,000 lines)."""
    return desk.read(lambda connection: hour_rows.movements_of(connection, person_id, limit))
