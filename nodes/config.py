"""The node's configuration: one frozen object from TOML, then environment overrides.

Every key is documented in deploy/node.example.toml. Relative paths (the SQLite file,
the signing key) are relative to the configuration file's folder.
"""

from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import make_url

from timebank.config import (
    build,
    is_loopback,
    load_toml,
    parse_listen_address,
    require,
    resolve_path,
)
from timebank.errors import ConfigError
from timebank.ledger.model import BATCH_SIZE_MAX
from timebank.storage.engine import PoolSettings, normalise_url

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
class DatabaseTable:
    url: str
    pool_size: int = 5
    pool_overflow_max: int = 5
    pool_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        try:
            normalise_url(self.url)
        except ConfigError as error:
            raise ConfigError(str(error).removeprefix("database.")) from None
        require(1 <= self.pool_size <= 100, "pool_size", f"got {self.pool_size}, want 1..=100")
        require(
            0 <= self.pool_overflow_max <= 100,
            "pool_overflow_max",
            f"got {self.pool_overflow_max}, want 0..=100",
        )
        require(
            0 < self.pool_timeout_seconds <= 300,
            "pool_timeout_seconds",
            f"got {self.pool_timeout_seconds}, want 0 < seconds <= 300",
        )

    @property
    def pool(self) -> PoolSettings:
        return PoolSettings(self.pool_size, self.pool_overflow_max, self.pool_timeout_seconds)


@dataclass(frozen=True)
class ServerTable:
    listen: str = "127.0.0.1:7400"
    workers_max: int = 16
    message_bytes_max: int = 16 * 1024 * 1024
    shutdown_grace_seconds: float = 10.0

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
        require(1 <= self.workers_max <= 256, "workers_max", f"got {self.workers_max}, want 1..=256")
        require(
            1024 <= self.message_bytes_max <= MESSAGE_BYTES_MAX,
            "message_bytes_max",
            f"got {self.message_bytes_max}, want 1024..={MESSAGE_BYTES_MAX}",
        )
        require(
            0 <= self.shutdown_grace_seconds <= 300,
            "shutdown_grace_seconds",
            f"got {self.shutdown_grace_seconds}, want 0..=300",
        )


@dataclass(frozen=True)
class LedgerTable:
    batch_size_max: int = BATCH_SIZE_MAX
    statement_page_max: int = 1_000

    def __post_init__(self) -> None:
        require(
            1 <= self.batch_size_max <= BATCH_SIZE_MAX,
            "batch_size_max",
            f"got {self.batch_size_max}, want 1..={BATCH_SIZE_MAX}",
        )
        require(
            1 <= self.statement_page_max <= 10_000,
            "statement_page_max",
            f"got {self.statement_page_max}, want 1..=10000",
        )


@dataclass(frozen=True)
class KeysTable:
    signing_key_file: str = "keys/signing-key.pem"


@dataclass(frozen=True)
class NodeConfig:
    node: NodeTable
    database: DatabaseTable
    server: ServerTable = field(default_factory=ServerTable)
    ledger: LedgerTable = field(default_factory=LedgerTable)
    keys: KeysTable = field(default_factory=KeysTable)
    # Where the file was read from: relative paths are resolved against its folder.
    base_directory: pathlib.Path = pathlib.Path(".")

    @property
    def database_url(self) -> str:
        return absolute_database_url(self.database.url, self.base_directory)

    @property
    def signing_key_path(self) -> pathlib.Path:
        return resolve_path(self.base_directory, self.keys.signing_key_file)


def load_node_config(path: pathlib.Path | str, environ: dict[str, str] | None = None) -> NodeConfig:
    path = pathlib.Path(path)
    document: dict[str, Any] = load_toml(path)
    return build(
        NodeConfig, document, source=str(path), environ=environ, base_directory=path.resolve().parent
    )


def absolute_database_url(url: str, base: pathlib.Path) -> str:
    """A SQLite URL with a relative file path, made absolute against the config's folder."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        database = resolve_path(base, parsed.database)
        return parsed.set(database=str(database)).render_as_string(hide_password=False)
    return normalise_url(url)
