"""Protobuf messages in, frozen domain values out, and back: the node's wire boundary.

Owns the structural checks of every request (id sizes, enum values, output-only fields),
done once here, with messages that name the field by its path in the request, e.g.
"transfers[3].id: got 5 bytes, want 16". Semantic rules live in timebank.ledger.rules.
Nothing past this module sees a protobuf message.
"""

from __future__ import annotations

from typing import cast

from nodes.records import ConsentGrant, CrossRequest, CrossView, RecallView
from timebank import ids
from timebank.books import Statement, StatementEntry, TransferView
from timebank.errors import RequestInvalid
from timebank.grpc_status import OUTCOME_STATUS
from timebank.ledger.model import (
    SYSTEM_ACCOUNT_IDS,
    Account,
    AccountKind,
    AccountSpec,
    ItemResult,
    Outcome,
    TransferKind,
    TransferRequest,
)
from timebank.v1 import ledger_pb2 as pb

__all__ = [
    "account_response",
    "account_spec_from_message",
    "account_specs",
    "account_to_message",
    "add_system_account_ids",
    "consent_grant_to_message",
    "cross_request_from_message",
    "cross_requests",
    "CROSS_STATE_NAMES",
    "CROSS_STATES",
    "cross_view_to_message",
    "ID_BYTES",
    "item_result_to_message",
    "item_results",
    "outcome_to_message",
    "recall_state_name",
    "RECALL_STATES",
    "recall_to_message",
    "statement_to_message",
    "stored_to_message",
    "transfer_from_message",
    "transfer_requests",
    "transfer_to_message",
]

ID_BYTES = ids.ID_BYTES


def _enum(value: int, kind: type[AccountKind] | type[TransferKind], prefix: str, where: str):  # type: ignore[no-untyped-def]
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(f"{prefix}{member.name}" for member in kind)
        raise RequestInvalid(f"{where}: got {value}, want one of {names}") from None


# -- accounts ------------------------------------------------------------------------------


def account_spec_from_message(message: pb.Account, where: str) -> AccountSpec:
    for name in (
        "debits_posted_minutes",
        "credits_posted_minutes",
        "debits_pending_minutes",
        "credits_pending_minutes",
        "created_at_micros",
    ):
        if getattr(message, name):
            raise RequestInvalid(f"{where}.{name}: output only, leave it unset")
    if message.closed:
        raise RequestInvalid(f"{where}.closed: output only, leave it unset")
    return AccountSpec(
        id=ids.from_bytes(message.id, f"{where}.id"),
        kind=_enum(message.kind, AccountKind, "ACCOUNT_KIND_", f"{where}.kind"),
        holder=message.holder,
        no_floor=message.no_floor,
        floor_minutes=message.floor_minutes,
        cap_minutes=message.cap_minutes,
    )


def account_specs(request: pb.CreateAccountsRequest) -> list[AccountSpec]:
    return [account_spec_from_message(m, f"accounts[{i}]") for i, m in enumerate(request.accounts)]


def account_to_message(account: Account) -> pb.Account:
    spec = account.spec
    return pb.Account(
        id=ids.to_bytes(spec.id),
        kind=cast(pb.AccountKind, int(spec.kind)),
        holder=spec.holder,
        no_floor=spec.no_floor,
        floor_minutes=spec.floor_minutes,
        cap_minutes=spec.cap_minutes,
        closed=account.closed,
        debits_posted_minutes=account.debits_posted_minutes,
        credits_posted_minutes=account.credits_posted_minutes,
        debits_pending_minutes=account.debits_pending_minutes,
        credits_pending_minutes=account.credits_pending_minutes,
        created_at_micros=account.created_at_micros,
    )


def account_response(account: Account) -> pb.GetAccountResponse:
    return pb.GetAccountResponse(
        account=account_to_message(account),
        balance_minutes=account.balance_minutes,
        available_minutes=account.available_minutes,
    )


# -- transfers -----------------------------------------------------------------------------


