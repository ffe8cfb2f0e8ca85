"""The time-bank services in the demo's day: what a district's operators do every day.

An entry-point module (used by city.demo.day). Through the CareDesk API of the running
nodes only: people registered and reviewed (an elder, her proxy, a lawyer volunteer at
shiqi; a volunteer homed at dongqu who serves at shiqi; family at dongqu), a
qualification, teams, a legal-aid demand matched to the one qualified volunteer, signed
check-in and check-out codes with the city's clock moved over the service, the proxy's
confirmation and the deposit, ratings and a follow-up visit, a dispute held and
resolved by adjustment (paid to dongqu through the clearinghouse), an elder paying for
a service with her own hours, an order given back by its volunteer and then cancelled
by the elder, a family transfer across nodes, a donation and a grant from the pool, a
mall redemption picked up and one cancelled, the policy's refusals, and the statistics
and supervision alerts each node reports.
"""

from __future__ import annotations

import pathlib
import time
from collections.abc import Callable
from typing import Any

import grpc

from nodes.care.rules import identity_check_character
from timebank import ids
from timebank.ledger.model import format_hours
from timebank.v1 import care_pb2 as cpb
from timebank.v1 import ledger_pb2 as pb

__all__ = [
    "CareDay",
    "CityClock",
    "CLOCK_STEP_PAUSE_SECONDS",
    "CLOCK_STEP_SECONDS",
    "HOME_CHECK_WAIT_SECONDS",
    "MINUTE_SECONDS",
    "moving_hours",
    "orders",
    "people",
    "report",
    "run_services",
]

MINUTE_SECONDS = 60
CLOCK_STEP_SECONDS = 240  # below every party's clock-skew limit, so the city moves together
CLOCK_STEP_PAUSE_SECONDS = 0.15  # longer than a party takes to re-read the offset
HOME_CHECK_WAIT_SECONDS = 30.0


class CityClock:
    """Moves every party's clock forward together through the shared offset file."""

    def __init__(self, path: pathlib.Path) -> None:
        self.path = path
        self.offset_seconds = 0
        path.write_text("0\n", encoding="ascii")

    def advance(self, seconds: int) -> None:
        while seconds > 0:
            step = min(seconds, CLOCK_STEP_SECONDS)
            self.offset_seconds += step
            seconds -= step
            staging = self.path.with_suffix(".new")
            staging.write_text(f"{self.offset_seconds}\n", encoding="ascii")
            staging.replace(self.path)
            time.sleep(CLOCK_STEP_PAUSE_SECONDS)

    def now_micros(self) -> int:
        return time.time_ns() // 1_000 + self.offset_seconds * 1_000_000


