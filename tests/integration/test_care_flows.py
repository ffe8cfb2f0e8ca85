"""The time-bank services end to end in a city of real servers: one elder and two volunteers
(one homed at another node, one professional) from registration to certificate, with the
balances and the ledger checked at each step."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import grpc
import pytest

from tests.support.care import (
    DAY_MICROS,
    HOUR_MICROS,
    Desk,
    ShiftedClock,
    care_events,
    identity_number,
    new_id,
    refusal,
    today_plus,
)
from tests.support.city import RunningTestCity, make_city, wait_for
from timebank import certificate, keys
from timebank.audit import export
from timebank.audit.verify import verify_directory
from timebank.signing import KeyRecord, KeyRing
from timebank.v1 import care_pb2 as pb
from timebank.v1 import ledger_pb2 as lpb
from timebank.v1 import log_pb2_grpc

ISSUANCE, DONATION_POOL, MALL, ADJUSTMENT = (n.to_bytes(16, "big") for n in (1, 3, 4, 5))


@pytest.fixture
def care_city(city_databases: dict[str, str], tmp_path: pathlib.Path) -> Iterator[tuple[RunningTestCity, ShiftedClock]]:
    clock = ShiftedClock()
    city = make_city(tmp_path / "city", city_databases, clock=clock)
    try:
        city.start_clearinghouse()
        for node_id in ("shiqi", "dongqu"):
            city.start_node(node_id)
        yield city, clock
    finally:
        city.stop()


def wait_balance(desk: Desk, person_id: bytes, minutes: int) -> None:
    wait_for(lambda: desk.balance(person_id), lambda balance: balance == minutes)


def test_an_elder_and_two_volunteers_from_registration_to_certificate(
    care_city: tuple[RunningTestCity, ShiftedClock], tmp_path: pathlib.Path
) -> None:
    city, clock = care_city
    shiqi, dongqu = Desk(city.client("shiqi"), "shiqi"), Desk(city.client("dongqu"), "dongqu")

    # Registration: nobody acts before review.
    elder = shiqi.register("elder", "陈婆婆", "1948-03-02")
    proxy = shiqi.register("proxy", "陈小明", "1975-06-01")
    lawyer = shiqi.register("volunteer", "林律师", "1985-09-09")
    visitor = dongqu.register("volunteer", "黄志愿", "1990-01-15", community="东区社区")
    shiqi.register("volunteer", "黄志愿", "1990-01-15", community="东区社区", home_node_id="dongqu", person_id=visitor)
    relative = dongqu.register("elder", "林伯伯", "1950-12-12", community="东区社区")
    code, message = refusal(shiqi.publish, elder, "emotional-comfort", clock.now_micros() + HOUR_MICROS)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "not approved" in message
    for person in (elder, proxy, lawyer, visitor):
        assert shiqi.approve(person).state == "approved"
    for person in (visitor, relative):
        dongqu.approve(person)
    assert shiqi.person(elder).age_years >= 65 and shiqi.person(elder).identity_masked.count("*") == 10
    assert shiqi.person(lawyer).home_check == "confirmed"

    # The same person cannot take a second home node: the clearinghouse knows the hash of their number.
    number = identity_number("1985-09-09")
    twin_home = shiqi.register("volunteer", "林律师", "1985-09-09", identity=number)
    shiqi.approve(twin_home)
    twin = dongqu.register("volunteer", "林律师", "1985-09-09", community="东区社区", identity=number)
    code, message = refusal(dongqu.approve, twin)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "registered already with home node shiqi" in message
    assert dongqu.person(twin).home_check.startswith("refused: identity:")
    assert shiqi.balance(lawyer) == 0  # approval opened the member account

    # A qualification for legal aid, a proxy for the elder, family across nodes.
    shiqi.qualify(lawyer, "lawyer", today_plus(clock, 365))
    shiqi.relate("proxy", elder, proxy)
    shiqi.relate("family", lawyer, relative, other_node_id="dongqu")

    # Demand, matching, acceptance: only the lawyer is qualified for legal aid.
    start = clock.now_micros() + HOUR_MICROS
    legal = shiqi.publish(elder, "legal-aid", start, minutes=60, acting_person_id=proxy)
    candidates = shiqi.care.MatchDemand(pb.MatchDemandRequest(order_id=legal), timeout=10).candidates
    assert [c.person_id for c in candidates] == [lawyer]

    # Check-in and check-out; the proxy confirms; the deposit is minted to the lawyer.
    served = shiqi.serve(legal, lawyer, clock, minutes=50)
    assert (served.state, served.served_minutes, served.credited_minutes) == ("checked-out", 50, 50)
    confirmed = shiqi.confirm(legal, proxy)
    assert confirmed.state == "confirmed" and shiqi.balance(lawyer) == 50
    deposit = city.client("shiqi").get_transfer(confirmed.deposit_transfer_id).stored.transfer
    assert (deposit.debit_account_id, deposit.credit_account_id, deposit.amount_minutes) == (ISSUANCE, lawyer, 50)
    assert deposit.memo == f"order {legal.hex()}"

    # Evaluation from both sides, a follow-up visit.
    for rater, stars in ((elder, 5), (lawyer, 4)):
        shiqi.care.RateOrder(pb.RateOrderRequest(order_id=legal, rater_id=rater, stars=stars, comment="好"), timeout=10)
    shiqi.care.RecordFollowUp(pb.RecordFollowUpRequest(order_id=legal, operator="李回访", note="老人满意"), timeout=10)

    # The volunteer from dongqu serves here; the elder disputes; the operator adjusts.
    comfort = shiqi.publish(elder, "emotional-comfort", clock.now_micros() + HOUR_MICROS, minutes=120)
    assert shiqi.serve(comfort, visitor, clock, minutes=90).credited_minutes == 90
    dispute_id = new_id(0xF0)
    dispute = shiqi.care.OpenDispute(
        pb.OpenDisputeRequest(dispute_id=dispute_id, order_id=comfort, acting_person_id=elder, reason="只陪了一小时"),
        timeout=10,
    )
    assert f"opened by 陈婆婆 ({elder.hex()}): 只陪了一小时" in dispute.steps[0]  # a name beside the id
    held = city.client("shiqi").get_transfer(dispute.hold_transfer_id).stored
    assert held.state == lpb.TRANSFER_STATE_PENDING and held.transfer.amount_minutes == 90
    assert city.client("shiqi").get_account(ADJUSTMENT).account.credits_pending_minutes == 90
    resolved = shiqi.care.ResolveDispute(
        pb.ResolveDisputeRequest(
            dispute_id=dispute_id, decision="adjust", decided_minutes=60, reason="核实为一小时", operator="张主任"
        ),
        timeout=10,
    )
    assert resolved.state == "resolved" and len(resolved.steps) == 4
    assert city.client("shiqi").get_transfer(dispute.hold_transfer_id).stored.state == lpb.TRANSFER_STATE_VOIDED
    wait_balance(dongqu, visitor, 60)  # paid through the clearinghouse
    assert shiqi.care.GetOrder(pb.GetOrderRequest(order_id=comfort), timeout=10).state == "resolved"

    # Family transfer across nodes: refused while the hours are recent, accepted 31 days on.
    give = pb.GiveHoursRequest(
        transfer_id=new_id(0x10), from_person_id=lawyer, to_node_id="dongqu", to_person_id=relative, amount_minutes=20
    )
    code, message = refusal(shiqi.care.GiveHours, give, 10)
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "last 30 days" in message
    clock.advance(31 * DAY_MICROS)
    assert shiqi.care.GiveHours(give, timeout=10).state == "sent"
    wait_balance(dongqu, relative, 20)
    wait_balance(shiqi, lawyer, 30)  # posted once shiqi applies the decision

    # A donation, and a mall redemption that reserves, then is picked up.
    shiqi.care.Donate(pb.DonateRequest(transfer_id=new_id(0x11), person_id=lawyer, amount_minutes=10), timeout=10)
    assert shiqi.balance(lawyer) == 20 and city.client("shiqi").get_account(DONATION_POOL).balance_minutes == 10
    shiqi.care.AddMallItem(
        pb.AddMallItemRequest(item_code="rice", name="大米 5kg", price_minutes=15, stock_added=2), timeout=10
    )
    redemption_id = new_id(0x12)
    redeem = pb.RedeemMallItemRequest(redemption_id=redemption_id, person_id=lawyer, item_code="rice", quantity=1)
    reserved = shiqi.care.RedeemMallItem(redeem, timeout=10)
    assert shiqi.care.RedeemMallItem(redeem, timeout=10) == reserved  # idempotent
    assert shiqi.person(lawyer).available_minutes == 5 and shiqi.balance(lawyer) == 20
    picked = shiqi.care.SettleRedemption(pb.SettleRedemptionRequest(redemption_id=redemption_id), timeout=10)
    assert picked.state == "picked-up" and shiqi.balance(lawyer) == 5
    assert city.client("shiqi").get_account(MALL).balance_minutes == 15
    items = shiqi.care.ListMallItems(pb.ListMallItemsRequest(), timeout=10).items
    assert [(i.item_code, i.stock, i.reserved) for i in items] == [("rice", 1, 0)]

    # Statistics and the certificate, checked offline against the node's key.
    figures = shiqi.care.GetStatistics(pb.GetStatisticsRequest(), timeout=10)
    rows = {(row.dimension, row.key): row for row in figures.rows}
    assert rows[("node", "shiqi")].deposited_minutes == 110 and rows[("node", "shiqi")].redeemed_minutes == 15
    assert rows[("category", "professional-legal")].deposited_minutes == 50
    node_row = rows[("node", "shiqi")]
    assert (node_row.family_minutes, node_row.donated_minutes, node_row.granted_minutes) == (20, 10, 0)
    months = [row for row in figures.rows if row.dimension == "month"]
    assert sum(row.family_minutes for row in months) == 20 and sum(row.donated_minutes for row in months) == 10
    assert figures.active_volunteers == 2 and figures.outstanding_minutes == 5
    issued = shiqi.care.IssueCertificate(
        pb.IssueCertificateRequest(
            certificate_id=new_id(0x13), person_id=lawyer, period_from="2000-01-01", period_to=today_plus(clock, 0)
        ),
        timeout=10,
    )
    node_key = keys.load_signing_key(city.node_configs["shiqi"].signing_key_path).public_key()
    ring = KeyRing([KeyRecord(keys.key_id(node_key), "shiqi", keys.public_bytes(node_key), 0)])
    checked = certificate.verify(issued.certificate_file, ring)
    assert checked.valid, checked.findings
    assert checked.body is not None and checked.body.total_minutes == 50 == issued.total_minutes
    assert "林律师" in issued.html

    # The books of both nodes still balance, and every change is in the ledger.
    for node_id in ("shiqi", "dongqu"):
        city.nodes[node_id].books.check_balanced()
    statement = city.client("shiqi").get_statement(lawyer)
    posted = [e.posted_change_minutes for e in statement.entries if e.posted_change_minutes]
    assert posted == [50, -20, -10, -15] and statement.closing_balance_minutes == 5

    # Each change of the services is a leaf of the node's log, and the log verifies offline.
    events = care_events(city.nodes["shiqi"].books)
    decided = [e.dispute for e in events if e.operation == "ResolveDispute"]
    assert [(d.decision, d.decided_minutes) for d in decided] == [("adjust", 60)]
    assert {"RegisterPerson", "ReviewPerson", "ScanCode", "ConfirmOrder", "RedeemMallItem"} <= {
        e.operation for e in events
    }
    assert not any(number.encode() in e.SerializeToString() for e in events)  # only the masked form
    with export.open_channel(
        f"127.0.0.1:{city.nodes['shiqi'].port}", None, "shiqi", city.credential("shiqi")
    ) as channel:
        export.export(log_pb2_grpc.TransparencyLogStub(channel), tmp_path / "audit-shiqi", lambda done, total: None)
    assert list(verify_directory(tmp_path / "audit-shiqi").findings) == []
