"""The pure rules of the time-bank services: identities, ages, minutes, codes, the policy's
limits, ranking, the catalogue and the supervision rules."""

from __future__ import annotations

import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from nodes.care import catalogue, rules, supervision
from nodes.care.policy import Policy
from timebank.errors import NotNow, RequestInvalid, VerificationError

POLICY = Policy()
MINUTE = 60_000_000
DAY = 24 * 60 * MINUTE
BORN = datetime.date(1950, 5, 5)


def number_for(born: datetime.date, serial: str = "123") -> str:
    first = "442000" + born.strftime("%Y%m%d") + serial
    return first + rules.identity_check_character(first)


def test_identity_numbers_are_checked_hashed_with_a_key_and_masked() -> None:
    number = number_for(BORN)
    assert rules.check_identity_number(number.lower(), BORN) == number
    with pytest.raises(RequestInvalid, match="check character"):
        rules.check_identity_number(number[:17] + ("1" if number[17] != "1" else "2"), BORN)
    with pytest.raises(RequestInvalid, match="does not match birth_date 1950-05-06"):
        rules.check_identity_number(number, datetime.date(1950, 5, 6))
    with pytest.raises(RequestInvalid, match="18 characters"):
        rules.check_identity_number("4420", BORN)
    assert rules.identity_hash(b"a" * 32, number) != rules.identity_hash(b"b" * 32, number)
    assert number not in rules.identity_hash(b"a" * 32, number)
    assert rules.mask_identity(number) == number[:4] + "*" * 10 + number[-4:]


@pytest.mark.parametrize(
    ("today", "age"),
    [(datetime.date(2015, 5, 4), 64), (datetime.date(2015, 5, 5), 65), (datetime.date(2016, 1, 1), 65)],
)
def test_age_turns_on_the_birthday(today: datetime.date, age: int) -> None:
    assert rules.age_years(BORN, today) == age


def test_redemption_age_with_and_without_hardship() -> None:
    rules.check_redeem_age(POLICY, 65, hardship=False)
    rules.check_redeem_age(POLICY, 60, hardship=True)
    with pytest.raises(NotNow, match="the elder is 64, the minimum age to redeem is 65"):
        rules.check_redeem_age(POLICY, 64, hardship=False)
    with pytest.raises(NotNow, match="minimum age to redeem is 60 in hardship"):
        rules.check_redeem_age(POLICY, 59, hardship=True)


def test_minutes_served_are_capped_by_the_window_and_the_day() -> None:
    assert rules.served_minutes(0, 50 * MINUTE + 59_000_000, 60, 0, POLICY) == 50  # whole minutes
    assert rules.served_minutes(0, 90 * MINUTE, 60, 0, POLICY) == 60
    assert rules.served_minutes(0, 90 * MINUTE, 120, 450, POLICY) == 30  # 480 a day
    assert rules.served_minutes(0, 90 * MINUTE, 120, 600, POLICY) == 0
    with pytest.raises(RequestInvalid, match="earlier than the check-in"):
        rules.served_minutes(10, 5, 60, 0, POLICY)
    assert rules.credited_minutes(45, 150) == 67


def test_codes_verify_once_signed_and_refuse_forgery_and_age() -> None:
    key = Ed25519PrivateKey.generate()
    claims = rules.CodeClaims(0xABC, "check-out", 1_000, b"n" * 16)
    code = rules.make_code(key, claims)
    assert rules.open_code(key.public_key(), code, 999) == claims
    with pytest.raises(NotNow, match="expired 0 s ago"):
        rules.open_code(key.public_key(), code, 1_000)
    with pytest.raises(VerificationError, match="forged or altered"):
        rules.open_code(Ed25519PrivateKey.generate().public_key(), code, 0)
    tampered = code[:-3] + ("A" if code[-3] != "A" else "B") + code[-2:]
    with pytest.raises((VerificationError, RequestInvalid)):
        rules.open_code(key.public_key(), tampered, 0)
    for bad in ("", "TBC1.", "XYZ1.abc", code[:-10]):
        with pytest.raises(RequestInvalid, match="^code:"):
            rules.open_code(key.public_key(), bad, 0)


