"""`timebank check-config --config FILE`: everything a party needs before it serves, checked at once.

An entry-point module. The role is read from the file's tables ([node]: a ledger node;
[protocol]: the clearinghouse). Checks, each reported with its verdict: the file parses
and every key is valid (the loader names a bad key); the signing key is readable and
owner-only; the TLS certificate is issued by the configured CA, names this party, is
valid now, and matches its private key; a node's clearinghouse key file parses; the
database answers and its schema is at the newest revision (serve refuses otherwise;
`migrate` fixes it); the server's address is free, or held by this party itself, serving
(another program holding it would make serve wait 5 s and refuse). Exit 0 when all pass, 1
when any fails, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import hashlib
import json
import pathlib
import socket
import ssl
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from timebank import grpc_status, keys, pki
from timebank.config import TlsTable, load_toml, parse_listen_address
from timebank.errors import ConfigError, TimebankError
from timebank.storage import migrate
from timebank.storage.engine import create_database_engine
from timebank.storage.schema import PartySchema

if TYPE_CHECKING:
    from nodes.config import NodeConfig

__all__ = ["Check", "clearinghouse_checks", "EXIT_OK", "EXIT_PROBLEMS", "EXIT_USAGE", "node_checks", "register", "run"]

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def _check(name: str, run: Callable[[], str]) -> Check:
    try:
        return Check(name, True, run())
    except (TimebankError, OSError, ValueError, InvalidSignature) as error:
        return Check(name, False, str(error) or f"{type(error).__name__}: the CA did not sign this certificate")


def _signing_key(path: pathlib.Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    key = keys.load_signing_key(path)
    if mode & 0o007 or mode & 0o022:
        raise ConfigError(f"{path}: mode {mode:o}; a signing key must be readable by its owner only: chmod 600 {path}")
    shared = (
        " (group-readable: acceptable for a mounted secret whose group is the service's alone)" if mode & 0o040 else ""
    )
    return f"{path}: key id {keys.key_id(key.public_key())}, mode {mode:o}{shared}"


def _identity_key(path: pathlib.Path) -> str:
    key = keys.load_identity_key(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"{path}: mode {mode:o}; the city's identity key must be readable by its owner only")
    fingerprint = hashlib.sha256(key).hexdigest()[:16]
    return f"{path}: fingerprint {fingerprint} (the same at every node of the city)"


def _tls(tls: TlsTable, resolve: Callable[[str], pathlib.Path], party_id: str) -> str:
    authority = pki.read_certificate(resolve(tls.ca_file))
    certificate = pki.read_certificate(resolve(tls.certificate_file))
    private_key = pki.read_private_key(resolve(tls.key_file))
    certificate.verify_directly_issued_by(authority)
    now = datetime.datetime.now(datetime.UTC)
    if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
        raise ConfigError(
            f"tls.certificate_file: valid {certificate.not_valid_before_utc} to {certificate.not_valid_after_utc}"
        )
    named = pki.certificate_party_uris(certificate)
    if party_id not in named:
        raise ConfigError(f"tls.certificate_file: the certificate names {named}, not {party_id!r}")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    encoding = serialization.Encoding.DER
    if certificate.public_key().public_bytes(encoding, public) != private_key.public_key().public_bytes(
        encoding, public
    ):
        raise ConfigError("tls.key_file: the private key does not match the certificate")
    days = (certificate.not_valid_after_utc - now).days
    return f"issued by the city CA to {party_id}, valid for {days} more days"


def _database(url: str, pool: Any, schema: PartySchema) -> str:
    engine = create_database_engine(url, pool)
    try:
        head = migrate.require_current(engine, schema, f"timebank {schema.name} migrate --config FILE")
    finally:
        engine.dispose()
    return f"reachable, schema at revision {head}"


LISTEN_CHECK_SECONDS = 2.0


def _listen(address: str, serving: Callable[[], bool]) -> str:
    """Whether serve can listen on address: free, or held by this party already serving (its
    own answer says so); anything else holds it and serve would be refused."""
    if grpc_status.port_free(address):
        return f"{address}: free"
    if serving():
        return f"{address}: in use by this party itself, serving now"
    raise ConfigError(
        f"server.listen: {address} is in use by another program; `serve` would be refused: stop it, or change "
        "[server] listen"
    )


def _credentials(config: NodeConfig) -> str:
    """The operator API's credential files, readable here and by no other user of the host."""
    from nodes.door import open_door

    open_door(config)
    return ", ".join(f"{principal} {path}" for principal, path in config.credential_paths.items())


