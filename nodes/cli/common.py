"""What the node's commands share: where the node is, ids on the command line, and printing
(text for people, --json for scripts).

Owns the target arguments (--node, --config, --credential, --deadline-seconds, --json), the
id parsing (32 hexadecimal digits, or a system account's name), the client for one command
with the credential it presents, and the conversion of a response to JSON. The care
commands (nodes.care.cli) use it too.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import secrets
import socket
from typing import Any

from nodes.client import NodeClient
from nodes.config import load_node_config
from nodes.door import administrator_credential
from timebank import ids
from timebank.command_line import Unreachable, UsageError
from timebank.config import parse_listen_address
from timebank.credentials import Credential, read_credential
from timebank.errors import ConfigError
from timebank.ledger.model import SYSTEM_ACCOUNT_IDS

__all__ = [
    "add_target_arguments",
    "address",
    "client_for",
    "CONNECT_SECONDS",
    "CREDENTIAL_VARIABLE",
    "credential",
    "DEFAULT_ADDRESS",
    "emit",
    "hex_of",
    "id_or_new",
    "message_json",
    "new_id",
    "parse_id",
    "SYSTEM_NAMES",
]

DEFAULT_ADDRESS = "127.0.0.1:7400"
CREDENTIAL_VARIABLE = "TIMEBANK_NODE_CREDENTIAL"
CONNECT_SECONDS = 2.0  # how long a command waits to find the node listening
SYSTEM_NAMES = {kind.name.lower().replace("_", "-"): value for kind, value in SYSTEM_ACCOUNT_IDS.items()}

# -- argument helpers ----------------------------------------------------------------------


def parse_id(text: str, what: str = "id", system_names: bool = True) -> bytes:
    """A 32-digit hex id (dashes allowed, as in a UUID), or a system account's name where an
    account is meant (system_names; never for a person, an order or another record)."""
    if system_names and text.lower() in SYSTEM_NAMES:
        return ids.to_bytes(SYSTEM_NAMES[text.lower()])
    value = ids.parse_text(text)
    if value is None:
        names = f" or one of: {', '.join(SYSTEM_NAMES)}" if system_names else ""
        raise UsageError(f"{what}: got {text[:40]!r}, want 32 hexadecimal digits{names}")
    return ids.to_bytes(value)


def new_id() -> bytes:
    """A fresh random 128-bit id (never 0)."""
    return ids.to_bytes(secrets.randbits(127) + 1)


def id_or_new(arguments: argparse.Namespace) -> bytes:
    """The --id given (to retry safely), or a new random id."""
    return parse_id(arguments.id) if arguments.id else new_id()


def hex_of(raw: bytes) -> str:
    return raw.hex() if raw else ""


def address(arguments: argparse.Namespace) -> str:
    if arguments.node:
        return str(arguments.node)
    if arguments.config:
        listen = load_node_config(arguments.config).server.listen
        if listen.endswith(":0"):
            raise UsageError(f"{arguments.config}: server.listen has port 0; pass --node HOST:PORT")
        return listen
    return os.environ.get("TIMEBANK_NODE", DEFAULT_ADDRESS)


def credential(arguments: argparse.Namespace) -> Credential:
    """The credential the command presents: --credential, $TIMEBANK_NODE_CREDENTIAL, or the
    administrator's of the node --config names (else a UsageError saying how to give one)."""
    given = getattr(arguments, "credential", None) or os.environ.get(CREDENTIAL_VARIABLE)
    try:
        if given:
            return read_credential(pathlib.Path(given))
        if arguments.config:
            return administrator_credential(load_node_config(arguments.config))
    except ConfigError as error:
        raise UsageError(f"credential: {error}") from None
    raise UsageError(
        "credential: the node's operator API admits its administrator's credential only: pass --config "
        "nodes/ID/node.toml (the credential is the file its [server] administrator_credential_file names), "
        f"--credential FILE, or set {CREDENTIAL_VARIABLE}"
    )


def client_for(arguments: argparse.Namespace) -> NodeClient:
    """A client of the node the command names, once something listens there (else Unreachable
    within CONNECT_SECONDS, saying how to name the node), presenting the command's credential."""
    target = address(arguments)
    _require_listening(target, given=bool(arguments.node or arguments.config or os.environ.get("TIMEBANK_NODE")))
    return NodeClient(target, deadline_seconds=arguments.deadline_seconds, credential=credential(arguments))


def _require_listening(target: str, given: bool) -> None:
    try:
        socket.create_connection(parse_listen_address(target), timeout=CONNECT_SECONDS).close()
    except (OSError, ConfigError) as error:
        why = getattr(error, "strerror", None) or str(error)
        hint = (
            ""
            if given
            else f"; {DEFAULT_ADDRESS} is the default: a city made by `timebank city init` has its nodes at the "
            "[server] listen of nodes/ID/node.toml, so pass --config nodes/ID/node.toml (or --node HOST:PORT, "
            "or set TIMEBANK_NODE)"
        )
        raise Unreachable(f"node unreachable at {target}: nothing listens there ({why}){hint}") from None


def emit(arguments: argparse.Namespace, document: Any, text: str) -> None:
    if arguments.json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(text)


def message_json(message: Any) -> dict[str, Any]:
    """A protobuf message as JSON: every field present, ids in hex, enums by name."""
    document: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.is_repeated:
            document[field.name] = [_field_json(field, item) for item in value]
        else:
            document[field.name] = _field_json(field, value)
    return document


def _field_json(field: Any, value: Any) -> Any:
    if field.message_type is not None:
        return message_json(value)
    if field.enum_type is not None:
        return field.enum_type.values_by_number[value].name
    if isinstance(value, bytes):
        return hex_of(value)
    return value


# -- the target of a command ---------------------------------------------------------------


def add_target_arguments(parser: argparse.ArgumentParser, json_flag: bool = True) -> None:
    group = parser.add_argument_group("which node")
    group.add_argument("--node", help=f"HOST:PORT of the node (default: $TIMEBANK_NODE or {DEFAULT_ADDRESS})")
    group.add_argument(
        "--config", type=pathlib.Path, help="the node's node.toml, to use its listen address and credential"
    )
    group.add_argument(
        "--credential",
        type=pathlib.Path,
        help=f"the credential file to present (default: ${CREDENTIAL_VARIABLE}, else the administrator's of --config)",
    )
    group.add_argument("--deadline-seconds", type=float, default=10.0, help="deadline of each call (default 10)")
    parser.add_argument("--json", action="store_true", help="print JSON" if json_flag else argparse.SUPPRESS)
    parser.set_defaults(describe_target=lambda arguments: f"node unreachable at {address(arguments)}")
