"""The bureau console's calls to the clearinghouse: OperatorAccounts, Bureau and
Settlement, over mutual TLS with the bureau's certificate, made as
console.calls makes every call (the signed-in person's session, a deadline).
"""

from __future__ import annotations

import pathlib

import grpc

from console.calls import CHANNEL_OPTIONS, Calls
from timebank import pki
from timebank.errors import ConfigError
from timebank.protocol import CLEARINGHOUSE_ID
from timebank.v1 import bureau_pb2_grpc, clearing_pb2_grpc

__all__ = ["BureauCalls"]

TLS_FILES = ("ca.pem", "tls.pem", "tls-key.pem")


class BureauCalls(Calls):
    def __init__(self, address: str, tls_directory: pathlib.Path, deadline_seconds: float) -> None:
        missing = [name for name in TLS_FILES if not (tls_directory / name).is_file()]
        if missing:
            raise ConfigError(
                f"bureau_console.tls_directory: {tls_directory} lacks {', '.join(missing)} "
                "(the bureau's certificate from `timebank city init` or `timebank city certificate`)"
            )
        credentials = pki.channel_credentials(
            tls_directory / "ca.pem", tls_directory / "tls.pem", tls_directory / "tls-key.pem"
        )
        options = [*CHANNEL_OPTIONS, *pki.channel_options(CLEARINGHOUSE_ID)]
        super().__init__(grpc.secure_channel(address, credentials, options=options), deadline_seconds)
        self.bureau = bureau_pb2_grpc.BureauStub(self.channel)
        self.settlement = clearing_pb2_grpc.SettlementStub(self.channel)