def transfer_from_message(message: pb.Transfer, where: str) -> TransferRequest:
    return TransferRequest(
        id=ids.from_bytes(message.id, f"{where}.id"),
        kind=_enum(message.kind, TransferKind, "TRANSFER_KIND_", f"{where}.kind"),
        debit_account_id=ids.from_bytes(message.debit_account_id, f"{where}.debit_account_id", optional=True),
        credit_account_id=ids.from_bytes(message.credit_account_id, f"{where}.credit_account_id", optional=True),
        amount_minutes=message.amount_minutes,
        pending_id=ids.from_bytes(message.pending_id, f"{where}.pending_id", optional=True),
        reverses_id=ids.from_bytes(message.reverses_id, f"{where}.reverses_id", optional=True),
        linked=message.linked,
        memo=message.memo,
    )


def transfer_requests(request: pb.SubmitTransfersRequest) -> list[TransferRequest]:
    return [transfer_from_message(m, f"transfers[{i}]") for i, m in enumerate(request.transfers)]


def transfer_to_message(request: TransferRequest) -> pb.Transfer:
    return pb.Transfer(
        id=ids.to_bytes(request.id),
        kind=cast(pb.TransferKind, int(request.kind)),
        debit_account_id=ids.to_bytes(request.debit_account_id),
        credit_account_id=ids.to_bytes(request.credit_account_id),
        amount_minutes=request.amount_minutes,
        pending_id=ids.to_bytes(request.pending_id),
        reverses_id=ids.to_bytes(request.reverses_id),
        linked=request.linked,
        memo=request.memo,
    )


def stored_to_message(view: TransferView) -> pb.StoredTransfer:
    stored = view.stored
    return pb.StoredTransfer(
        transfer=transfer_to_message(stored.request),
        sequence=stored.sequence,
        created_at_micros=stored.created_at_micros,
        state=cast(pb.TransferState, int(view.state)),
        resolved_by_id=ids.to_bytes(view.resolution.resolved_by_id) if view.resolution else b"",
        debit_balance_after_minutes=stored.debit_balance_after_minutes,
        credit_balance_after_minutes=stored.credit_balance_after_minutes,
    )


def outcome_to_message(outcome: Outcome) -> pb.Outcome:
    """The wire's enum value of an outcome (the generated stubs type enum fields as their class)."""
    return cast(pb.Outcome, int(outcome))


def item_result_to_message(result: ItemResult) -> pb.ItemResult:
    return pb.ItemResult(
        id=ids.to_bytes(result.id),
        outcome=outcome_to_message(result.outcome),
        detail=result.detail,
        transient=result.transient,
        status_code=OUTCOME_STATUS[result.outcome].value[0],
    )


def item_results(results: tuple[ItemResult, ...]) -> list[pb.ItemResult]:
    return [item_result_to_message(result) for result in results]


# -- statements ----------------------------------------------------------------------------


def _entry_to_message(entry: StatementEntry) -> pb.StatementEntry:
    return pb.StatementEntry(
        stored=stored_to_message(entry.transfer),
        posted_change_minutes=entry.posted_change_minutes,
        pending_change_minutes=entry.pending_change_minutes,
        balance_after_minutes=entry.balance_after_minutes,
    )


def statement_to_message(statement: Statement) -> pb.GetStatementResponse:
    return pb.GetStatementResponse(
        account=account_to_message(statement.account),
        opening_balance_minutes=statement.opening_balance_minutes,
        entries=[_entry_to_message(entry) for entry in statement.entries],
        closing_balance_minutes=statement.closing_balance_minutes,
        next_after_sequence=statement.next_after_sequence,
    )


def add_system_account_ids(response: pb.GetNodeInfoResponse) -> None:
    """Fills the GetNodeInfo fields that carry the system accounts' ids."""
    response.issuance_account_id = ids.to_bytes(SYSTEM_ACCOUNT_IDS[AccountKind.ISSUANCE])
    response.clearing_account_id = ids.to_bytes(SYSTEM_ACCOUNT_IDS[AccountKind.CLEARING])
    response.donation_pool_account_id = ids.to_bytes(SYSTEM_ACCOUNT_IDS[AccountKind.DONATION_POOL])
    response.mall_account_id = ids.to_bytes(SYSTEM_ACCOUNT_IDS[AccountKind.MALL])
    response.adjustment_account_id = ids.to_bytes(SYSTEM_ACCOUNT_IDS[AccountKind.ADJUSTMENT])