class CareDay:
    """The operators' side of the demo's day, over the nodes' CareDesk API."""

    def __init__(self, day: Any, clock: CityClock, expect: Callable[[bool, str], None]) -> None:
        self.day = day
        self.clock = clock
        self.expect = expect
        self.people: dict[str, tuple[str, bytes]] = {}
        self.numbers: dict[str, str] = {}
        self.serial = 0

    def call(self, node_id: str, method: str, **fields: Any) -> Any:
        client = self.day.city.client(node_id)
        request = getattr(cpb, f"{method}Request")(**fields)
        return client.call(getattr(client.care, method), request)

    def refused(self, node_id: str, method: str, say: str, code: grpc.StatusCode, **fields: Any) -> None:
        try:
            self.call(node_id, method, **fields)
        except grpc.RpcError as error:
            self.expect(error.code() == code, f"{say}: got {error.code().name}, want {code.name}")
            print(f"  refused  {say}\n           {error.code().name}: {error.details()}")
            return
        self.expect(False, f"{say}: accepted, want {code.name}")

    def register(self, node_id: str, role: str, name: str, birth_date: str, community: str, **extra: Any) -> bytes:
        if name not in self.numbers:  # the same person has the same number at every node
            self.serial += 1
            first = "442000" + birth_date.replace("-", "") + f"{self.serial:03d}"
            self.numbers[name] = first + identity_check_character(first)
        person_id: bytes = extra.pop("person_id", None) or self.day.new_id()
        self.call(
            node_id,
            "RegisterPerson",
            person_id=person_id,
            role=role,
            name=name,
            identity_number=self.numbers[name],
            birth_date=birth_date,
            community=community,
            **extra,
        )
        person = self.approve(node_id, person_id)
        where = "" if person.home_node_id == node_id else f" (homed at {person.home_node_id})"
        print(f"  {name:<4} {role:<9} at {node_id}{where}: approved, {person.identity_masked}, age {person.age_years}")
        if person.home_node_id == node_id:
            self.people[name] = (node_id, person_id)
            self.day.members[name] = (node_id, person_id)
        return person_id

    def approve(self, node_id: str, person_id: bytes) -> Any:
        """Approves once the clearinghouse confirms the node is the person's only home (bounded wait)."""
        deadline = time.monotonic() + HOME_CHECK_WAIT_SECONDS
        while True:
            try:
                return self.call(node_id, "ReviewPerson", person_id=person_id, approve=True, operator="王审核")
            except grpc.RpcError as error:
                if "has not yet confirmed" not in (error.details() or "") or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def relate(
        self, node_id: str, kind: str, person: bytes, other: bytes, relation: str, other_node_id: str = ""
    ) -> None:
        relationship_id = self.day.new_id()
        self.call(
            node_id,
            "AddRelationship",
            relationship_id=relationship_id,
            kind=kind,
            person_id=person,
            other_node_id=other_node_id,
            other_person_id=other,
            relation=relation,
        )
        self.call(node_id, "ReviewRelationship", relationship_id=relationship_id, approve=True, operator="王审核")

    def publish(
        self, node_id: str, elder: bytes, acting: bytes, item_code: str, minutes: int, paid_by: str = ""
    ) -> bytes:
        order_id: bytes = self.day.new_id()
        start = self.clock.now_micros() + 10 * MINUTE_SECONDS * 1_000_000
        self.call(
            node_id,
            "PublishDemand",
            order_id=order_id,
            elder_id=elder,
            acting_person_id=acting,
            item_code=item_code,
            window_start_micros=start,
            window_end_micros=start + minutes * MINUTE_SECONDS * 1_000_000,
            place="岐头社区 3 栋 201",
            paid_by=paid_by,
        )
        return order_id

    def serve(self, node_id: str, order_id: bytes, volunteer: bytes, minutes: int) -> Any:
        self.call(node_id, "AcceptDemand", order_id=order_id, volunteer_id=volunteer, operator="李调度")
        self.clock.advance(10 * MINUTE_SECONDS)  # the volunteer travels to the elder's home
        code = self.call(node_id, "IssueCode", order_id=order_id, purpose="check-in").code
        self.call(node_id, "ScanCode", code=code, volunteer_id=volunteer)
        self.clock.advance(minutes * MINUTE_SECONDS)
        code = self.call(node_id, "IssueCode", order_id=order_id, purpose="check-out").code
        return self.call(node_id, "ScanCode", code=code, volunteer_id=volunteer)

    def balance(self, name: str) -> int:
        node_id, person_id = self.people[name]
        return int(self.day.city.client(node_id).get_account(person_id).balance_minutes)

    def wait_balance(self, name: str, minutes: int) -> None:
        deadline = time.monotonic() + 60
        while self.balance(name) != minutes:
            self.expect(time.monotonic() < deadline, f"{name}: balance {self.balance(name)}, want {minutes}")
            time.sleep(0.05)


def run_services(day: Any, clock: CityClock, expect: Callable[[bool, str], None]) -> dict[str, tuple[str, bytes]]:
    """The day's services; the people registered, by name: (node id, person id)."""
    care = CareDay(day, clock, expect)
    people(care)
    orders(care)
    moving_hours(care)
    report(care)
    return care.people


