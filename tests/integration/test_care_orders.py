"""Orders given back and cancelled over a real node: release reopens an accepted order for
matching, cancellation ends an open or accepted one; each is kept in the order's steps, and
every refusal names its rule and changes nothing."""

from __future__ import annotations

import grpc

from nodes.server import RunningNode
from tests.support.care import HOUR_MICROS, INVALID, PRECONDITION, Desk, people, refusal, refused
from timebank.clock import FakeClock
from timebank.v1 import care_pb2 as pb

DENIED = grpc.StatusCode.PERMISSION_DENIED


def release(desk: Desk, order: bytes, acting: bytes = b"", operator: str = "", reason: str = "生病") -> pb.Order:
    request = pb.ReleaseOrderRequest(order_id=order, acting_person_id=acting, operator=operator, reason=reason)
    return desk.care.ReleaseOrder(request, timeout=10)


def cancel(desk: Desk, order: bytes, acting: bytes = b"", operator: str = "", reason: str = "已住院") -> pb.Order:
    request = pb.CancelOrderRequest(order_id=order, acting_person_id=acting, operator=operator, reason=reason)
    return desk.care.CancelOrder(request, timeout=10)


def listed(desk: Desk, state: str) -> list[bytes]:
    orders = desk.care.ListOrders(pb.ListOrdersRequest(state=state), timeout=10).orders
    return [order.order_id for order in orders]


def test_a_released_order_is_open_again_and_taken_by_another(desk: Desk, clock: FakeClock) -> None:
    elder, first = people(desk)
    second = desk.register("volunteer", "黄志愿", "1991-03-03")
    desk.approve(second)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, first)
    released = release(desk, order, acting=first, reason="发烧, 来不了")
    assert (released.state, released.volunteer_id, released.volunteer_node_id) == ("open", b"", "")
    assert len(released.steps) == 1
    assert released.steps[0].endswith(f"released by volunteer {first.hex()}: 发烧, 来不了")
    assert order in listed(desk, "open")
    desk.accept(order, second)
    again = release(desk, order, operator="李调度", reason="改派")
    assert again.steps[1].endswith(f"released by operator 李调度 (volunteer {second.hex()}): 改派")
    assert desk.serve(order, first, clock, 30).state == "checked-out"  # the first volunteer took it back


def test_a_cancelled_order_ends_and_its_codes_stop_working(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    code = desk.code(order, "check-in")
    cancelled = cancel(desk, order, acting=elder, reason="已住院")
    assert cancelled.state == "cancelled" and cancelled.volunteer_id == volunteer
    assert cancelled.steps[0].endswith(f"cancelled by {elder.hex()}: 已住院")
    assert listed(desk, "cancelled") == [order]
    status, message = refused(node, desk.scan, code, volunteer)
    assert status == PRECONDITION and "cancelled" in message
    status, message = refused(node, cancel, desk, order, elder)
    assert status == PRECONDITION and f"order {order.hex()} was cancelled already (" in message
    status, message = refused(node, release, desk, order, volunteer)
    assert status == PRECONDITION and "is cancelled, want accepted" in message
    open_one = desk.publish(elder, "meals", clock.now_micros() + 2 * HOUR_MICROS)
    assert cancel(desk, open_one, operator="王审核", reason="重复发布").state == "cancelled"


def test_a_proxy_cancels_for_the_elder_but_a_volunteer_or_a_stranger_does_not(
    node: RunningNode, desk: Desk, clock: FakeClock
) -> None:
    elder, volunteer = people(desk)
    proxy = desk.register("proxy", "陈儿子", "1975-01-01")
    desk.approve(proxy)
    desk.relate("proxy", elder, proxy)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    status, message = refused(node, cancel, desk, order, volunteer)
    assert status == DENIED and "is neither the elder" in message
    status, message = refused(node, release, desk, order, elder)
    assert status == DENIED and f"acting_person_id: {elder.hex()} is not the order's volunteer" in message
    assert cancel(desk, order, acting=proxy).steps[0].endswith(f"cancelled by {proxy.hex()}: 已住院")


def test_who_acts_and_why_are_required(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    status, message = refused(node, release, desk, order, volunteer, "", "  ")
    assert status == INVALID and message == "reason: must not be empty"
    status, message = refused(node, release, desk, order, volunteer, "李调度")
    assert status == INVALID and "give the person acting or an operator, not both" in message
    status, message = refused(node, cancel, desk, order)
    assert status == INVALID and message.startswith("acting_person_id: empty")
    status, message = refused(node, cancel, desk, order, b"", "李" * 41)
    assert status == INVALID and message == "operator: got 41 characters, want at most 40"
    status, message = refusal(desk.care.ListOrders, pb.ListOrdersRequest(state="canceled"))
    assert status == INVALID and "state: got 'canceled', want one of open, accepted" in message


def test_an_order_under_way_is_disputed_not_cancelled(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = people(desk)
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.accept(order, volunteer)
    desk.scan(desk.code(order, "check-in"), volunteer)
    status, message = refused(node, cancel, desk, order, elder)
    assert status == PRECONDITION and "is checked-in, want open or accepted (a service under way" in message
    status, message = refused(node, release, desk, order, volunteer)
    assert status == PRECONDITION and "is checked-in, want accepted" in message