def _node_serving(address: str, config: NodeConfig) -> bool:
    from nodes.client import NodeClient
    from nodes.door import administrator_credential

    try:
        credential = administrator_credential(config)
        with NodeClient(
            address, deadline_seconds=LISTEN_CHECK_SECONDS, attempts_max=1, credential=credential
        ) as client:
            return client.get_node_info().node_id == config.node.id
    except (grpc.RpcError, ConfigError):
        return False


def _clearinghouse_serving(address: str, tls: TlsTable, resolve: Callable[[str], pathlib.Path]) -> bool:
    """Whether the TLS server at address shows a certificate of the city's CA naming the clearinghouse."""
    from timebank.protocol import CLEARINGHOUSE_ID

    context = ssl.create_default_context(cafile=str(resolve(tls.ca_file)))
    context.check_hostname = False
    context.load_cert_chain(str(resolve(tls.certificate_file)), str(resolve(tls.key_file)))
    try:
        with socket.create_connection(parse_listen_address(address), timeout=LISTEN_CHECK_SECONDS) as raw:
            with context.wrap_socket(raw) as secured:
                der = secured.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError, ConfigError):
        return False
    return der is not None and CLEARINGHOUSE_ID in pki.certificate_party_uris(x509.load_der_x509_certificate(der))


def node_checks(path: pathlib.Path) -> list[Check]:
    from nodes import tables as node_tables
    from nodes.config import load_node_config

    config = load_node_config(path)
    listen = config.server.listen
    checks = [
        Check("config", True, f"node {config.node.id} ({config.node.display_name})"),
        _check("signing key", lambda: _signing_key(config.signing_key_path)),
        _check("identity key", lambda: _identity_key(config.path(config.care.identity_key_file))),
        _check("database", lambda: _database(config.database_url, config.database.pool, node_tables.SCHEMA)),
        _check("credentials", lambda: _credentials(config)),
        _check("listen", lambda: _listen(listen, lambda: _node_serving(listen, config))),
    ]
    if config.clearinghouse.address:
        keys_file = config.path(config.clearinghouse.keys_file)
        checks.append(
            _check("clearinghouse keys", lambda: f"{len(keys.load_key_ring_file(keys_file).records())} key(s)")
        )
        if not config.clearinghouse.insecure:
            checks.append(_check("tls", lambda: _tls(config.tls, config.path, config.node.id)))
    return checks


def clearinghouse_checks(path: pathlib.Path) -> list[Check]:
    from clearinghouse import tables as clearinghouse_tables
    from clearinghouse.config import load_clearinghouse_config
    from timebank.protocol import CLEARINGHOUSE_ID

    config = load_clearinghouse_config(path)
    checks = [
        Check("config", True, config.clearinghouse.display_name),
        _check("signing key", lambda: _signing_key(config.path(config.keys.signing_key_file))),
        _check("database", lambda: _database(config.database_url, config.database.pool, clearinghouse_tables.SCHEMA)),
    ]
    listen = config.server.listen
    if not config.server.insecure:
        checks.append(_check("tls", lambda: _tls(config.tls, config.path, CLEARINGHOUSE_ID)))
        serving = functools.partial(_clearinghouse_serving, listen, config.tls, config.path)
        checks.append(_check("listen", lambda: _listen(listen, serving)))
    else:
        checks.append(_check("listen", lambda: _listen(listen, lambda: False)))
    return checks


def run(arguments: argparse.Namespace) -> int:
    path: pathlib.Path = arguments.config
    try:
        document = load_toml(path)
        role_checks = node_checks if "node" in document else clearinghouse_checks
        checks = role_checks(path)
    except ConfigError as error:
        checks = [Check("config", False, str(error))]
    if arguments.json:
        print(json.dumps([check.__dict__ for check in checks], ensure_ascii=False, indent=2))
    else:
        for check in checks:
            print(f"{'OK  ' if check.passed else 'FAIL'} {check.name:<20} {check.detail}")
    return EXIT_OK if all(check.passed for check in checks) else EXIT_PROBLEMS


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("check-config", help="check a node's or the clearinghouse's config before serving")
    parser.add_argument("--config", type=pathlib.Path, required=True)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=run)
