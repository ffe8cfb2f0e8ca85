"""The clearinghouse's configuration: one frozen object from TOML, then environment overrides.

Every key is documented in deploy/clearinghouse.example.toml. Relative paths are
relative to the configuration file's folder.
"""

from __future__ import annotations

import pathlib
import socket
from dataclasses import dataclass, field
from typing import Any

from timebank.config import (
    DatabaseTable,
    KeysTable,
    LoggingTable,
    MetricsTable,
    TlsTable,
    absolute_database_url,
    build,
    is_loopback,
    load_toml,
    parse_listen_address,
    require,
    resolve_path,
    within,
)
from timebank.errors import ConfigError

__all__ = [
    "ClearinghouseConfig",
    "ClearinghouseTable",
    "LimitsTable",
    "load_clearinghouse_config",
    "MESSAGE_BYTES_MAX",
    "ProtocolTable",
    "ServerTable",
    "SupervisionTable",
]

MESSAGE_BYTES_MAX = 64 * 1024 * 1024


@dataclass(frozen=True)
class ClearinghouseTable:
    display_name: str = "清算中心"


@dataclass(frozen=True)
class ServerTable:
    listen: str = "127.0.0.1:7300"
    workers_max: int = 32
    message_bytes_max: int = 32 * 1024 * 1024
    # How long an Exchange with nothing to return waits for something to arrive.
    long_poll_seconds: float = 1.0
    shutdown_grace_seconds: float = 10.0
    # Plaintext without TLS, for local experiments only; never the default.
    insecure: bool = False
    # This process's name among the clearinghouse processes sharing one database (one is
    # active, the others stand by); "" names it by host and listen address. Each process
    # needs its own: a process restarted under the same name takes its lease back at once.
    instance: str = ""
    # How long the active process's lease lasts without renewal (it renews three times in
    # each); a standby takes over this long after the active one stopped renewing.
    lease_seconds: float = 5.0

    def __post_init__(self) -> None:
        within("lease_seconds", self.lease_seconds, 1, 60)
        require(len(self.instance) <= 96, "instance", f"got {len(self.instance)} characters, want at most 96")
        try:
            host, _port = parse_listen_address(self.listen)
        except ConfigError as error:
            raise ConfigError(f"listen: {error}") from None
        require(
            not self.insecure or is_loopback(host),
            "insecure",
            f"plaintext is allowed only on a loopback address, got listen {self.listen!r}",
        )
        within("workers_max", self.workers_max, 1, 256)
        within("message_bytes_max", self.message_bytes_max, 1024, MESSAGE_BYTES_MAX)
        within("long_poll_seconds", self.long_poll_seconds, 0, 30)
        within("shutdown_grace_seconds", self.shutdown_grace_seconds, 0, 300)


@dataclass(frozen=True)
class ProtocolTable:
    # How long a prepared transfer may wait for the counterparty's vote (this clock).
    prepare_ttl_seconds: float = 30.0
    # How far a batch's created_at may be from this clock.
    clock_skew_seconds_max: float = 300.0
    # Most items in one batch, either way.
    batch_items_max: int = 8_000
    # How often prepared transfers past their expiry are ABORTed.
    sweep_interval_seconds: float = 0.5
    # Settlement cycles close at multiples of this length since the epoch (UTC), e.g.
    # 3600 hourly, 86400 daily (at 08:00 Beijing time).
    cycle_seconds: int = 86_400
    # How often a checkpoint of the log is signed when the log grew.
    checkpoint_interval_seconds: float = 5.0
    # Limits given to a node at admission (each can be changed per node).
    default_net_debit_cap_minutes: int = 6_000_000
    default_pending_cap_minutes: int = 600_000

    def __post_init__(self) -> None:
        within("prepare_ttl_seconds", self.prepare_ttl_seconds, 0.1, 86_400)
        within("clock_skew_seconds_max", self.clock_skew_seconds_max, 1, 3_600)
        within("batch_items_max", self.batch_items_max, 1, 8_000)
        within("sweep_interval_seconds", self.sweep_interval_seconds, 0.01, 60)
        within("cycle_seconds", self.cycle_seconds, 1, 31 * 86_400)
        within("checkpoint_interval_seconds", self.checkpoint_interval_seconds, 0.1, 3_600)
        for name in ("default_net_debit_cap_minutes", "default_pending_cap_minutes"):
            value = getattr(self, name)
            require(0 <= value <= 10**15, name, f"got {value}, want 0..=10^15")


@dataclass(frozen=True)
class LimitsTable:
    """Each peer's share of the server: a node, the bureau or an auditor, named by its TLS
    certificate. A peer over its share is refused (RESOURCE_EXHAUSTED, naming the key) and
    the others keep their service; see the README's section on limits."""

    # Calls of one peer running at once (a node's link needs two: a long poll and a batch).
    calls_in_progress_per_peer_max: int = 8
    # Calls one peer may start a second, on average, and at once after a quiet spell.
    calls_per_second_per_peer: float = 1000.0
    calls_burst_per_peer: int = 2000
    # HTTP/2 streams one connection may have open at once.
    streams_per_connection_max: int = 16

    def __post_init__(self) -> None:
        within("calls_in_progress_per_peer_max", self.calls_in_progress_per_peer_max, 2, 1_000)
        within("calls_per_second_per_peer", self.calls_per_second_per_peer, 1, 100_000)
        within("calls_burst_per_peer", self.calls_burst_per_peer, 1, 1_000_000)
        within("streams_per_connection_max", self.streams_per_connection_max, 2, 1_000)


@dataclass(frozen=True)
class SupervisionTable:
    """The city's guarantee: the hours it has committed to honour (the budget behind
    redeeming every member's hours), against which the bureau's console shows what the
    nodes' members hold. 0: no figure set, and the console says so."""

    guarantee_minutes: int = 0
    # The share of the guarantee held by members at which the console warns.
    guarantee_warn_percent: int = 80

    def __post_init__(self) -> None:
        require(
            0 <= self.guarantee_minutes <= 10**15, "guarantee_minutes", f"got {self.guarantee_minutes}, want 0..=10^15"
        )
        within("guarantee_warn_percent", self.guarantee_warn_percent, 1, 100)


@dataclass(frozen=True)
class ClearinghouseConfig:
    database: DatabaseTable
    clearinghouse: ClearinghouseTable = field(default_factory=ClearinghouseTable)
    server: ServerTable = field(default_factory=ServerTable)
    protocol: ProtocolTable = field(default_factory=ProtocolTable)
    limits: LimitsTable = field(default_factory=LimitsTable)
    supervision: SupervisionTable = field(default_factory=SupervisionTable)
    tls: TlsTable = field(default_factory=TlsTable)
    keys: KeysTable = field(default_factory=KeysTable)
    metrics: MetricsTable = field(default_factory=MetricsTable)
    logging: LoggingTable = field(default_factory=LoggingTable)
    base_directory: pathlib.Path = pathlib.Path(".")

    @property
    def database_url(self) -> str:
        return absolute_database_url(self.database.url, self.base_directory)

    def path(self, value: str) -> pathlib.Path:
        return resolve_path(self.base_directory, value)

    @property
    def instance_name(self) -> str:
        """server.instance, or this host's name and the listen address."""
        return (self.server.instance or f"{socket.gethostname()}/{self.server.listen}")[:128]


def load_clearinghouse_config(path: pathlib.Path | str, environ: dict[str, str] | None = None) -> ClearinghouseConfig:
    path = pathlib.Path(path)
    document: dict[str, Any] = load_toml(path)
    return build(ClearinghouseConfig, document, source=str(path), environ=environ, base_directory=path.resolve().parent)
