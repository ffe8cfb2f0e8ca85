"""A repeated cross-node submission answered in the caller's terms (nodes.legs.compare_with_leg):
where the transfer of that id stands, or the field the caller sent that differs."""

from __future__ import annotations

from nodes.legs import compare_with_leg
from nodes.records import CrossRequest, Leg, LegState, Side
from timebank.ledger.model import ItemResult, Outcome

TRANSFER_ID, PAYER, PAYEE = 0xC1, 0xA1, 0xB2
SENT = CrossRequest(TRANSFER_ID, PAYER, "dongqu", PAYEE, 90)


def leg(state: LegState, reason: str = "", originator: bool = True) -> Leg:
    return Leg(TRANSFER_ID, Side.DEBIT, originator, "dongqu", PAYER, PAYEE, 90, "", state, reason, 1)


def answer(found: Leg | None, sent: CrossRequest = SENT) -> ItemResult:
    return compare_with_leg(found, sent, ItemResult(TRANSFER_ID, Outcome.EXISTS, "exists"))


def test_the_same_transfer_again_says_where_it_stands() -> None:
    assert answer(leg(LegState.HELD)).detail.endswith("is held, waiting for the clearinghouse's decision")
    assert answer(leg(LegState.COMMITTED)).detail.endswith("exists and is committed")
    aborted = answer(leg(LegState.REFUSED, "refused by dongqu: NOT_FOUND: credit_account_id"))
    assert aborted.outcome == Outcome.EXISTS
    assert "is aborted: refused by dongqu: NOT_FOUND: credit_account_id" in aborted.detail


def test_a_different_transfer_names_the_field_the_caller_sent() -> None:
    for changed, field in (
        (CrossRequest(TRANSFER_ID, 0xA9, "dongqu", PAYEE, 90), "local_account_id"),
        (CrossRequest(TRANSFER_ID, PAYER, "canlian", PAYEE, 90), "remote_node_id"),
        (CrossRequest(TRANSFER_ID, PAYER, "dongqu", 0xB9, 90), "remote_account_id"),
        (CrossRequest(TRANSFER_ID, PAYER, "dongqu", PAYEE, 91), "amount_minutes"),
    ):
        refused = answer(leg(LegState.COMMITTED), changed)
        assert refused.outcome == Outcome.EXISTS_WITH_DIFFERENT_BODY and refused.detail.startswith(f"{field}: ")
    taken = answer(leg(LegState.COMMITTED, originator=False))
    assert taken.outcome == Outcome.EXISTS_WITH_DIFFERENT_BODY
    assert "is the id of a cross-node transfer dongqu sent to this node" in taken.detail
    assert answer(None).detail == "exists"  # no leg here: the ledger's answer stands
