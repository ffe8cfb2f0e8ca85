"""The pure ledger rules, table-driven: one row per rule, no database."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.ledger import ISSUANCE, member, member_spec, move, post, transfer_id, void
from timebank.ledger import rules
from timebank.ledger.model import (
    AMOUNT_MINUTES_MAX,
    ID_MAX,
    INT64_MAX,
    SYSTEM_ACCOUNT_IDS,
    Account,
    AccountKind,
    AccountSpec,
    Outcome,
    TransferKind,
    TransferRequest,
)

NOW = 1_767_225_600_000_000


def starting_view(**balances: int) -> rules.LedgerView:
    """Issuance plus members 1..3; members given balances via credits_posted."""
    accounts = {
        ISSUANCE: Account(AccountSpec(ISSUANCE, AccountKind.ISSUANCE, "issuance", no_floor=True)),
    }
    for number in (1, 2, 3):
        minutes = balances.get(f"m{number}", 0)
        accounts[member(number)] = Account(member_spec(number), credits_posted_minutes=minutes)
    accounts[member(4)] = Account(member_spec(4), closed=True)
    accounts[member(5)] = Account(member_spec(5, cap_minutes=100))
    return rules.LedgerView(accounts=accounts)


def apply(view: rules.LedgerView, *requests: TransferRequest) -> rules.BatchDecision:
    return rules.apply_transfers(view, list(requests), NOW)


def outcomes(decision: rules.BatchDecision) -> list[Outcome]:
    return [result.outcome for result in decision.results]


def then(view: rules.LedgerView, decision: rules.BatchDecision) -> rules.LedgerView:
    """The view after a decision is written (what storage would read back)."""
    transfers = dict(view.transfers)
    transfers.update({t.id: t for t in decision.transfers})
    resolutions = dict(view.resolutions)
    resolutions.update({r.pending_id: r for r in decision.resolutions})
    refusals = dict(view.refusals)
    refusals.update({r.request.id: r for r in decision.refusals})
    reversed_minutes = dict(view.reversed_minutes)
    for t in decision.transfers:
        if t.request.reverses_id:
            reversed_minutes[t.request.reverses_id] = (
                reversed_minutes.get(t.request.reverses_id, 0) + t.request.amount_minutes
            )
    accounts = {**view.accounts, **decision.accounts}
    return rules.LedgerView(accounts, transfers, refusals, resolutions, reversed_minutes)


INVALID_CASES = [
    ("zero amount", move(1, ISSUANCE, member(1), 0), "amount_minutes: got 0, want 1..="),
    ("negative amount", move(1, ISSUANCE, member(1), -5), "amount_minutes: got -5, want 1..="),
    (
        "amount over the maximum",
        move(1, ISSUANCE, member(1), AMOUNT_MINUTES_MAX + 1),
        f"want 1..={AMOUNT_MINUTES_MAX}",
    ),
    ("same account on both sides", move(1, member(1), member(1), 5), "credit_account_id: the same account"),
    ("zero id", replace(move(1, ISSUANCE, member(1), 5), id=0), "id: got 0x0"),
    ("maximum id", replace(move(1, ISSUANCE, member(1), 5), id=ID_MAX), "id: got 0xffff"),
    ("missing debit account", move(1, 0, member(1), 5), "debit_account_id: got 0x0"),
    (
        "pending_id on a single-phase transfer",
        move(1, ISSUANCE, member(1), 5, pending_id=9),
        "pending_id: must be empty for SINGLE_PHASE",
    ),
    (
        "post without pending_id",
        TransferRequest(transfer_id(1), TransferKind.POST_PENDING, 0, 0, 5),
        "pending_id: got 0x0",
    ),
    (
        "reversal that is pending",
        move(1, ISSUANCE, member(1), 5, kind=TransferKind.PENDING, reverses_id=9),
        "reverses_id: only SINGLE_PHASE transfers reverse",
    ),
    (
        "memo too long",
        move(1, ISSUANCE, member(1), 5, memo="x" * 201),
        "memo: got 201 characters, want at most 200",
    ),
    ("last item linked", move(1, ISSUANCE, member(1), 5, linked=True), "linked: the last transfer"),
]


@pytest.mark.parametrize(("name", "request_", "message"), INVALID_CASES, ids=[c[0] for c in INVALID_CASES])
def test_invalid_requests_are_refused_and_change_nothing(name: str, request_: TransferRequest, message: str) -> None:
    decision = apply(starting_view(), request_)
    assert outcomes(decision) == [Outcome.INVALID]
    assert message in decision.results[0].detail
    assert decision.transfers == () and decision.accounts == {} and decision.refusals == ()


def test_single_phase_moves_minutes_and_records_balances_after() -> None:
    decision = apply(starting_view(), move(1, ISSUANCE, member(1), 90))
    assert outcomes(decision) == [Outcome.OK]
    assert decision.accounts[member(1)].balance_minutes == 90
    assert decision.accounts[ISSUANCE].balance_minutes == -90
    stored = decision.transfers[0]
    assert (stored.debit_balance_after_minutes, stored.credit_balance_after_minutes) == (-90, 90)


STATE_CASES = [
    (
        "not enough hours",
        {"m1": 30},
        [move(1, member(1), member(2), 31)],
        Outcome.EXCEEDS_FLOOR,
        "can spend only 30",
    ),
    (
        "pending counts against the floor",
        {"m1": 30},
        [move(1, member(1), member(2), 20, kind=TransferKind.PENDING), move(2, member(1), member(2), 11)],
        Outcome.EXCEEDS_FLOOR,
        "pending debits 20",
    ),
    (
        "unknown debit account",
        {},
        [move(1, member(9), member(2), 5)],
        Outcome.NOT_FOUND,
        "debit_account_id: account",
    ),
    (
        "unknown credit account",
        {"m1": 10},
        [move(1, member(1), member(9), 5)],
        Outcome.NOT_FOUND,
        "credit_account_id: account",
    ),
    ("closed account", {"m1": 10}, [move(1, member(1), member(4), 5)], Outcome.ACCOUNT_CLOSED, "is closed"),
    ("over the cap", {}, [move(1, ISSUANCE, member(5), 101)], Outcome.EXCEEDS_CAP, "above its cap of 100"),
    (
        "pending counts against the cap",
        {},
        [move(1, ISSUANCE, member(5), 60, kind=TransferKind.PENDING), move(2, ISSUANCE, member(5), 41)],
        Outcome.EXCEEDS_CAP,
        "above its cap",
    ),
    (
        "post larger than its pending",
        {"m1": 50},
        [move(1, member(1), member(2), 20, kind=TransferKind.PENDING), post(2, 1, 21)],
        Outcome.EXCEEDS_ORIGINAL,
        "want at most the pending amount 20",
    ),
    (
        "second post of one pending",
        {"m1": 50},
        [move(1, member(1), member(2), 20, kind=TransferKind.PENDING), post(2, 1, 20), post(3, 1, 20)],
        Outcome.PENDING_ALREADY_RESOLVED,
        "was already posted",
    ),
    (
        "void after post",
        {"m1": 50},
        [move(1, member(1), member(2), 20, kind=TransferKind.PENDING), post(2, 1, 5), void(3, 1)],
        Outcome.PENDING_ALREADY_RESOLVED,
        "was already posted",
    ),
    (
        "second void",
        {"m1": 50},
        [move(1, member(1), member(2), 20, kind=TransferKind.PENDING), void(2, 1), void(3, 1)],
        Outcome.PENDING_ALREADY_RESOLVED,
        "was already voided",
    ),
    ("post of an unknown pending", {}, [post(2, 1, 5)], Outcome.NOT_FOUND, "pending_id: transfer"),
    (
        "reversal beyond the original",
        {"m1": 50},
        [
            move(1, member(1), member(2), 20),
            move(2, member(2), member(1), 15, reverses_id=transfer_id(1)),
            move(3, member(2), member(1), 6, reverses_id=transfer_id(1)),
        ],
        Outcome.EXCEEDS_ORIGINAL,
        "want at most 5",
    ),
]


@pytest.mark.parametrize(
    ("name", "balances", "requests", "outcome", "message"), STATE_CASES, ids=[c[0] for c in STATE_CASES]
)
def test_state_refusals_are_transient_and_remembered(
    name: str, balances: dict[str, int], requests: list[TransferRequest], outcome: Outcome, message: str
) -> None:
    view = starting_view(**balances)
    decision = apply(view, *requests)
    last = decision.results[-1]
    assert last.outcome == outcome and last.transient
    assert message in last.detail
    assert all(result.outcome == Outcome.OK for result in decision.results[:-1])
    assert [refusal.request.id for refusal in decision.refusals] == [requests[-1].id]
    # A refused id stays refused, even when the refusal's cause has gone away.
    retried = apply(then(view, decision), requests[-1])
    assert outcomes(retried) == [Outcome.ID_ALREADY_REFUSED]
    assert outcome.name in retried.results[0].detail


def test_overflow_is_refused() -> None:
    view = starting_view()
    full = Account(member_spec(1), credits_posted_minutes=INT64_MAX - 5)
    view = replace(view, accounts={**view.accounts, member(1): full})
    decision = apply(view, move(1, ISSUANCE, member(1), 6))
    assert outcomes(decision) == [Outcome.OVERFLOW]
    assert "would exceed 2^63-1" in decision.results[0].detail


def test_post_moves_part_and_releases_the_rest() -> None:
    view = starting_view(m1=60)
    decision = apply(view, move(1, member(1), member(2), 40, kind=TransferKind.PENDING), post(2, 1, 25))
    assert outcomes(decision) == [Outcome.OK, Outcome.OK]
    payer, payee = decision.accounts[member(1)], decision.accounts[member(2)]
    assert (payer.balance_minutes, payer.debits_pending_minutes) == (35, 0)
    assert (payee.balance_minutes, payee.credits_pending_minutes) == (25, 0)
    assert decision.resolutions[0].resolved_by_id == transfer_id(2)


def test_void_releases_everything() -> None:
    decision = apply(starting_view(m1=60), move(1, member(1), member(2), 40, kind=TransferKind.PENDING), void(2, 1))
    payer = decision.accounts[member(1)]
    assert (payer.balance_minutes, payer.debits_pending_minutes, payer.available_minutes) == (60, 0, 60)
    assert decision.transfers[1].request.amount_minutes == 40


def test_void_amount_must_be_zero_or_the_pending_amount() -> None:
    bad = replace(void(2, 1), amount_minutes=7)
    decision = apply(starting_view(m1=60), move(1, member(1), member(2), 40, kind=TransferKind.PENDING), bad)
    assert decision.results[1].outcome == Outcome.INVALID
    assert "want 0 or the pending amount 40" in decision.results[1].detail


def test_post_accounts_must_match_the_pending() -> None:
    wrong = replace(post(2, 1, 10), debit_account_id=member(3))
    decision = apply(starting_view(m1=60), move(1, member(1), member(2), 40, kind=TransferKind.PENDING), wrong)
    assert decision.results[1].outcome == Outcome.INVALID
    assert decision.results[1].detail.startswith("debit_account_id: got")


def test_reversal_must_swap_the_original_accounts() -> None:
    decision = apply(
        starting_view(m1=60),
        move(1, member(1), member(2), 40),
        move(2, member(2), member(3), 10, reverses_id=transfer_id(1)),
    )
    assert decision.results[1].outcome == Outcome.INVALID
    assert "the original's accounts, swapped" in decision.results[1].detail


def test_a_pending_transfer_cannot_be_reversed() -> None:
    decision = apply(
        starting_view(m1=60),
        move(1, member(1), member(2), 40, kind=TransferKind.PENDING),
        move(2, member(2), member(1), 10, reverses_id=transfer_id(1)),
    )
    assert decision.results[1].outcome == Outcome.INVALID
    assert "is PENDING" in decision.results[1].detail


def test_same_id_same_body_exists_and_different_body_names_the_field() -> None:
    view = starting_view()
    first = apply(view, move(1, ISSUANCE, member(1), 30))
    later = then(view, first)
    assert outcomes(apply(later, move(1, ISSUANCE, member(1), 30))) == [Outcome.EXISTS]
    for changed, field in (
        (move(1, ISSUANCE, member(1), 31), "amount_minutes"),
        (move(1, ISSUANCE, member(2), 30), "credit_account_id"),
        (move(1, ISSUANCE, member(1), 30, memo="other"), "memo"),
        (move(1, ISSUANCE, member(1), 30, kind=TransferKind.PENDING), "kind"),
    ):
        decision = apply(later, changed)
        assert outcomes(decision) == [Outcome.EXISTS_WITH_DIFFERENT_BODY]
        assert decision.results[0].detail.startswith(f"{field}: ")
        assert decision.transfers == () and decision.accounts == {}


def test_duplicate_within_one_batch_is_exists() -> None:
    decision = apply(starting_view(), move(1, ISSUANCE, member(1), 30), move(1, ISSUANCE, member(1), 30))
    assert outcomes(decision) == [Outcome.OK, Outcome.EXISTS]
    assert decision.accounts[member(1)].balance_minutes == 30


def test_linked_chain_fails_as_a_whole() -> None:
    decision = apply(
        starting_view(m1=10),
        move(1, ISSUANCE, member(2), 5, linked=True),
        move(2, member(1), member(3), 11, linked=True),  # not enough: the chain fails
        move(3, ISSUANCE, member(3), 5),
        move(4, ISSUANCE, member(3), 7),  # its own chain: applied
    )
    assert outcomes(decision) == [
        Outcome.LINKED_EVENT_FAILED,
        Outcome.EXCEEDS_FLOOR,
        Outcome.LINKED_EVENT_FAILED,
        Outcome.OK,
    ]
    assert decision.accounts[member(3)].balance_minutes == 7
    assert member(2) not in decision.accounts
    assert "of the same chain was refused (EXCEEDS_FLOOR)" in decision.results[0].detail


def test_linked_chain_succeeds_together() -> None:
    decision = apply(
        starting_view(m1=10),
        move(1, member(1), member(2), 10, linked=True),
        move(2, member(2), member(3), 10),
    )
    assert outcomes(decision) == [Outcome.OK, Outcome.OK]
    assert decision.accounts[member(3)].balance_minutes == 10


def test_books_balance_after_any_decision() -> None:
    view = starting_view(m1=100)
    decision = apply(
        view,
        move(1, member(1), member(2), 40, kind=TransferKind.PENDING),
        post(2, 1, 30),
        move(3, ISSUANCE, member(3), 20),
        move(4, member(3), ISSUANCE, 5, reverses_id=transfer_id(3)),
    )
    accounts = {**view.accounts, **decision.accounts}
    debits = sum(a.debits_posted_minutes for a in accounts.values())
    credits = sum(a.credits_posted_minutes for a in accounts.values())
    # Members start with credits the test gave them out of thin air: count those out.
    assert credits - debits == 100


ACCOUNT_CASES = [
    (
        "system kind via the API",
        AccountSpec(member(1), AccountKind.ISSUANCE, "x"),
        "kind: got ISSUANCE, want MEMBER",
    ),
    ("reserved id", AccountSpec(7, AccountKind.MEMBER, "x"), "id: got 7, want > 65535"),
    (
        "member without floor",
        replace(member_spec(1), no_floor=True),
        "no_floor: member accounts always have a floor",
    ),
    ("empty holder", replace(member_spec(1), holder=" "), "holder: must not be empty"),
    (
        "holder too long",
        replace(member_spec(1), holder="x" * 65),
        "holder: got 65 characters, want at most 64",
    ),
    ("negative floor", replace(member_spec(1), floor_minutes=-1), "floor_minutes: got -1"),
    ("negative cap", replace(member_spec(1), cap_minutes=-1), "cap_minutes: got -1"),
    (
        "cap below floor",
        replace(member_spec(1), floor_minutes=50, cap_minutes=50),
        "want above floor_minutes",
    ),
]


@pytest.mark.parametrize(("name", "spec", "message"), ACCOUNT_CASES, ids=[c[0] for c in ACCOUNT_CASES])
def test_invalid_accounts_are_refused(name: str, spec: AccountSpec, message: str) -> None:
    decision = rules.create_accounts({}, [spec], NOW)
    assert decision.results[0].outcome == Outcome.INVALID
    assert message in decision.results[0].detail
    assert decision.accounts == ()


def test_account_creation_is_idempotent() -> None:
    first = rules.create_accounts({}, [member_spec(1)], NOW)
    existing = {a.id: a for a in first.accounts}
    assert rules.create_accounts(existing, [member_spec(1)], NOW).results[0].outcome == Outcome.EXISTS
    different = rules.create_accounts(existing, [member_spec(1, cap_minutes=5)], NOW).results[0]
    assert different.outcome == Outcome.EXISTS_WITH_DIFFERENT_BODY
    assert different.detail.startswith("cap_minutes: ")


def test_close_needs_zero_balance_and_no_pending() -> None:
    with pytest.raises(rules.Refused, match="holds 5 minutes"):
        rules.close_account(Account(member_spec(1), credits_posted_minutes=5))
    closed = rules.close_account(Account(member_spec(1)))
    assert closed.closed


def test_system_account_ids_are_reserved_range() -> None:
    assert all(0 < value <= 65_535 for value in SYSTEM_ACCOUNT_IDS.values())
