"""The office console's calls to its node: OperatorAccounts, CareDesk, PersonPins (the
office's side), Personal (the phone's side) and NodeLedger (the node's state), over the
node's operator port (loopback, plaintext), made as console.calls makes every call, each
presenting the console's credential.
"""

from __future__ import annotations

import grpc

from console.calls import CHANNEL_OPTIONS, Calls
from timebank.credentials import Credential, authorized_channel
from timebank.v1 import care_pb2_grpc, ledger_pb2_grpc, personal_pb2_grpc

__all__ = ["NodeCalls"]


class NodeCalls(Calls):
    def __init__(self, address: str, deadline_seconds: float, credential: Credential | None) -> None:
        channel = authorized_channel(grpc.insecure_channel(address, options=CHANNEL_OPTIONS), credential)
        super().__init__(channel, deadline_seconds)
        self.care = care_pb2_grpc.CareDeskStub(self.channel)
        self.pins = personal_pb2_grpc.PersonPinsStub(self.channel)
        self.personal = personal_pb2_grpc.PersonalStub(self.channel)
        self.ledger = ledger_pb2_grpc.NodeLedgerStub(self.channel)  # the node's state, its cross-node legs