def people(care: CareDay) -> None:
    print("time-bank services: people registered and reviewed (identity numbers kept hashed and masked)")
    elder = care.register("shiqi", "elder", "陈婆婆", "1948-03-02", "岐头社区")
    proxy = care.register("shiqi", "proxy", "陈小明", "1975-06-01", "岐头社区")
    lawyer = care.register("shiqi", "volunteer", "林律师", "1985-09-09", "岐头社区")
    visitor = care.register("dongqu", "volunteer", "黄志愿", "1990-01-15", "东区社区")
    care.register("shiqi", "volunteer", "黄志愿", "1990-01-15", "东区社区", home_node_id="dongqu", person_id=visitor)
    son = care.register("dongqu", "volunteer", "陈大明", "1972-08-08", "东区社区")
    care.register("shiqi", "elder", "周伯伯", "1940-10-10", "岐头社区")
    twin = care.day.new_id()
    care.call(
        "dongqu",
        "RegisterPerson",
        person_id=twin,
        role="volunteer",
        name="林律师",
        identity_number=care.numbers["林律师"],
        birth_date="1985-09-09",
        community="东区社区",
    )
    deadline = time.monotonic() + HOME_CHECK_WAIT_SECONDS
    while care.call("dongqu", "GetPerson", person_id=twin).home_check == "waiting":
        care.expect(time.monotonic() < deadline, "the clearinghouse did not answer dongqu's home claim")
        time.sleep(0.05)
    care.refused(
        "dongqu",
        "ReviewPerson",
        "林律师 registers again at dongqu as if it were his home",
        grpc.StatusCode.FAILED_PRECONDITION,
        person_id=twin,
        approve=True,
        operator="王审核",
    )
    care.call("dongqu", "ReviewPerson", person_id=twin, approve=False, reason="已在石岐街道登记", operator="王审核")
    expiry = time.strftime("%Y-%m-%d", time.gmtime(care.clock.now_micros() / 1e6 + 365 * 86_400))
    qualification_id = care.day.new_id()
    care.call(
        "shiqi",
        "AddQualification",
        qualification_id=qualification_id,
        person_id=lawyer,
        kind="lawyer",
        issuer="中山市司法局",
        number="14420201510000001",
        scope="法律咨询 legal advice",
        expires_on=expiry,
    )
    care.call("shiqi", "ReviewQualification", qualification_id=qualification_id, approve=True, operator="王审核")
    print(f"  林律师's lawyer's qualification (律师资格) reviewed: valid until {expiry}")
    care.relate("shiqi", "proxy", elder, proxy, "son")
    care.relate("shiqi", "family", elder, son, "son", other_node_id="dongqu")
    print("  陈小明 verified as 陈婆婆's proxy; 陈大明 at dongqu verified as her family")
    for code, name, kind in (
        ("qiqi-volunteers", "石岐志愿服务队", "district"),
        ("lawyers", "律师志愿团", "department"),
    ):
        care.call("shiqi", "CreateTeam", team_code=code, name=name, kind=kind)
    for code, person in (("qiqi-volunteers", lawyer), ("lawyers", lawyer), ("qiqi-volunteers", visitor)):
        care.call("shiqi", "JoinTeam", team_code=code, person_id=person)
    print("  teams: 石岐志愿服务队 (district), 律师志愿团 (department); 林律师 is in both")
    node_id, chen = care.people["陈婆婆"]
    opening = pb.Transfer(
        id=care.day.new_id(),
        kind=pb.TRANSFER_KIND_SINGLE_PHASE,
        debit_account_id=ids.to_bytes(1),
        credit_account_id=chen,
        amount_minutes=1_200,
        memo="opening balance carried over from the paper ledger",
    )
    care.day.city.client(node_id).submit_transfer(opening)
    print("  陈婆婆's savings from the paper ledger: 20.00 h (a ledger transfer by the operator)")


