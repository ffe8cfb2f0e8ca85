"""Operations of the time-bank services racing on the same thing: exactly one wins, the
other is refused by name, and the ledger holds the winner's transfers only."""

from __future__ import annotations

import threading
from collections.abc import Callable

import grpc

from tests.support.care import HOUR_MICROS, Desk, new_id
from timebank.clock import FakeClock
from timebank.v1 import care_pb2 as pb

ROUNDS = 4
MALL = (4).to_bytes(16, "big")
ADJUSTMENT = (5).to_bytes(16, "big")


def race(*calls: Callable[[], object]) -> list[grpc.StatusCode]:
    """Runs the calls at once; the status of each (OK or its refusal)."""
    start = threading.Barrier(len(calls))
    outcomes: list[grpc.StatusCode] = [grpc.StatusCode.UNKNOWN] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        start.wait()
        try:
            call()
            outcomes[index] = grpc.StatusCode.OK
        except grpc.RpcError as error:
            outcomes[index] = error.code()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_redemptions_of_the_last_item(desk: Desk, clock: FakeClock) -> None:
    elder = desk.register("elder", "陈婆婆", "1950-05-05")
    desk.approve(elder)
    buyers = []
    for name in ("林志愿", "赵志愿"):
        volunteer = desk.register("volunteer", name, "1990-02-02")
        desk.approve(volunteer)
        order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
        desk.serve(order, volunteer, clock, 60)
        desk.confirm(order, elder)
        buyers.append(volunteer)
    for round_number in range(ROUNDS):
        code = f"tea-{round_number}"
        desk.care.AddMallItem(
            pb.AddMallItemRequest(item_code=code, name="茶叶", price_minutes=5, stock_added=1), timeout=10
        )
        requests = [
            pb.RedeemMallItemRequest(redemption_id=new_id(0x30), person_id=buyer, item_code=code, quantity=1)
            for buyer in buyers
        ]
        outcomes = race(*(lambda r=r: desk.care.RedeemMallItem(r, timeout=30) for r in requests))
        assert sorted(outcomes, key=str) == sorted([grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED], key=str)
        items = {i.item_code: i for i in desk.care.ListMallItems(pb.ListMallItemsRequest(), timeout=10).items}
        assert (items[code].stock, items[code].reserved) == (0, 1)
    assert desk.client.get_account(MALL).account.credits_pending_minutes == 5 * ROUNDS


def test_a_confirmation_and_a_dispute_at_once(desk: Desk, clock: FakeClock) -> None:
    elder, volunteer = (
        desk.register("elder", "陈婆婆", "1950-05-05"),
        desk.register("volunteer", "林志愿", "1990-02-02"),
    )
    desk.approve(elder)
    desk.approve(volunteer)
    for _ in range(ROUNDS):
        order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
        desk.serve(order, volunteer, clock, 30)
        dispute = pb.OpenDisputeRequest(dispute_id=new_id(0x31), order_id=order, acting_person_id=elder, reason="不对")
        outcomes = race(
            lambda order=order: desk.confirm(order, elder),
            lambda dispute=dispute: desk.care.OpenDispute(dispute, timeout=30),
        )
        assert sorted(outcomes, key=str) == sorted([grpc.StatusCode.OK, grpc.StatusCode.FAILED_PRECONDITION], key=str)
        state = desk.care.GetOrder(pb.GetOrderRequest(order_id=order), timeout=10).state
        assert state == ("confirmed" if outcomes[0] == grpc.StatusCode.OK else "disputed")
    held = desk.client.get_account(ADJUSTMENT).account.credits_pending_minutes
    deposited = desk.balance(volunteer)
    assert held + deposited == 30 * ROUNDS  # each order's hours are either deposited or held, never both