def test_storage_cap_overflow_and_what_may_be_given() -> None:
    assert rules.split_over_cap(100, 0, 0) == (100, 0)
    assert rules.split_over_cap(100, 89_950, 90_000) == (50, 50)
    assert rules.split_over_cap(100, 95_000, 90_000) == (0, 100)
    assert rules.givable_minutes(100, 30, 20, POLICY) == 50
    assert rules.givable_minutes(100, 30, 20, Policy(group_hours_donate_only=False)) == 80
    assert rules.donatable_minutes(100, 20) == 80
    with pytest.raises(NotNow, match=r"amount_minutes: got 1.00 h, at most 0.50 h may be used \(why\)"):
        rules.check_enough("amount_minutes", 60, 30, "why")


def test_candidates_rank_by_community_rating_recent_work_then_id() -> None:
    facts = [
        rules.CandidateFacts(4, "d", "n", False, 500, 0),
        rules.CandidateFacts(3, "c", "n", True, 400, 100),
        rules.CandidateFacts(2, "b", "n", True, 400, 50),
        rules.CandidateFacts(1, "a", "n", True, 500, 900),
    ]
    assert [c.person_id for c in rules.rank(facts)] == [1, 2, 3, 4]


def test_the_shipped_catalogue_is_well_formed() -> None:
    for item in catalogue.SHIPPED:
        item.check()
    professional = {item.code for item in catalogue.SHIPPED if item.professional}
    assert professional == {"health-education", "legal-aid", "home-care", "free-clinic", "financial-advice"}
    with pytest.raises(RequestInvalid, match="a professional item names at least one"):
        catalogue.CatalogueItem("x", "x", "x", "general", professional=True).check()
    with pytest.raises(RequestInvalid, match="item.code"):
        catalogue.CatalogueItem("Bad Code", "x", "x", "general").check()


def test_supervision_rules_raise_with_evidence_and_stable_fingerprints() -> None:
    base = 1_000 * MINUTE
    visit = supervision.Visit(1, 9, base, base + 60 * MINUTE)
    overlapping = supervision.Visit(2, 9, base + 30 * MINUTE, base + 90 * MINUTE)
    apart = supervision.Visit(3, 9, base + 60 * MINUTE, base + 120 * MINUTE)
    drafts = supervision.overlapping_orders(visit, [overlapping, apart], 0)
    assert [d.rule for d in drafts] == ["overlapping-orders"]
    assert drafts == supervision.overlapping_orders(overlapping, [visit], 0)  # the same pair, one alert
    assert supervision.duration(supervision.Visit(1, 9, 0, 2 * MINUTE), 60, POLICY)[0].rule == "implausible-duration"
    idle = supervision.duration(supervision.Visit(1, 9, 0, 200 * MINUTE), 60, POLICY)
    assert [d.rule for d in idle] == ["idle-check-in"] and "140 minutes between" in idle[0].evidence
    assert supervision.duration(visit, 60, POLICY) == []
    there = supervision.Gift(10, 1, 2, 30, 0)
    back = supervision.Gift(11, 2, 1, 30, 29 * DAY)
    assert supervision.back_and_forth(back, [there], POLICY)[0].rule == "back-and-forth"
    assert supervision.back_and_forth(supervision.Gift(11, 2, 1, 30, 31 * DAY), [there], POLICY) == []
    assert supervision.proxy_load(7, list(range(5)), POLICY) == []
    assert "acts for 6 elders, more than 5" in supervision.proxy_load(7, list(range(6)), POLICY)[0].evidence


def test_the_policy_reads_the_config_table_and_describes_itself() -> None:
    from nodes.config import CareTable

    policy = Policy.from_table(CareTable(storage_cap_minutes=0, give_after_days=7))
    assert policy.storage_cap_minutes == 0 and policy.give_after_days == 7
    assert "storage cap: none" in policy.describe()[0]
    with pytest.raises(Exception, match="redeem_age_min_hardship_years"):
        CareTable(redeem_age_min_years=60, redeem_age_min_hardship_years=65)
