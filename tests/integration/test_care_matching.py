"""Matching a demand to volunteers over a real node: who is proposed, in which order, and a
cost that does not grow with the number of volunteers (a fixed number of queries)."""

from __future__ import annotations

from sqlalchemy import event

from nodes.server import RunningNode
from tests.support.care import DAY_MICROS, HOUR_MICROS, Desk
from timebank.clock import FakeClock
from timebank.v1 import care_pb2 as pb

COMMUNITY, ELSEWHERE = "岐头社区", "槎桥社区"


def volunteer(desk: Desk, name: str, community: str = COMMUNITY) -> bytes:
    person_id = desk.register("volunteer", name, "1990-02-02", community=community)
    desk.approve(person_id)
    return person_id


def served_and_rated(desk: Desk, clock: FakeClock, elder: bytes, volunteer_id: bytes, stars: int) -> None:
    """An hour of cleaning served, confirmed and (stars > 0) rated by the elder."""
    order = desk.publish(elder, "cleaning", clock.now_micros() + HOUR_MICROS)
    desk.serve(order, volunteer_id, clock, 60)
    desk.confirm(order, elder)
    if stars:
        desk.care.RateOrder(pb.RateOrderRequest(order_id=order, rater_id=elder, stars=stars), timeout=10)
    clock.advance(2 * HOUR_MICROS)


def matched(desk: Desk, order: bytes) -> list[pb.Candidate]:
    return list(desk.care.MatchDemand(pb.MatchDemandRequest(order_id=order, limit=100), timeout=10).candidates)


def test_candidates_are_ranked_by_community_rating_and_recent_work(desk: Desk, clock: FakeClock) -> None:
    elder = desk.register("elder", "陈婆婆", "1950-05-05", community=COMMUNITY)
    desk.approve(elder)
    near_rated = volunteer(desk, "近四星")
    near_idle = volunteer(desk, "近空闲")
    near_worked = volunteer(desk, "近忙碌")
    far_rated = volunteer(desk, "远五星", ELSEWHERE)
    busy = volunteer(desk, "已预约")
    pending = desk.register("volunteer", "待审核", "1990-02-02", community=COMMUNITY)
    served_and_rated(desk, clock, elder, near_rated, 4)
    served_and_rated(desk, clock, elder, far_rated, 5)
    served_and_rated(desk, clock, elder, near_worked, 0)
    start = clock.now_micros() + DAY_MICROS
    clash = desk.publish(elder, "cleaning", start + 30 * 60_000_000)  # overlaps the demand's second half
    desk.accept(clash, busy)
    demand = desk.publish(elder, "emotional-comfort", start)

    candidates = matched(desk, demand)

    assert [c.person_id for c in candidates] == [near_rated, near_idle, near_worked, far_rated]
    assert [c.rank for c in candidates] == [1, 2, 3, 4]
    first, _, worked, last = candidates
    assert (first.same_community, first.rating_average_percent, first.recent_minutes) == (True, 400, 60)
    assert (worked.rating_average_percent, worked.recent_minutes) == (0, 60)
    assert (last.same_community, last.rating_average_percent) == (False, 500)
    assert pending not in {c.person_id for c in candidates}
    release = pb.ReleaseOrderRequest(order_id=clash, acting_person_id=busy, reason="换时间")
    desk.care.ReleaseOrder(release, timeout=10)
    assert busy in {c.person_id for c in matched(desk, demand)}  # free again once the clash is given back


def test_a_professional_demand_proposes_only_holders_of_a_valid_qualification(desk: Desk, clock: FakeClock) -> None:
    elder = desk.register("elder", "陈婆婆", "1950-05-05")
    desk.approve(elder)
    lawyer, notary, physician, unqualified = (volunteer(desk, name) for name in ("律师", "公证员", "医师", "无证"))
    desk.qualify(lawyer, "lawyer", "2099-12-31")
    desk.qualify(notary, "notary", "2099-12-31")
    desk.qualify(physician, "physician", "2099-12-31")
    desk.qualify(unqualified, "lawyer", "2099-12-31", approve=False)  # submitted, not yet reviewed
    demand = desk.publish(elder, "legal-aid", clock.now_micros() + HOUR_MICROS)
    assert {c.person_id for c in matched(desk, demand)} == {lawyer, notary}


def statements_while(node: RunningNode, call) -> int:  # type: ignore[no-untyped-def]
    """The SQL statements on the care tables that one call makes."""
    seen: list[str] = []

    def count(_connection, _cursor, statement, *_: object) -> None:  # type: ignore[no-untyped-def]
        if "care_" in statement:
            seen.append(statement)

    event.listen(node.books.engine, "before_cursor_execute", count)
    try:
        call()
    finally:
        event.remove(node.books.engine, "before_cursor_execute", count)
    return len(seen)


def test_matching_reads_the_pool_in_a_fixed_number_of_queries(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    elder = desk.register("elder", "陈婆婆", "1950-05-05")
    desk.approve(elder)
    demand = desk.publish(elder, "cleaning", clock.now_micros() + DAY_MICROS)
    for number in range(3):
        volunteer(desk, f"志愿者{number}")
    few = statements_while(node, lambda: matched(desk, demand))
    for number in range(3, 40):
        volunteer(desk, f"志愿者{number}")
    many = statements_while(node, lambda: matched(desk, demand))
    assert len(matched(desk, demand)) == 40
    assert few == many <= 8


def test_an_item_added_to_the_catalogue_is_logged_and_demanded(node: RunningNode, desk: Desk, clock: FakeClock) -> None:
    from tests.support.care import care_events

    item = pb.CatalogueItem(code="haircut", name_zh="理发", name_en="Haircut", category="general", rate_percent=100)
    desk.care.AddCatalogueItem(pb.AddCatalogueItemRequest(item=item), timeout=10)
    listed = desk.care.ListCatalogue(pb.ListCatalogueRequest(), timeout=10).items
    assert [found.name_zh for found in listed if found.code == "haircut"] == ["理发"]
    logged = [event for event in care_events(node.books) if event.operation == "AddCatalogueItem"]
    assert len(logged) == 1 and logged[0].catalogue_item.name_zh == "理发" and logged[0].by == "host-administrator"
    elder = desk.register("elder", "陈婆婆", "1950-05-05")
    desk.approve(elder)
    desk.publish(elder, "haircut", clock.now_micros() + HOUR_MICROS)
