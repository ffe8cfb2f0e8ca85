"""The NodeLedger gRPC servicer: wire in, books, wire out.

Owns nothing but the translation: each method converts its request with nodes.wire,
calls the books once, and converts the answer. Errors leave through
timebank.grpc_status.translate_errors with a specific status code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import grpc
from sqlalchemy import Connection

from nodes import wire
from nodes.crossing import Crossing
from timebank import __version__, alarms, ids, translog
from timebank.books import Books
from timebank.clock import shown_time
from timebank.errors import ConfigError, ItemRefused, RequestInvalid
from timebank.grpc_status import translate_errors
from timebank.ledger.model import TransferRequest
from timebank.v1 import ledger_pb2 as pb
from timebank.v1 import ledger_pb2_grpc as pb_grpc

__all__ = ["LinkStatus", "NodeIdentity", "NodeLedgerService"]


@dataclass(frozen=True)
class NodeIdentity:
    node_id: str
    display_name: str
    node_kind: str
    signing_public_key: bytes
    signing_key_id: str


@dataclass(frozen=True)
class LinkStatus:
    """What the node tells its operator about its link to the clearinghouse."""

    address: str
    exchanges: Callable[[], int]
    failures: Callable[[], int]


class NodeLedgerService(pb_grpc.NodeLedgerServicer):
    def __init__(
        self,
        books: Books,
        identity: NodeIdentity,
        crossing: Crossing | None = None,
        link: LinkStatus | None = None,
    ) -> None:
        self.books = books
        self.identity = identity
        self.crossing = crossing
        self.link = link
        # The node's services' rules for a plain transfer that credits one of their members
        # (the storage cap), checked in the transfer's own transaction (None: no services).
        self.credit_check: Callable[[Connection, Sequence[TransferRequest]], None] | None = None

    def _crossing(self) -> Crossing:
        if self.crossing is None:
            raise ConfigError(
                "clearinghouse.address: not configured; this node runs on its own and makes no cross-node transfers"
            )
        return self.crossing

    @translate_errors
    def CreateAccounts(
        self, request: pb.CreateAccountsRequest, context: grpc.ServicerContext
    ) -> pb.CreateAccountsResponse:
        results = self.books.create_accounts(wire.account_specs(request))
        return pb.CreateAccountsResponse(results=wire.item_results(results))

    @translate_errors
    def GetAccount(self, request: pb.GetAccountRequest, context: grpc.ServicerContext) -> pb.GetAccountResponse:
        account = self.books.account(ids.from_bytes(request.account_id, "account_id"))
        return wire.account_response(account)

    @translate_errors
    def CloseAccount(self, request: pb.CloseAccountRequest, context: grpc.ServicerContext) -> pb.CloseAccountResponse:
        account = self.books.close_account(ids.from_bytes(request.account_id, "account_id"))
        return pb.CloseAccountResponse(account=wire.account_to_message(account))

    @translate_errors
    def SubmitTransfers(
        self, request: pb.SubmitTransfersRequest, context: grpc.ServicerContext
    ) -> pb.SubmitTransfersResponse:
        batch = self.books.submit(wire.transfer_requests(request), self.credit_check)
        return pb.SubmitTransfersResponse(results=wire.item_results(batch.results))

    @translate_errors
    def SubmitTransfer(
        self, request: pb.SubmitTransferRequest, context: grpc.ServicerContext
    ) -> pb.SubmitTransferResponse:
        transfer = wire.transfer_from_message(request.transfer, "transfer")
        result = self.books.submit([transfer], self.credit_check).results[0]
        if not result.outcome.succeeded:
            raise ItemRefused(result.outcome, result.detail)
        view = self.books.transfer(transfer.id)
        outcome = wire.outcome_to_message(result.outcome)
        return pb.SubmitTransferResponse(outcome=outcome, stored=wire.stored_to_message(view))

    @translate_errors
    def GetTransfer(self, request: pb.GetTransferRequest, context: grpc.ServicerContext) -> pb.GetTransferResponse:
        view = self.books.transfer(ids.from_bytes(request.transfer_id, "transfer_id"))
        return pb.GetTransferResponse(stored=wire.stored_to_message(view))

    @translate_errors
    def GetStatement(self, request: pb.GetStatementRequest, context: grpc.ServicerContext) -> pb.GetStatementResponse:
        statement = self.books.statement(
            ids.from_bytes(request.account_id, "account_id"),
            request.after_sequence,
            request.page_size,
        )
        return wire.statement_to_message(statement)

    @translate_errors
    def GetNodeInfo(self, request: pb.GetNodeInfoRequest, context: grpc.ServicerContext) -> pb.GetNodeInfoResponse:
        identity = self.identity
        response = pb.GetNodeInfoResponse(
            node_id=identity.node_id,
            display_name=identity.display_name,
            node_kind=identity.node_kind,
            signing_public_key=identity.signing_public_key,
            signing_key_id=identity.signing_key_id,
            batch_size_max=self.books.batch_size_max,
            halted_reason=self.books.halted_reason or "",
            version=__version__,
        )
        wire.add_system_account_ids(response)
        self._add_link_fields(response)
        self._add_log_fields(response)
        return response

    def _add_log_fields(self, response: pb.GetNodeInfoResponse) -> None:
        def read(connection: Connection) -> None:
            response.log_size = translog.size(connection)
            response.log_checkpoint_size = translog.latest_checkpoint_size(connection)
            response.alarms.extend(
                f"alarm {a.sequence} ({a.kind}) at {shown_time(a.raised_at_micros)}: {a.detail}"
                for a in alarms.open_alarms(connection)
            )

        self.books.read(read)
        if self.crossing is not None:
            response.clearinghouse_checkpoint_size = self.crossing.witness.seen()[0]

    def _add_link_fields(self, response: pb.GetNodeInfoResponse) -> None:
        if self.crossing is None or self.link is None:
            return
        response.outbox_depth, response.held_transfers = self.crossing.backlog()
        response.clearinghouse_address = self.link.address
        response.clearinghouse_exchanges = self.link.exchanges()
        response.clearinghouse_failures = self.link.failures()

    @translate_errors
    def SubmitCrossNodeTransfers(
        self, request: pb.SubmitCrossNodeTransfersRequest, context: grpc.ServicerContext
    ) -> pb.SubmitCrossNodeTransfersResponse:
        results = self._crossing().submit(wire.cross_requests(request))
        return pb.SubmitCrossNodeTransfersResponse(results=wire.item_results(results))

    @translate_errors
    def GetCrossNodeTransfer(
        self, request: pb.GetCrossNodeTransferRequest, context: grpc.ServicerContext
    ) -> pb.GetCrossNodeTransferResponse:
        view = self._crossing().view(ids.from_bytes(request.id, "id"))
        return wire.cross_view_to_message(view)

    @translate_errors
    def ListCrossNodeTransfers(
        self, request: pb.ListCrossNodeTransfersRequest, context: grpc.ServicerContext
    ) -> pb.ListCrossNodeTransfersResponse:
        if self.crossing is None:  # a node on its own holds no legs
            return pb.ListCrossNodeTransfersResponse()
        state = wire.CROSS_STATE_NAMES.get(request.state, "")
        found = self.crossing.views(state, request.limit)
        return pb.ListCrossNodeTransfersResponse(transfers=[wire.cross_view_to_message(view) for view in found])

    @translate_errors
    def CreateConsent(
        self, request: pb.CreateConsentRequest, context: grpc.ServicerContext
    ) -> pb.CreateConsentResponse:
        if request.mandate and not request.mandate_id:
            raise RequestInvalid("mandate_id: a mandate needs its 16-byte id")
        grant = self._crossing().create_consent(
            ids.from_bytes(request.holder_account_id, "holder_account_id"),
            request.beneficiary_node_id,
            request.limit_minutes,
            request.valid_seconds,
            mandate_id=ids.from_bytes(request.mandate_id, "mandate_id") if request.mandate else 0,
        )
        return wire.consent_grant_to_message(grant)

    @translate_errors
    def RequestRecall(
        self, request: pb.RequestRecallRequest, context: grpc.ServicerContext
    ) -> pb.RequestRecallResponse:
        view = self._crossing().request_recall(
            ids.from_bytes(request.recall_id, "recall_id"),
            ids.from_bytes(request.original_id, "original_id"),
            request.amount_minutes,
            request.reason,
        )
        return pb.RequestRecallResponse(recall=wire.recall_to_message(view))

    @translate_errors
    def ListRecalls(self, request: pb.ListRecallsRequest, context: grpc.ServicerContext) -> pb.ListRecallsResponse:
        views = self._crossing().recalls(wire.recall_state_name(request.state))
        return pb.ListRecallsResponse(recalls=[wire.recall_to_message(view) for view in views])

    @translate_errors
    def AnswerRecall(self, request: pb.AnswerRecallRequest, context: grpc.ServicerContext) -> pb.AnswerRecallResponse:
        if len(request.reason) > 200:
            raise RequestInvalid(f"reason: got {len(request.reason)} characters, want at most 200")
        view = self._crossing().answer_recall(
            ids.from_bytes(request.recall_id, "recall_id"), request.accept, request.reason
        )
        return pb.AnswerRecallResponse(recall=wire.recall_to_message(view))
