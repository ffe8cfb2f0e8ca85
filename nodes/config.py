"""The node's configuration: one frozen object from TOML, then environment overrides.

Every key is documented in deploy/node.example.toml. Relative paths (the SQLite file,
the signing key) are relative to the configuration file's folder.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass, field
from typing import Any

from nodes.care.policy import Policy
from timebank.config import (
    DatabaseTable,
    KeysTable,
    LoggingTable,
    MetricsTable,
    TlsTable,
    absolute_database_url,
    build,
    is_ip_address,
    is_loopback,
    load_toml,
    parse_listen_address,
    require,
    resolve_path,
    within,
)
from timebank.credentials import ADMINISTRATOR, CONSOLE
from timebank.errors import ConfigError
from timebank.ledger.model import BATCH_SIZE_MAX

__all__ = [
    "CareTable",
    "ClearinghouseTable",
    "LedgerTable",
    "load_node_config",
    "MESSAGE_BYTES_MAX",
    "NODE_ID_PATTERN",
    "NODE_KINDS",
    "NodeConfig",
    "NodeTable",
    "ServerTable",
]

NODE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
NODE_KINDS = ("district", "department")
MESSAGE_BYTES_MAX = 64 * 1024 * 1024


@dataclass(frozen=True)
class NodeTable:
    id: str
    display_name: str
    kind: str = "district"

    def __post_init__(self) -> None:
        require(
            bool(NODE_ID_PATTERN.match(self.id)),
            "id",
            f"got {self.id!r}, want 1-32 of a-z, 0-9 and '-', starting with a letter or digit",
        )
        require(
            0 < len(self.display_name) <= 64,
            "display_name",
            f"got {len(self.display_name)} characters, want 1..=64",
        )
        require(self.kind in NODE_KINDS, "kind", f"got {self.kind!r}, want one of {NODE_KINDS}")


@dataclass(frozen=True)
class ServerTable:
    listen: str = "127.0.0.1:7400"
    workers_max: int = 16
    message_bytes_max: int = 16 * 1024 * 1024
    shutdown_grace_seconds: float = 10.0
    # The operator API's credentials (timebank.credentials), relative to the config's folder.
    administrator_credential_file: str = "keys/administrator.credential"
    console_credential_file: str = "keys/console.credential"

    def __post_init__(self) -> None:
        try:
            host, _port = parse_listen_address(self.listen)
        except ConfigError as error:
            raise ConfigError(f"listen: {error}") from None
        require(
            is_loopback(host),
            "listen",
            f"got {self.listen!r}: the operator service has no TLS yet, so it listens on "
            "a loopback address only (127.0.0.1, ::1 or localhost)",
        )
        within("workers_max", self.workers_max, 1, 256)
        within("message_bytes_max", self.message_bytes_max, 1024, MESSAGE_BYTES_MAX)
        within("shutdown_grace_seconds", self.shutdown_grace_seconds, 0, 300)


@dataclass(frozen=True)
class LedgerTable:
    batch_size_max: int = BATCH_SIZE_MAX
    statement_page_max: int = 1_000
    # How often a signed checkpoint of the node's own log is published when it grew.
    checkpoint_interval_seconds: float = 5.0

    def __post_init__(self) -> None:
        within("batch_size_max", self.batch_size_max, 1, BATCH_SIZE_MAX)
        within("statement_page_max", self.statement_page_max, 1, 10_000)
        within("checkpoint_interval_seconds", self.checkpoint_interval_seconds, 0.1, 3_600)


@dataclass(frozen=True)
class ClearinghouseTable:
    """How this node reaches the clearinghouse. An empty address: a node on its own."""

    # host:port, or several IP:port separated by commas: the active clearinghouse and its
    # standbys, of which the node sends only to the one whose gRPC health says SERVING.
    address: str = ""
    # The clearinghouse's party id, checked against its TLS certificate.
    party_id: str = "clearinghouse"
    # The clearinghouse's public signing keys (`timebank city init` writes this file).
    keys_file: str = "clearinghouse-keys.toml"
    # Deadline of each Exchange call (the clearinghouse may hold it for its long poll).
    exchange_deadline_seconds: float = 5.0
    # Most items sent in one batch.
    batch_items_max: int = 4_000
    # After a failed call, wait up to this long (exponential backoff with jitter).
    retry_backoff_max_seconds: float = 5.0
    # Ask for the outcome of a held transfer with no decision after this long.
    query_after_seconds: float = 60.0
    # How far a batch's created_at may be from this node's clock.
    clock_skew_seconds_max: float = 300.0
    # Plaintext without TLS, for local experiments only; never the default.
    insecure: bool = False
    # How often the node looks whether its supervision figures for the bureau changed (people
    # by role, hours by month and category, what its members hold, its open alerts: no
    # person's name or id), sending them when they did.
    supervision_report_seconds: float = 60.0

    def __post_init__(self) -> None:
        within("supervision_report_seconds", self.supervision_report_seconds, 0.1, 86_400)
        for address in self.addresses:
            try:
                host, _port = parse_listen_address(address)
            except ConfigError as error:
                raise ConfigError(f"address: {error}") from None
            require(
                not self.insecure or is_loopback(host),
                "insecure",
                f"plaintext is allowed only to a loopback address, got {address!r}",
            )
            require(
                len(self.addresses) == 1 or is_ip_address(host),
                "address",
                f"several addresses must each be IP:port, got host {host!r} (one host name may stand alone)",
            )
        within("exchange_deadline_seconds", self.exchange_deadline_seconds, 0.1, 120)
        within("batch_items_max", self.batch_items_max, 1, 8_000)
        within("retry_backoff_max_seconds", self.retry_backoff_max_seconds, 0.01, 300)
        within("query_after_seconds", self.query_after_seconds, 1, 86_400)
        within("clock_skew_seconds_max", self.clock_skew_seconds_max, 1, 3_600)

    @property
    def addresses(self) -> tuple[str, ...]:
        """Every clearinghouse address of `address`, in order (none: a node on its own)."""
        return tuple(part.strip() for part in self.address.split(",") if part.strip())


@dataclass(frozen=True)
class CareTable(Policy):
    """The time-bank services: the city's policy rules (nodes.care.policy.Policy, whose
    keys must be the same on every node of a city) and the city's identity key."""

    # The city's secret for hashing identity numbers (the same file on every node, so
    # a person registering twice is recognised). Written by `node init`.
    identity_key_file: str = "keys/identity-key"

    def __post_init__(self) -> None:
        within("utc_offset_hours", self.utc_offset_hours, -12, 14)
        within("storage_cap_minutes", self.storage_cap_minutes, 0, 10_000_000)
        within("redeem_age_min_years", self.redeem_age_min_years, 0, 120)
        within("redeem_age_min_hardship_years", self.redeem_age_min_hardship_years, 0, self.redeem_age_min_years)
        within("give_after_days", self.give_after_days, 0, 3_650)
        within("daily_service_minutes_max", self.daily_service_minutes_max, 1, 1_440)
        within("code_valid_seconds", self.code_valid_seconds, 10, 86_400)
        within("proxy_elders_max", self.proxy_elders_max, 1, 1_000)
        within("pool_grant_balance_max_minutes", self.pool_grant_balance_max_minutes, 0, 1_000_000)
        within("implausible_minutes_min", self.implausible_minutes_min, 0, 1_440)
        within("implausible_minutes_max", self.implausible_minutes_max, self.implausible_minutes_min + 1, 1_440)
        within("back_and_forth_days", self.back_and_forth_days, 1, 3_650)