# -- cross-node transfers ------------------------------------------------------------------

CROSS_STATE_NAMES = {
    pb.CROSS_NODE_STATE_HELD: "held",
    pb.CROSS_NODE_STATE_COMMITTED: "committed",
    pb.CROSS_NODE_STATE_ABORTED: "aborted",
}
CROSS_STATES = {
    "held": pb.CROSS_NODE_STATE_HELD,
    "committed": pb.CROSS_NODE_STATE_COMMITTED,
    "aborted": pb.CROSS_NODE_STATE_ABORTED,
}


def cross_request_from_message(message: pb.CrossNodeTransfer, where: str) -> CrossRequest:
    if len(message.one_time_code) > 64:
        raise RequestInvalid(f"{where}.one_time_code: got {len(message.one_time_code)} characters, want <= 64")
    if len(message.remote_node_id) > 32:
        raise RequestInvalid(f"{where}.remote_node_id: got {len(message.remote_node_id)} characters, want <= 32")
    return CrossRequest(
        id=ids.from_bytes(message.id, f"{where}.id"),
        local_account_id=ids.from_bytes(message.local_account_id, f"{where}.local_account_id"),
        remote_node_id=message.remote_node_id,
        remote_account_id=ids.from_bytes(message.remote_account_id, f"{where}.remote_account_id"),
        amount_minutes=message.amount_minutes,
        memo=message.memo,
        pull=message.pull,
        one_time_code=message.one_time_code,
        mandate_id=ids.from_bytes(message.mandate_id, f"{where}.mandate_id", optional=True),
    )


def cross_requests(request: pb.SubmitCrossNodeTransfersRequest) -> list[CrossRequest]:
    return [cross_request_from_message(m, f"transfers[{i}]") for i, m in enumerate(request.transfers)]


def cross_view_to_message(view: CrossView) -> pb.GetCrossNodeTransferResponse:
    request = view.request
    return pb.GetCrossNodeTransferResponse(
        transfer=pb.CrossNodeTransfer(
            id=ids.to_bytes(request.id),
            local_account_id=ids.to_bytes(request.local_account_id),
            remote_node_id=request.remote_node_id,
            remote_account_id=ids.to_bytes(request.remote_account_id),
            amount_minutes=request.amount_minutes,
            memo=request.memo,
            pull=request.pull,
        ),
        state=CROSS_STATES[view.state],
        reason=view.reason,
        originator=view.originator,
        side=view.side,
        created_at_micros=view.created_at_micros,
        decided_at_micros=view.decided_at_micros,
        cycle_id=view.cycle_id,
    )


def consent_grant_to_message(grant: ConsentGrant) -> pb.CreateConsentResponse:
    return pb.CreateConsentResponse(
        one_time_code=grant.one_time_code,
        mandate_id=ids.to_bytes(grant.mandate_id),
        expires_at_micros=grant.expires_at_micros,
    )


RECALL_STATES = {
    "requested": pb.RECALL_STATE_REQUESTED,
    "accepted": pb.RECALL_STATE_ACCEPTED,
    "refused": pb.RECALL_STATE_REFUSED,
}


def recall_state_name(state: int) -> str:
    """The domain name of a RecallState filter ("" for all)."""
    if state == pb.RECALL_STATE_UNSPECIFIED:
        return ""
    for name, value in RECALL_STATES.items():
        if value == state:
            return name
    raise RequestInvalid(f"state: got {state}, want a RecallState")


def recall_to_message(view: RecallView) -> pb.RecallView:
    return pb.RecallView(
        recall_id=ids.to_bytes(view.recall_id),
        original_id=ids.to_bytes(view.original_id),
        amount_minutes=view.amount_minutes,
        reason=view.reason,
        requested_here=view.requested_here,
        counterparty_node_id=view.counterparty_node_id,
        state=RECALL_STATES[view.state],
        answer_reason=view.answer_reason,
        return_transfer_id=ids.to_bytes(view.return_transfer_id),
    )
