"""Each bad input to the time-bank services gets a specific status and a message naming the
rule, and changes nothing: not the ledger, not the services' records."""

from __future__ import annotations

import base64
import re

import grpc
import pytest

from nodes.server import RunningNode
from tests.support.care import (
    DAY_MICROS,
    HOUR_MICROS,
    INVALID,
    PRECONDITION,
    Desk,
    identity_number,
    new_id,
    people,
    refused,
    today_plus,
)
from timebank import ids
from timebank.clock import FakeClock
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind
from timebank.v1 import care_pb2 as pb
from timebank.v1 import ledger_pb2 as lpb

STORAGE_CAP_MINUTES = 1_500 * 60  # the policy's default (Nanjing's)


def served(desk: Desk, clock: FakeClock, minutes: int = 60) -> tuple[bytes, bytes, bytes]:
    """An elder, a volunteer and an order served but not yet confirmed."""
    elder, volunteer = people(desk)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS, minutes=minutes)
    desk.serve(order, volunteer, clock, minutes)
    return elder, volunteer, order


def test_an_unapproved_person_cannot_act(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder = desk.register("elder", "陈婆婆", "1950-05-05")
    code, message = refused(node, desk.publish, elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    assert code == PRECONDITION and f"elder_id: {elder.hex()} is pending, not approved" in message
    desk.approve(elder)
    volunteer = desk.register("volunteer", "林志愿", "1990-02-02")
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    code, message = refused(node, desk.accept, order, volunteer)
    assert code == PRECONDITION and f"volunteer_id: {volunteer.hex()} is pending" in message


def test_a_professional_order_needs_the_qualification(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order = desk.publish(elder, "legal-aid", clock.now_micros() + HOUR_MICROS)
    code, message = refused(node, desk.accept, order, volunteer)
    assert code == PRECONDITION and "holds no approved qualification for legal-aid" in message
    desk.qualify(volunteer, "physician", today_plus(clock, 300))  # the wrong kind
    code, message = refused(node, desk.accept, order, volunteer)
    assert code == PRECONDITION and "one of: lawyer, notary, corporate-counsel" in message


def test_an_expired_qualification_blocks_matching_and_check_in(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    desk.qualify(volunteer, "lawyer", today_plus(clock, 2))
    clock.advance(DAY_MICROS)
    order = desk.publish(elder, "legal-aid", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)  # valid on the day of the order
    clock.advance(3 * DAY_MICROS)  # the licence expires before the volunteer arrives
    code, message = refused(node, desk.scan, desk.code(order, "check-in"), volunteer)
    assert code == PRECONDITION and f"was valid through {today_plus(clock, -2)}; legal-aid on" in message
    later = desk.publish(elder, "legal-aid", clock.now_micros() + HOUR_MICROS)
    code, message = refused(node, desk.accept, later, volunteer)
    assert code == PRECONDITION and "was valid through" in message
    matched = desk.care.MatchDemand(pb.MatchDemandRequest(order_id=later), timeout=10)
    assert list(matched.candidates) == []


def test_checking_out_before_checking_in(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    code, message = refused(node, desk.scan, desk.code(order, "check-out"), volunteer)
    assert code == PRECONDITION and "is accepted; it must be checked in first" in message


def test_a_reused_code_is_refused(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    check_in = desk.code(order, "check-in")
    desk.scan(check_in, volunteer)
    code, message = refused(node, desk.scan, check_in, volunteer)
    assert code == PRECONDITION and "used already" in message
    assert re.search(r"used already at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00 ", message), message  # the node's time


def test_an_expired_code_is_refused(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    check_in = desk.code(order, "check-in")
    clock.advance(601 * 1_000_000)
    code, message = refused(node, desk.scan, check_in, volunteer)
    assert code == PRECONDITION and "code: expired 1 s ago" in message


def test_a_forged_code_is_refused(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    genuine = desk.code(order, "check-in")
    raw = bytearray(base64.urlsafe_b64decode(genuine[5:] + "=" * (-len(genuine[5:]) % 4)))
    raw[30] ^= 1  # the expiry, pushed into the future
    forged = "TBC1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    code, message = refused(node, desk.scan, forged, volunteer)
    assert code == grpc.StatusCode.UNAUTHENTICATED and "forged or altered" in message
    code, message = refused(node, desk.scan, "TBC1.not-a-code", volunteer)
    assert code == INVALID and message.startswith("code:")


def test_someone_else_cannot_scan_the_code(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    other = desk.register("volunteer", "赵志愿", "1991-03-03")
    desk.approve(other)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    code, message = refused(node, desk.scan, desk.code(order, "check-in"), other)
    assert code == grpc.StatusCode.PERMISSION_DENIED and "is not the volunteer of order" in message


def test_confirming_twice(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer, order = served(desk, clock)
    first = desk.confirm(order, elder)
    assert desk.balance(volunteer) == 60
    code, message = refused(node, desk.confirm, order, elder)
    assert code == PRECONDITION and f"was confirmed already (deposit {first.deposit_transfer_id.hex()})" in message


@pytest.mark.parametrize("stars", [0, 6, -1])
def test_a_rating_out_of_range(node: RunningNode, desk: Desk, clock: FakeClock, stars: int) -> None:
    elder, volunteer, order = served(desk, clock)
    desk.confirm(order, elder)
    request = pb.RateOrderRequest(order_id=order, rater_id=elder, stars=stars)
    code, message = refused(node, desk.care.RateOrder, request, 10)
    assert code == INVALID and message == f"stars: got {stars}, want 1..=5"


def test_a_mall_redemption_beyond_stock_or_balance(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer, order = served(desk, clock)
    desk.confirm(order, elder)  # 60 minutes
    desk.care.AddMallItem(
        pb.AddMallItemRequest(item_code="oil", name="食用油", price_minutes=20, stock_added=2), timeout=10
    )
    redeem = pb.RedeemMallItemRequest(redemption_id=new_id(0x20), person_id=volunteer, item_code="oil", quantity=3)
    code, message = refused(node, desk.care.RedeemMallItem, redeem, 10)
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "quantity: got 3, oil has 2 in stock" in message
    desk.care.AddMallItem(
        pb.AddMallItemRequest(item_code="tv", name="电视", price_minutes=600, stock_added=1), timeout=10
    )
    redeem = pb.RedeemMallItemRequest(redemption_id=new_id(0x20), person_id=volunteer, item_code="tv", quantity=1)
    code, message = refused(node, desk.care.RedeemMallItem, redeem, 10)
    assert code == PRECONDITION and "amount_minutes: got 10.00 h, at most 1.00 h may be used" in message


def test_a_family_transfer_to_someone_not_verified_as_family(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer, order = served(desk, clock)
    desk.confirm(order, elder)
    clock.advance(31 * DAY_MICROS)
    stranger = desk.register("elder", "周伯伯", "1949-04-04")
    desk.approve(stranger)
    desk.relate("family", volunteer, stranger, verify=False)  # claimed, not verified
    give = pb.GiveHoursRequest(
        transfer_id=new_id(0x21), from_person_id=volunteer, to_person_id=stranger, amount_minutes=10
    )
    code, message = refused(node, desk.care.GiveHours, give, 10)
    assert code == grpc.StatusCode.PERMISSION_DENIED and "is not verified as family" in message
    desk.relate("family", volunteer, stranger)
    assert desk.care.GiveHours(give, timeout=10).state == "posted"
    assert desk.balance(stranger) == 10


def test_a_redemption_below_the_minimum_age(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    young = desk.register("elder", "吴阿姨", "1963-06-06")  # 62 on the test clock's date
    desk.approve(young)
    code, message = refused(node, desk.publish, young, "cleaning", clock.now_micros() + HOUR_MICROS, 60, b"", "elder")
    assert code == PRECONDITION and "the elder is 62, the minimum age to redeem is 65" in message
    in_hardship = desk.register("elder", "郑阿姨", "1963-07-07")
    desk.approve(in_hardship, hardship=True)
    desk.publish(in_hardship, "cleaning", clock.now_micros() + HOUR_MICROS, 60, b"", "elder")  # 60 in hardship


def test_the_same_person_registers_once(node: RunningNode, desk: Desk) -> None:
    request = pb.RegisterPersonRequest(
        person_id=new_id(0xB0),
        role="volunteer",
        name="林志愿",
        identity_number=identity_number("1990-02-02"),
        birth_date="1990-02-02",
        community="岐头社区",
    )
    desk.care.RegisterPerson(request, timeout=10)
    assert desk.care.RegisterPerson(request, timeout=10).state == "pending"  # a retry
    again = pb.RegisterPersonRequest()
    again.CopyFrom(request)
    again.person_id = new_id(0xB0)
    code, message = refused(node, desk.care.RegisterPerson, again, 10)
    assert code == grpc.StatusCode.ALREADY_EXISTS and "registered here already" in message
    last = request.identity_number[-1]
    again.identity_number = request.identity_number[:17] + ("0" if last != "0" else "1")
    code, message = refused(node, desk.care.RegisterPerson, again, 10)
    assert code == INVALID and "check character" in message
    again.identity_number, again.birth_date = identity_number("1990-02-02"), "1990-02-03"
    code, message = refused(node, desk.care.RegisterPerson, again, 10)
    assert code == INVALID and "does not match birth_date 1990-02-03" in message


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("role", "boss", "role: got 'boss', want one of volunteer, elder, proxy"),
        ("name", "", "name: must not be empty"),
        ("birth_date", "1990-13-01", "birth_date: got '1990-13-01', want a date YYYY-MM-DD"),
        ("identity_number", "12345", "identity_number: want 18 characters"),
        ("person_id", b"\x01", "person_id: got 1 bytes, want 16"),
    ],
)
def test_a_registration_names_the_bad_field(
    node: RunningNode, desk: Desk, field: str, value: object, expected: str
) -> None:
    request = pb.RegisterPersonRequest(
        person_id=new_id(0xB0),
        role="elder",
        name="陈婆婆",
        identity_number=identity_number("1950-05-05"),
        birth_date="1950-05-05",
        community="岐头社区",
    )
    setattr(request, field, value)
    code, message = refused(node, desk.care.RegisterPerson, request, 10)
    assert code == INVALID and message.startswith(expected)


def test_a_certificate_with_nothing_to_certify(node: RunningNode, desk: Desk) -> None:
    _, volunteer = people(desk)
    request = pb.IssueCertificateRequest(
        certificate_id=new_id(0xF0), person_id=volunteer, period_from="2026-01-01", period_to="2026-12-31"
    )
    code, message = refused(node, desk.care.IssueCertificate, request, 10)
    assert code == PRECONDITION
    assert message == (
        f"person_id: {volunteer.hex()} has no service hours deposited at test-node from 2026-01-01 to "
        "2026-12-31; there is nothing to certify"
    )


def test_an_adjustment_needs_room_between_all_and_none(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, _, order = served(desk, clock, minutes=1)
    dispute_id = new_id(0xF1)
    opened = pb.OpenDisputeRequest(dispute_id=dispute_id, order_id=order, acting_person_id=elder, reason="不满意")
    desk.care.OpenDispute(opened, timeout=10)
    request = pb.ResolveDisputeRequest(
        dispute_id=dispute_id, decision="adjust", decided_minutes=1, reason="核实", operator="张主任"
    )
    code, message = refused(node, desk.care.ResolveDispute, request, 10)
    assert code == INVALID
    assert message == (
        "decision: an adjustment of 1 min credited leaves nothing between all and none; want uphold or reverse"
    )


def test_a_grant_beyond_the_donation_pool(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer, order = served(desk, clock)
    desk.confirm(order, elder)
    clock.advance(31 * DAY_MICROS)  # hours may be given away 30 days after their deposit
    desk.care.Donate(pb.DonateRequest(transfer_id=new_id(0xF2), person_id=volunteer, amount_minutes=20), timeout=10)
    request = pb.GrantFromPoolRequest(
        transfer_id=new_id(0xF3), elder_id=elder, amount_minutes=30, reason="独居无积蓄", operator="张主任"
    )
    code, message = refused(node, desk.care.GrantFromPool, request, 10)
    assert code == PRECONDITION and message == (
        "amount_minutes: got 30 min (0.50 h), but the donation pool can grant only 20 min (0.33 h)"
    )


def test_an_unknown_alert_is_named_by_its_number(node: RunningNode, desk: Desk) -> None:
    request = pb.AcknowledgeAlertRequest(alert_id=99, operator="张主任", note="核实")
    code, message = refused(node, desk.care.AcknowledgeAlert, request, 10)
    assert code == grpc.StatusCode.NOT_FOUND and message == "alert_id: 99 is not known at this node"


def test_a_plain_ledger_credit_to_a_member_is_held_to_the_storage_cap(node: RunningNode, desk: Desk) -> None:
    _elder, volunteer = people(desk)
    cap = STORAGE_CAP_MINUTES
    issuance = ids.to_bytes(SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE])

    def credit(minutes: int) -> object:
        transfer = lpb.Transfer(
            id=new_id(0xCA), kind=lpb.TRANSFER_KIND_SINGLE_PHASE, debit_account_id=issuance,
            credit_account_id=volunteer, amount_minutes=minutes,
        )  # fmt: skip
        return desk.client.submit_transfer(transfer)

    code, message = refused(node, credit, cap + 1)
    assert code == PRECONDITION and message.startswith(f"transfers[0].amount_minutes: {volunteer.hex()} would hold")
    assert "above the storage cap of 1500.00 h" in message and "timebank care confirm-order" in message
    credit(cap)  # up to the cap: as a deposit of the services may
    code, _ = refused(node, credit, 1)
    assert code == PRECONDITION and desk.balance(volunteer) == cap