def orders(care: CareDay) -> None:
    _, elder = care.people["陈婆婆"]
    _, proxy = care.people["陈小明"]
    _, lawyer = care.people["林律师"]
    _, visitor = care.people["黄志愿"]
    print("a legal-aid demand by the proxy, matched to the one qualified volunteer, served and confirmed")
    legal = care.publish("shiqi", elder, proxy, "legal-aid", 60)
    ranked = care.call("shiqi", "MatchDemand", order_id=legal).candidates
    care.expect([c.person_id for c in ranked] == [lawyer], f"legal aid matched {len(ranked)} volunteers")
    print(f"  matched: {', '.join(f'{c.rank}. {c.name}' for c in ranked)} (qualified, free, same community)")
    served = care.serve("shiqi", legal, lawyer, 50)
    print(f"  check-in and check-out codes scanned (the city's clock moved 50 min): {served.served_minutes} min")
    confirmed = care.call("shiqi", "ConfirmOrder", order_id=legal, acting_person_id=proxy)
    care.expect(care.balance("林律师") == 50, "the lawyer's deposit")
    print(f"  confirmed by the proxy: 林律师 +{format_hours(50)} h, transfer {confirmed.deposit_transfer_id.hex()}")
    care.refused(
        "shiqi",
        "ConfirmOrder",
        "confirming it twice",
        grpc.StatusCode.FAILED_PRECONDITION,
        order_id=legal,
        acting_person_id=proxy,
    )
    for rater, stars in ((elder, 5), (lawyer, 5)):
        care.call("shiqi", "RateOrder", order_id=legal, rater_id=rater, stars=stars, comment="很好")
    care.refused(
        "shiqi",
        "RateOrder",
        "a rating of 9 stars",
        grpc.StatusCode.INVALID_ARGUMENT,
        order_id=legal,
        rater_id=proxy,
        stars=9,
    )
    care.call("shiqi", "RecordFollowUp", order_id=legal, operator="李回访", note="电话回访: 老人对服务满意")
    print("  rated 5 stars by both sides; follow-up visit recorded")

    print("a volunteer from dongqu keeps an elder company at shiqi; a dispute, adjusted")
    comfort = care.publish("shiqi", elder, elder, "emotional-comfort", 120)
    care.serve("shiqi", comfort, visitor, 90)
    dispute_id = care.day.new_id()
    dispute = care.call(
        "shiqi",
        "OpenDispute",
        dispute_id=dispute_id,
        order_id=comfort,
        acting_person_id=elder,
        reason="实际只陪了一小时",
    )
    print(f"  disputed by 陈婆婆: 90 min held in pending transfer {dispute.hold_transfer_id.hex()}")
    resolved = care.call(
        "shiqi",
        "ResolveDispute",
        dispute_id=dispute_id,
        decision="adjust",
        decided_minutes=60,
        reason="核实为一小时",
        operator="张主任",
    )
    for step in resolved.steps:
        print(f"    {step}")
    care.wait_balance("黄志愿", 60)
    print("  黄志愿 at dongqu +1.00 h, through the clearinghouse")

    print("an elder pays for a service with her own hours (she is over the redemption age)")
    bath = care.publish("shiqi", elder, proxy, "bathing", 60, paid_by="elder")
    care.serve("shiqi", bath, lawyer, 45)
    care.call("shiqi", "ConfirmOrder", order_id=bath, acting_person_id=proxy)
    print(f"  陈婆婆 -{format_hours(45)} h, 林律师 +{format_hours(45)} h")
    _, zhou = care.people["周伯伯"]
    short = care.publish("shiqi", zhou, zhou, "cleaning", 60)
    care.serve("shiqi", short, visitor, 3)
    care.call("shiqi", "ConfirmOrder", order_id=short, acting_person_id=zhou)
    print("  黄志愿 checked out of 周伯伯's cleaning after 3 min: confirmed, and an alert for the operators")
    print("a meal given back by its volunteer, taken by another, then cancelled by the elder")
    meals = care.publish("shiqi", zhou, zhou, "meals", 30)
    care.call("shiqi", "AcceptDemand", order_id=meals, volunteer_id=visitor, operator="李调度")
    care.call("shiqi", "ReleaseOrder", order_id=meals, acting_person_id=visitor, reason="临时有事, 来不了")
    care.call("shiqi", "AcceptDemand", order_id=meals, volunteer_id=lawyer, operator="李调度")
    cancelled = care.call("shiqi", "CancelOrder", order_id=meals, acting_person_id=zhou, reason="家人已送餐")
    care.expect(
        cancelled.state == "cancelled" and len(cancelled.steps) == 2, "the meal order's release and cancellation"
    )
    for step in cancelled.steps:
        print(f"    {step}")
    young = care.register("shiqi", "elder", "吴阿姨", "1963-06-06", "岐头社区")
    care.refused(
        "shiqi",
        "PublishDemand",
        "吴阿姨, under 65 and not in hardship, pays with her own hours",
        grpc.StatusCode.FAILED_PRECONDITION,
        order_id=care.day.new_id(),
        elder_id=young,
        acting_person_id=young,
        item_code="cleaning",
        window_start_micros=care.clock.now_micros() + 3_600_000_000,
        window_end_micros=care.clock.now_micros() + 7_200_000_000,
        paid_by="elder",
    )


