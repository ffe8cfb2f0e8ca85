"""A person's own door over a real node: the office sets a PIN, a phone signs in with it
(five wrong PINs lock it), the volunteer scans their own order's codes, the elder or a
proxy confirms or disputes, each sees only their own, and the node's log names the person
who acted; on both backends."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest

from nodes.server import RunningNode
from tests.support.care import HOUR_MICROS, MINUTE_MICROS, Desk, care_events, new_id, people, refusal
from timebank.clock import FakeClock
from timebank.credentials import Credential, authorized_channel
from timebank.v1 import personal_pb2 as pb
from timebank.v1 import personal_pb2_grpc as pb_grpc

PIN = "482915"


class Phone:
    """A phone's client of the node's Personal service, holding one session."""

    def __init__(self, channel: grpc.Channel) -> None:
        self.stub = pb_grpc.PersonalStub(channel)
        self.token = ""

    def sign_in(self, person_id: bytes, pin: str = PIN) -> pb.SignInResponse:
        answer = self.stub.SignIn(pb.SignInRequest(person_id=person_id, pin=pin), timeout=10)
        self.token = answer.session_token
        return answer

    def call(self, method: str, request: object) -> object:
        return getattr(self.stub, method)(request, metadata=(("authorization", f"Bearer {self.token}"),), timeout=10)


@pytest.fixture
def channel(node_address: str, administrator: Credential) -> Iterator[grpc.Channel]:
    with authorized_channel(grpc.insecure_channel(node_address), administrator) as opened:
        yield opened


@pytest.fixture
def pins(channel: grpc.Channel) -> pb_grpc.PersonPinsStub:
    return pb_grpc.PersonPinsStub(channel)


def set_pin(pins: pb_grpc.PersonPinsStub, person_id: bytes, pin: str = PIN) -> None:
    pins.SetPin(pb.SetPinRequest(person_id=person_id, pin=pin), timeout=10)


def test_the_office_sets_a_pin_that_follows_the_rules(desk: Desk, pins: pb_grpc.PersonPinsStub) -> None:
    elder, volunteer = people(desk)
    for weak, rule in (
        ("12345", "pin: got 5 characters, want 6 digits"),
        ("abcdef", "pin: got 6 characters, want 6 digits"),
        ("111111", "one digit repeated or a run"),
        ("234567", "one digit repeated or a run"),
        ("900202", "must not hold the birth date"),  # born 1990-02-02
    ):
        code, detail = refusal(set_pin, pins, volunteer, weak)
        assert code == grpc.StatusCode.INVALID_ARGUMENT and rule in detail, (weak, detail)
    pending = desk.register("volunteer", "周待审", "1992-04-04")
    code, detail = refusal(set_pin, pins, pending)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "is pending; a PIN is for an approved person" in detail
    set_pin(pins, volunteer)


def test_five_wrong_pins_lock_signing_in_and_a_new_pin_lifts_it(
    desk: Desk, pins: pb_grpc.PersonPinsStub, channel: grpc.Channel, clock: FakeClock
) -> None:
    _, volunteer = people(desk)
    set_pin(pins, volunteer)
    phone = Phone(channel)
    for attempt in range(4):
        code, detail = refusal(phone.sign_in, volunteer, "000001")
        assert code == grpc.StatusCode.UNAUTHENTICATED and detail.startswith("pin: the PIN is wrong"), attempt
    code, detail = refusal(phone.sign_in, volunteer, "000001")
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED and "locked for 15 more minutes" in detail
    code, _ = refusal(phone.sign_in, volunteer, PIN)  # even the right PIN waits
    assert code == grpc.StatusCode.RESOURCE_EXHAUSTED
    set_pin(pins, volunteer, "739164")
    assert phone.sign_in(volunteer, "739164").person.name == "林志愿"
    clock.advance(31 * MINUTE_MICROS)
    code, detail = refusal(phone.call, "MyAccount", pb.MyAccountRequest())
    assert code == grpc.StatusCode.UNAUTHENTICATED and "idle for more than 30 minutes" in detail


def test_a_day_on_the_phones_and_each_sees_only_their_own(
    node: RunningNode, desk: Desk, pins: pb_grpc.PersonPinsStub, channel: grpc.Channel, clock: FakeClock
) -> None:
    elder, volunteer = people(desk)
    stranger = desk.register("volunteer", "黄路人", "1993-06-06")
    desk.approve(stranger)
    for person in (elder, volunteer, stranger):
        set_pin(pins, person)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    check_in = desk.code(order, "check-in")

    described = pb_grpc.PersonalStub(channel).DescribeCode(pb.DescribeCodeRequest(code=check_in), timeout=10)
    assert (described.purpose, described.elder_name_masked, described.volunteer_name_masked) == (
        "check-in",
        "陈**",
        "林**",
    )
    assert described.item_name and not described.used and described.order.order_id == order

    intruder = Phone(channel)
    intruder.sign_in(stranger)
    code, detail = refusal(intruder.call, "Scan", pb.ScanRequest(code=check_in))
    assert code == grpc.StatusCode.PERMISSION_DENIED and "is not the volunteer of order" in detail
    code, _ = refusal(intruder.call, "MyOrder", pb.PersonalOrderRequest(order_id=order))
    assert code == grpc.StatusCode.PERMISSION_DENIED

    helper = Phone(channel)
    helper.sign_in(volunteer)
    assert helper.call("Scan", pb.ScanRequest(code=check_in)).state == "checked-in"
    clock.advance(45 * MINUTE_MICROS)
    code, _ = refusal(helper.call, "Scan", pb.ScanRequest(code=desk.code(order, "check-out")))
    assert code == grpc.StatusCode.UNAUTHENTICATED  # 45 minutes without a call: the PIN again
    helper.sign_in(volunteer)
    out = helper.call("Scan", pb.ScanRequest(code=desk.code(order, "check-out")))
    assert out.state == "checked-out" and out.credited_minutes == 45
    seen = helper.call("MyOrder", pb.PersonalOrderRequest(order_id=order))
    assert list(seen.actions) == ["dispute"] and seen.elder_name == "陈婆婆"

    granny = Phone(channel)
    granny.sign_in(elder)
    assert list(granny.call("MyOrder", pb.PersonalOrderRequest(order_id=order)).actions) == ["confirm", "dispute"]
    assert granny.call("Confirm", pb.PersonalOrderRequest(order_id=order)).state == "confirmed"
    rated = granny.call("Rate", pb.PersonalRateRequest(order_id=order, stars=5, comment="很好"))
    assert rated.stars == 5
    assert list(granny.call("MyOrder", pb.PersonalOrderRequest(order_id=order)).actions) == []

    mine = helper.call("MyAccount", pb.MyAccountRequest())
    assert mine.person.balance_minutes == 45
    assert [(m.kind, m.amount_minutes) for m in mine.movements] == [("deposit", 45)]
    assert [o.order_id for o in mine.orders] == [order]
    intruder.sign_in(stranger)
    assert intruder.call("MyAccount", pb.MyAccountRequest()).orders == []

    by = {event.by for event in care_events(node.books) if event.WhichOneof("record") in ("order",)}
    assert f"person:{volunteer.hex()}" in by and f"person:{elder.hex()}" in by


def test_a_proxy_disputes_once_however_often_the_form_is_sent(
    desk: Desk, pins: pb_grpc.PersonPinsStub, channel: grpc.Channel, clock: FakeClock
) -> None:
    elder, volunteer = people(desk)
    son = desk.register("proxy", "陈儿子", "1975-07-07")
    desk.approve(son)
    desk.relate("proxy", elder, son)
    set_pin(pins, son)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.serve(order, volunteer, clock, 30)
    phone = Phone(channel)
    phone.sign_in(son)
    account = phone.call("MyAccount", pb.MyAccountRequest())
    assert [e.name for e in account.elders] == ["陈婆婆"] and [o.order_id for o in account.elders_orders] == [order]
    dispute_id = new_id(0xF0)
    request = pb.PersonalDisputeRequest(dispute_id=dispute_id, order_id=order, reason="只来了十分钟")
    first = phone.call("OpenDispute", request)
    again = phone.call("OpenDispute", request)
    assert first == again and first.state == "open"
    seen = phone.call("MyOrder", pb.PersonalOrderRequest(order_id=order))
    assert seen.order.state == "disputed" and seen.dispute.dispute_id == dispute_id and list(seen.actions) == []
