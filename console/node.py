"""The console's calls to its node: OperatorAccounts, CareDesk, PersonPins (the office's
side), Personal (the phone's side) and NodeLedger (the node's state) over gRPC, each
with the session token of whoever is signed in and a deadline.

Owns the channel and turning a refusal into a `Refusal` the pages show as it is: the
node's status code and its message, which names the field and the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from timebank.v1 import care_pb2_grpc, ledger_pb2_grpc, operators_pb2_grpc, personal_pb2_grpc

__all__ = ["UNREACHABLE", "NodeCalls", "Refusal"]

# The codes of a node that did not answer (rather than one that refused).
UNREACHABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)

R = TypeVar("R")


class Refusal(Exception):
    """The node refused a call: its status code and its message."""

    def __init__(self, code: grpc.StatusCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class NodeCalls:
    def __init__(self, address: str, deadline_seconds: float) -> None:
        self.channel = grpc.insecure_channel(address)
        self.deadline_seconds = deadline_seconds
        self.operators = operators_pb2_grpc.OperatorAccountsStub(self.channel)
        self.care = care_pb2_grpc.CareDeskStub(self.channel)
        self.pins = personal_pb2_grpc.PersonPinsStub(self.channel)
        self.personal = personal_pb2_grpc.PersonalStub(self.channel)
        self.ledger = ledger_pb2_grpc.NodeLedgerStub(self.channel)  # the node's state, its cross-node legs

    def call(self, method: Callable[..., R], request: Any, token: str = "") -> R:
        metadata = (("authorization", f"Bearer {token}"),) if token else None
        try:
            return method(request, metadata=metadata, timeout=self.deadline_seconds)
        except grpc.RpcError as error:
            code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
            detail = error.details() if hasattr(error, "details") else str(error)
            raise Refusal(code, str(detail or code.name)) from None

    def close(self) -> None:
        self.channel.close()