@dataclass(frozen=True)
class NodeConfig:
    node: NodeTable
    database: DatabaseTable
    server: ServerTable = field(default_factory=ServerTable)
    ledger: LedgerTable = field(default_factory=LedgerTable)
    keys: KeysTable = field(default_factory=KeysTable)
    tls: TlsTable = field(default_factory=TlsTable)
    clearinghouse: ClearinghouseTable = field(default_factory=ClearinghouseTable)
    care: CareTable = field(default_factory=CareTable)
    metrics: MetricsTable = field(default_factory=MetricsTable)
    logging: LoggingTable = field(default_factory=LoggingTable)
    # Where the file was read from: relative paths are resolved against its folder.
    base_directory: pathlib.Path = pathlib.Path(".")

    @property
    def database_url(self) -> str:
        return absolute_database_url(self.database.url, self.base_directory)

    @property
    def signing_key_path(self) -> pathlib.Path:
        return self.path(self.keys.signing_key_file)

    @property
    def credential_paths(self) -> dict[str, pathlib.Path]:
        """The operator API's credential files by principal."""
        return {
            ADMINISTRATOR: self.path(self.server.administrator_credential_file),
            CONSOLE: self.path(self.server.console_credential_file),
        }

    def path(self, value: str) -> pathlib.Path:
        return resolve_path(self.base_directory, value)


def load_node_config(path: pathlib.Path | str, environ: dict[str, str] | None = None) -> NodeConfig:
    path = pathlib.Path(path)
    document: dict[str, Any] = load_toml(path)
    return build(NodeConfig, document, source=str(path), environ=environ, base_directory=path.resolve().parent)
