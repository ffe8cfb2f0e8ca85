"""A node's leg of a cross-node transfer, as pure rules: which transfer a request asks for,
the pending ledger transfer that holds the leg, the record of the leg, and the ledger
transfer a decision resolves it with.

Owns no state and reads nothing: `nodes.crossing`, `nodes.receiving` and `nodes.recalls`
read the rows, ask these rules, then write.
"""

from __future__ import annotations

from nodes.records import CrossRequest, CrossView, Leg, LegState, Side
from timebank import ids
from timebank.errors import RequestInvalid
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS, AccountKind, ItemResult, Outcome, TransferKind, TransferRequest
from timebank.protocol import CrossTransfer, Decision, decision_item, derive_id

__all__ = [
    "CLEARING",
    "checked_transfer",
    "compare_with_leg",
    "decision_item_id",
    "leg_of",
    "local_hold",
    "resolution",
    "transfer_or_reason",
    "view_of",
]

CLEARING = SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING]


def checked_transfer(request: CrossRequest, node_id: str) -> CrossTransfer:
    """The cross transfer a request made at node_id asks for; RequestInvalid says why not."""
    local = (node_id, request.local_account_id)
    remote = (request.remote_node_id, request.remote_account_id)
    debit, credit = (remote, local) if request.pull else (local, remote)
    if not request.remote_node_id:
        raise RequestInvalid("remote_node_id: must not be empty")
    if request.pull and not (request.one_time_code or request.mandate_id):
        raise RequestInvalid("consent: a pull needs the holder's one_time_code or a mandate_id")
    transfer = CrossTransfer(
        transfer_id=request.id,
        debit_node_id=debit[0],
        debit_account_id=debit[1],
        credit_node_id=credit[0],
        credit_account_id=credit[1],
        amount_minutes=request.amount_minutes,
        memo=request.memo,
        originator_node_id=node_id,
        one_time_code=request.one_time_code,
        mandate_id=request.mandate_id,
        returns_id=request.returns_id,
    )
    transfer.check()
    return transfer


def transfer_or_reason(request: CrossRequest, node_id: str) -> CrossTransfer | str:
    """The cross transfer a request asks for, or why it is invalid."""
    try:
        return checked_transfer(request, node_id)
    except RequestInvalid as error:
        return str(error)


def local_hold(transfer: CrossTransfer, node_id: str) -> TransferRequest:
    """The pending transfer that holds node_id's leg, named by the transfer's id."""
    if transfer.side_of(node_id) == "debit":
        debit, credit = transfer.debit_account_id, CLEARING
    else:
        debit, credit = CLEARING, transfer.credit_account_id
    return TransferRequest(
        transfer.transfer_id,
        TransferKind.PENDING,
        debit,
        credit,
        transfer.amount_minutes,
        memo=transfer.memo,
    )


def leg_of(
    transfer: CrossTransfer, node_id: str, *, originator: bool, state: LegState, reason: str, now_micros: int
) -> Leg:
    """node_id's record of its leg of a transfer."""
    side = Side(transfer.side_of(node_id))
    if side == Side.DEBIT:
        local, remote, counterparty = transfer.debit_account_id, transfer.credit_account_id, transfer.credit_node_id
    else:
        local, remote, counterparty = transfer.credit_account_id, transfer.debit_account_id, transfer.debit_node_id
    return Leg(
        transfer_id=transfer.transfer_id,
        side=side,
        originator=originator,
        counterparty_node_id=counterparty,
        local_account_id=local,
        remote_account_id=remote,
        amount_minutes=transfer.amount_minutes,
        memo=transfer.memo,
        state=state,
        reason=reason,
        created_at_micros=now_micros,
    )


def compare_with_leg(leg: Leg | None, request: CrossRequest, result: ItemResult) -> ItemResult:
    """A submission whose id the ledger knows (it answered EXISTS or EXISTS_WITH_DIFFERENT_BODY)
    of a transfer this node has a leg of, answered in the caller's terms: the id taken by a
    transfer another node sent here; the first field the caller sent that differs from the
    transfer of that id; or, the same transfer sent again, EXISTS saying where it stands
    (held, committed, or aborted and why)."""
    if leg is None:
        return result
    hexadecimal = ids.to_hex(result.id)
    if not leg.originator:
        return ItemResult(
            result.id,
            Outcome.EXISTS_WITH_DIFFERENT_BODY,
            f"id: {hexadecimal} is the id of a cross-node transfer {leg.counterparty_node_id} sent to this node; "
            "choose a new id",
        )
    sent = (
        ("local_account_id", ids.to_hex(request.local_account_id), ids.to_hex(leg.local_account_id)),
        ("remote_node_id", request.remote_node_id, leg.counterparty_node_id),
        ("remote_account_id", ids.to_hex(request.remote_account_id), ids.to_hex(leg.remote_account_id)),
        ("amount_minutes", str(request.amount_minutes), str(leg.amount_minutes)),
    )
    for field, got, before in sent:
        if got != before:
            return ItemResult(
                result.id,
                Outcome.EXISTS_WITH_DIFFERENT_BODY,
                f"{field}: id {hexadecimal} exists with {field} {before}, got {got}; a new transfer needs a new id",
            )
    return ItemResult(result.id, Outcome.EXISTS, f"id: {hexadecimal} exists and is {_standing(leg)}")


def _standing(leg: Leg) -> str:
    state = leg.state.as_reported
    if state == LegState.ABORTED:
        why = leg.reason or "no reason recorded"
        return f"aborted: {why}; sending it again changes nothing, a new attempt needs a new id"
    if state == LegState.COMMITTED:
        return "committed"
    return "held, waiting for the clearinghouse's decision"


def resolution(transfer_id: int, commit: bool, amount_minutes: int) -> TransferRequest:
    """The ledger transfer that posts (commit) or voids a held leg."""
    return TransferRequest(
        derive_id("post" if commit else "void", transfer_id),
        TransferKind.POST_PENDING if commit else TransferKind.VOID_PENDING,
        0,
        0,
        amount_minutes if commit else 0,
        pending_id=transfer_id,
    )


def decision_item_id(transfer_id: int) -> int:
    """The id of the clearinghouse's Decision item for a transfer (whatever it decides)."""
    return decision_item(Decision(transfer_id, False, "", 0)).item_id


def view_of(leg: Leg) -> CrossView:
    """What a reader is told of a leg: the request it stands for, and its state."""
    pull = leg.side == Side.CREDIT if leg.originator else leg.side == Side.DEBIT
    request = CrossRequest(
        leg.transfer_id,
        leg.local_account_id,
        leg.counterparty_node_id,
        leg.remote_account_id,
        leg.amount_minutes,
        leg.memo,
        pull=pull,
    )
    return CrossView(
        request,
        str(leg.state.as_reported),
        leg.reason,
        leg.originator,
        str(leg.side),
        leg.created_at_micros,
        leg.decided_at_micros or 0,
        leg.cycle_id or 0,
    )
