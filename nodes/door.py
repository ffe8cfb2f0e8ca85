"""Who may call a node's operator API: its administrator's credential and its console's.

Owns which methods a console's credential may call (every method of the services that
check their own sign-in, the log, and the ledger's reads; never a ledger write, an
issuance, an account created or closed, a consent or a recall), the node's door built from
its two credential files, and making those files (`timebank node init`, `timebank node
credentials`). The rules of the door itself are timebank.credentials'.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable

from google.protobuf.descriptor import ServiceDescriptor

from nodes.config import NodeConfig
from timebank.credentials import (
    ADMINISTRATOR,
    Credential,
    DoorInterceptor,
    read_credential,
    write_credential,
)
from timebank.errors import ConfigError
from timebank.v1 import care_pb2, ledger_pb2, log_pb2, operators_pb2, personal_pb2

__all__ = [
    "CONSOLE_METHODS",
    "HEALTH_METHODS",
    "LEDGER_READS",
    "SESSION_METHODS",
    "administrator_credential",
    "make_credentials",
    "open_door",
]


def _methods(services: tuple[ServiceDescriptor, ...]) -> list[str]:
    return [f"/{service.full_name}/{method.name}" for service in services for method in service.methods]


LEDGER_READS = (
    "GetAccount",
    "GetTransfer",
    "GetStatement",
    "GetNodeInfo",
    "GetCrossNodeTransfer",
    "ListCrossNodeTransfers",
    "ListRecalls",
)
# Where a call without a session is the host administrator's (timebank.operators.guard).
_GUARDED_SERVICES = (
    care_pb2.DESCRIPTOR.services_by_name["CareDesk"],
    personal_pb2.DESCRIPTOR.services_by_name["PersonPins"],
)
_CONSOLE_SERVICES = (
    *_GUARDED_SERVICES,
    personal_pb2.DESCRIPTOR.services_by_name["Personal"],
    operators_pb2.DESCRIPTOR.services_by_name["OperatorAccounts"],
    log_pb2.DESCRIPTOR.services_by_name["TransparencyLog"],
)
_LEDGER = ledger_pb2.DESCRIPTOR.services_by_name["NodeLedger"]
CONSOLE_METHODS = frozenset([*_methods(_CONSOLE_SERVICES), *(f"/{_LEDGER.full_name}/{name}" for name in LEDGER_READS)])
SESSION_METHODS = frozenset(_methods(_GUARDED_SERVICES))
HEALTH_METHODS = frozenset({"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"})


def open_door(config: NodeConfig) -> DoorInterceptor:
    """The node's door from its credential files (a missing or open file stops the start, named)."""
    credentials = []
    for principal, path in config.credential_paths.items():
        credential = _read(path)
        if credential.principal != principal:
            raise ConfigError(f"{path}: holds a {credential.principal} credential, want {principal}")
        credentials.append(credential)
    if credentials[0].secret == credentials[1].secret:
        raise ConfigError("server: the administrator's and the console's credential files hold the same secret")
    return DoorInterceptor(credentials, CONSOLE_METHODS, SESSION_METHODS, HEALTH_METHODS)


def _read(path: pathlib.Path) -> Credential:
    try:
        return read_credential(path)
    except ConfigError as error:
        if path.exists():
            raise
        raise ConfigError(f"{error}; make it with `timebank node credentials --config node.toml`") from None


def administrator_credential(config: NodeConfig) -> Credential:
    """The administrator's credential, as the node's own commands present it."""
    return _read(config.credential_paths[ADMINISTRATOR])


def make_credentials(
    config: NodeConfig, replace: bool = False, random_bytes: Callable[[int], bytes] = os.urandom
) -> dict[str, pathlib.Path]:
    """Writes the credential files that are missing (every one, new, with replace); returns those written."""
    written = {}
    for principal, path in config.credential_paths.items():
        if replace or not path.exists():
            write_credential(path, principal, random_bytes, replace=replace)
            written[principal] = path
    return written
