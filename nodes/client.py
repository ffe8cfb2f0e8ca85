"""A client of a node's NodeLedger and CareDesk services for operator commands and tests.

Every call presents the credential given (the node's administrator's, for its commands);
without one the node refuses every call but its health checks.

Every call has a deadline and is retried on UNAVAILABLE and DEADLINE_EXCEEDED with the
same request, a bounded number of times with exponential backoff: an unknown outcome is
resolved by asking again with the same id, never by guessing. Ledger writes and CareDesk
creations carry client-chosen ids, so a retry returns the stored result; a CareDesk change
of state that took effect before the retry (a scan, a confirmation) is refused naming what
was done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import grpc

from timebank.credentials import Credential, authorized_channel
from timebank.v1 import care_pb2_grpc, personal_pb2_grpc
from timebank.v1 import ledger_pb2 as pb
from timebank.v1 import ledger_pb2_grpc as pb_grpc

__all__ = ["ATTEMPTS_MAX", "BACKOFF_FIRST_SECONDS", "MESSAGE_BYTES_MAX", "NodeClient", "RETRYABLE"]

RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
ATTEMPTS_MAX = 4
BACKOFF_FIRST_SECONDS = 0.2
MESSAGE_BYTES_MAX = 64 * 1024 * 1024

Response = TypeVar("Response")


class NodeClient:
    def __init__(
        self,
        address: str,
        *,
        deadline_seconds: float = 10.0,
        attempts_max: int = ATTEMPTS_MAX,
        sleep: Callable[[float], None] = time.sleep,
        credential: Credential | None = None,
    ) -> None:
        self.address = address
        self.deadline_seconds = deadline_seconds
        self.attempts_max = attempts_max
        self._sleep = sleep
        self._channel = grpc.insecure_channel(
            address,
            options=[
                ("grpc.max_receive_message_length", MESSAGE_BYTES_MAX),
                ("grpc.max_send_message_length", MESSAGE_BYTES_MAX),
            ],
        )
        self.channel = authorized_channel(self._channel, credential)  # every call presents the credential
        self.stub = pb_grpc.NodeLedgerStub(self.channel)
        self.care = care_pb2_grpc.CareDeskStub(self.channel)  # the time-bank services: use with `call`
        self.pins = personal_pb2_grpc.PersonPinsStub(self.channel)  # personal PINs for the phone pages

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> NodeClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def call(self, method: Callable[..., Response], request: object) -> Response:
        delay = BACKOFF_FIRST_SECONDS
        for attempt in range(1, self.attempts_max + 1):
            try:
                return method(request, timeout=self.deadline_seconds, wait_for_ready=attempt > 1)
            except grpc.RpcError as error:
                if error.code() not in RETRYABLE or attempt == self.attempts_max:
                    raise
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    # One method per RPC, so callers never touch the stub's retry-less methods.
    def create_accounts(self, accounts: list[pb.Account]) -> pb.CreateAccountsResponse:
        return self.call(self.stub.CreateAccounts, pb.CreateAccountsRequest(accounts=accounts))

    def get_account(self, account_id: bytes) -> pb.GetAccountResponse:
        return self.call(self.stub.GetAccount, pb.GetAccountRequest(account_id=account_id))

    def close_account(self, account_id: bytes) -> pb.CloseAccountResponse:
        return self.call(self.stub.CloseAccount, pb.CloseAccountRequest(account_id=account_id))

    def submit_transfers(self, transfers: list[pb.Transfer]) -> pb.SubmitTransfersResponse:
        return self.call(self.stub.SubmitTransfers, pb.SubmitTransfersRequest(transfers=transfers))

    def submit_transfer(self, transfer: pb.Transfer) -> pb.SubmitTransferResponse:
        return self.call(self.stub.SubmitTransfer, pb.SubmitTransferRequest(transfer=transfer))

    def get_transfer(self, transfer_id: bytes) -> pb.GetTransferResponse:
        return self.call(self.stub.GetTransfer, pb.GetTransferRequest(transfer_id=transfer_id))

    def get_statement(self, account_id: bytes, after_sequence: int = 0, page_size: int = 0) -> pb.GetStatementResponse:
        request = pb.GetStatementRequest(account_id=account_id, after_sequence=after_sequence, page_size=page_size)
        return self.call(self.stub.GetStatement, request)

    def get_node_info(self) -> pb.GetNodeInfoResponse:
        return self.call(self.stub.GetNodeInfo, pb.GetNodeInfoRequest())