def moving_hours(care: CareDay) -> None:
    _, elder = care.people["陈婆婆"]
    _, lawyer = care.people["林律师"]
    _, son = care.people["陈大明"]
    _, zhou = care.people["周伯伯"]
    print("moving hours: family across nodes, the donation pool, the points mall")
    care.refused(
        "shiqi",
        "GiveHours",
        "林律师 gives hours to 陈大明, who is not his family",
        grpc.StatusCode.PERMISSION_DENIED,
        transfer_id=care.day.new_id(),
        from_person_id=lawyer,
        to_node_id="dongqu",
        to_person_id=son,
        amount_minutes=30,
    )
    care.refused(
        "shiqi",
        "Donate",
        "林律师 donates hours deposited today",
        grpc.StatusCode.FAILED_PRECONDITION,
        transfer_id=care.day.new_id(),
        person_id=lawyer,
        amount_minutes=30,
    )
    gift = care.call(
        "shiqi",
        "GiveHours",
        transfer_id=care.day.new_id(),
        from_person_id=elder,
        to_node_id="dongqu",
        to_person_id=son,
        amount_minutes=120,
    )
    care.wait_balance("陈大明", 120)
    print(f"  陈婆婆 (shiqi) -> son 陈大明 (dongqu) 2.00 h: {gift.state}, committed")
    care.day.cross.append(gift.transfer_id)
    care.call("shiqi", "Donate", transfer_id=care.day.new_id(), person_id=elder, amount_minutes=90)
    care.call(
        "shiqi",
        "GrantFromPool",
        transfer_id=care.day.new_id(),
        elder_id=zhou,
        amount_minutes=60,
        reason="独居无积蓄",
        operator="张主任",
    )
    print("  陈婆婆 donated 1.50 h to the pool; 周伯伯 (no savings) granted 1.00 h from it")
    care.call("shiqi", "AddMallItem", item_code="rice-5kg", name="大米 5kg", price_minutes=180, stock_added=3)
    kept, cancelled = care.day.new_id(), care.day.new_id()
    for redemption_id in (kept, cancelled):
        care.call(
            "shiqi", "RedeemMallItem", redemption_id=redemption_id, person_id=elder, item_code="rice-5kg", quantity=1
        )
    care.call("shiqi", "SettleRedemption", redemption_id=kept)
    care.call("shiqi", "SettleRedemption", redemption_id=cancelled, cancel=True)
    print("  陈婆婆 redeemed 大米 5kg for 3.00 h (picked up); a second one cancelled before pick-up")
    care.refused(
        "shiqi",
        "RedeemMallItem",
        "陈婆婆 redeems 3 more (2 in stock)",
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        redemption_id=care.day.new_id(),
        person_id=elder,
        item_code="rice-5kg",
        quantity=3,
    )


def report(care: CareDay) -> None:
    for node_id in ("shiqi", "dongqu"):
        figures = care.call(node_id, "GetStatistics")
        print(
            f"statistics at {node_id}: outstanding {format_hours(figures.outstanding_minutes)} h held by members "
            f"(the liability the city guarantees), {figures.active_volunteers} active volunteers"
        )
        for row in figures.rows:
            print(
                f"  {row.dimension:<8} {row.key:<20} deposited {format_hours(row.deposited_minutes):>6} h  "
                f"redeemed {format_hours(row.redeemed_minutes):>6} h  orders {row.order_count}"
            )
        alerts = care.call(node_id, "ListAlerts").alerts
        print(f"supervision alerts at {node_id}: {len(alerts)}")
        for alert in alerts:
            print(f"  #{alert.alert_id} {alert.rule}: {alert.evidence}")
