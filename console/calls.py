"""A console's calls to the party it serves over gRPC, each with the session token of
whoever is signed in and a deadline: the channel, the OperatorAccounts stub every party
serves, and turning a refusal into a `Refusal` the pages show as it is (the party's
status code and its message, which names the field and the rule).

Owns these; the stubs of each party are console.node's (a node) and
console.bureau.calls' (the clearinghouse).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import grpc

from timebank.v1 import operators_pb2_grpc

__all__ = ["CHANNEL_OPTIONS", "MESSAGE_BYTES_MAX", "UNREACHABLE", "Calls", "Refusal"]

# The largest answer a console takes: an import batch of 10,000 rows with their reasons, the
# reconciliation report of a large cycle.
MESSAGE_BYTES_MAX = 64 * 1024 * 1024
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", MESSAGE_BYTES_MAX)]

# The codes of a party that did not answer (rather than one that refused).
UNREACHABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)

R = TypeVar("R")


class Refusal(Exception):
    """The party refused a call: its status code and its message."""

    def __init__(self, code: grpc.StatusCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class Calls:
    def __init__(self, channel: grpc.Channel, deadline_seconds: float) -> None:
        self.channel = channel
        self.deadline_seconds = deadline_seconds
        self.operators = operators_pb2_grpc.OperatorAccountsStub(channel)

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
