"""Configuration files: TOML, then environment overrides, validated entirely at start.

A service describes its configuration as frozen dataclasses, one per TOML table. A
value comes from the file, or from the environment variable TIMEBANK_<TABLE>__<KEY>
(upper case, a double underscore between table and key), which wins. Unknown tables
and keys, wrong types and broken rules are refused with a ConfigError naming the key,
e.g. "node.toml: server.listen: got 'abc', want HOST:PORT".
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import pathlib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

from timebank.errors import ConfigError
from timebank.storage.engine import PoolSettings, normalise_url

__all__ = [
    "DatabaseTable",
    "ENVIRONMENT_PREFIX",
    "KeysTable",
    "LOG_FORMATS",
    "LOG_LEVELS",
    "LoggingTable",
    "MetricsTable",
    "TlsTable",
    "absolute_database_url",
    "build",
    "is_ip_address",
    "is_loopback",
    "load_toml",
    "parse_listen_address",
    "require",
    "resolve_path",
    "toml_string",
    "validated_text",
    "within",
]

ENVIRONMENT_PREFIX = "TIMEBANK_"

T = TypeVar("T")


def load_toml(path: pathlib.Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration file: {error.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def build(
    schema: type[T],
    document: Mapping[str, Any],
    *,
    source: str,
    environ: Mapping[str, str] | None = None,
    **extra: Any,
) -> T:
    """Builds the schema from a TOML document and overrides.

    Each field of the schema whose type is a dataclass is one TOML table; the other
    fields are not configurable from the file and are passed in `extra`.
    """
    environ = os.environ if environ is None else environ
    hints = get_type_hints(schema)
    tables = [
        field.name
        for field in dataclasses.fields(schema)  # type: ignore[arg-type]
        if dataclasses.is_dataclass(hints[field.name])
    ]
    for name in document:
        if name not in tables:
            raise ConfigError(f"{source}: [{name}]: unknown table, want one of {sorted(tables)}")
    built = dict(extra)
    for name in tables:
        table = document.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: {name}: want a table [{name}]")
        built[name] = _build_table(hints[name], name, table, source, environ)
    return schema(**built)


def _build_table(
    kind: type[Any],
    table_name: str,
    table: Mapping[str, Any],
    source: str,
    environ: Mapping[str, str],
) -> Any:
    keys = {item.name: item for item in dataclasses.fields(kind)}
    for key in table:
        if key not in keys:
            raise ConfigError(f"{source}: {table_name}.{key}: unknown key, want one of {sorted(keys)}")
    hints = get_type_hints(kind)
    values: dict[str, Any] = {}
    for key, item in keys.items():
        variable = f"{ENVIRONMENT_PREFIX}{table_name.upper()}__{key.upper()}"
        where = f"{table_name}.{key}"
        if variable in environ:
            values[key] = _parse_text(environ[variable], hints[key], f"{variable} ({where})")
        elif key in table:
            values[key] = _check_type(table[key], hints[key], f"{source}: {where}")
        elif item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{source}: {where}: missing, this key is required")
    try:
        return kind(**values)
    except ConfigError as error:
        raise ConfigError(f"{source}: {table_name}.{error}") from None


def _check_type(value: Any, kind: Any, where: str) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, bool):
        raise ConfigError(f"{where}: got {value!r}, want an integer")
    if not isinstance(value, kind):
        raise ConfigError(f"{where}: got {value!r}, want {_type_name(kind)}")
    return value


def _parse_text(text: str, kind: Any, where: str) -> Any:
    try:
        if kind is bool:
            lowered = text.strip().lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return lowered in ("true", "1", "yes")
        return kind(text)
    except ValueError:
        raise ConfigError(f"{where}: got {text!r}, want {_type_name(kind)}") from None


def _type_name(kind: Any) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(kind, str(kind))


# -- rules shared by the services' schemas ------------------------------------------------


def require(condition: bool, key: str, message: str) -> None:
    """Inside a table's __post_init__: refuse with the key's name (the table is prefixed)."""
    if not condition:
        raise ConfigError(f"{key}: {message}")


def within(key: str, value: float, low: float, high: float) -> None:
    """Inside a table's __post_init__: refuse a value outside low..=high, naming the key."""
    require(low <= value <= high, key, f"got {value}, want {low}..={high}")


def validated_text(path: pathlib.Path, text: str, load: Callable[..., T]) -> T:
    """The configuration text would be, checked by its loader before anything is created.

    Refuses to overwrite an existing file at path; leaves nothing behind.
    """
    if path.exists():
        raise ConfigError(f"{path}: exists already; refusing to overwrite it")
    staging = path.with_name(path.name + ".new")
    staging.write_text(text, encoding="utf-8")
    try:
        return load(staging, environ={})
    finally:
        staging.unlink()


def parse_listen_address(text: str) -> tuple[str, int]:
    """'HOST:PORT' (port 0 lets the system choose); IPv6 hosts in brackets."""
    host, separator, port_text = text.rpartition(":")
    if not separator or not host or not port_text.isdigit() or not 0 <= int(port_text) <= 65_535:
        raise ConfigError(f"got {text!r}, want HOST:PORT with a port 0..=65535")
    return host.strip("[]"), int(port_text)


def is_ip_address(host: str) -> bool:
    """Whether host is an IPv4 or IPv6 address (brackets allowed), not a name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def toml_string(value: str) -> str:
    """A TOML basic string holding value."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def resolve_path(base: pathlib.Path, value: str) -> pathlib.Path:
    """A path from a config file, relative to the file's folder."""
    path = pathlib.Path(value).expanduser()
    return path if path.is_absolute() else (base / path)


def absolute_database_url(url: str, base: pathlib.Path) -> str:
    """A SQLite URL with a relative file path, made absolute against the config's folder."""
    from sqlalchemy.engine import make_url

    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        database = resolve_path(base, parsed.database)
        return parsed.set(database=str(database)).render_as_string(hide_password=False)
    return normalise_url(url)


# -- tables shared by the services' schemas -----------------------------------------------


@dataclass(frozen=True)
class MetricsTable:
    """The Prometheus endpoint (plain HTTP, GET /metrics). Empty: no endpoint. token_file: a
    file holding a token every scrape must present (`Authorization: Bearer TOKEN`); empty:
    none, for an endpoint on loopback."""

    listen: str = ""
    token_file: str = ""

    def __post_init__(self) -> None:
        if self.listen:
            try:
                parse_listen_address(self.listen)
            except ConfigError as error:
                raise ConfigError(f"listen: {error}") from None


LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class LoggingTable:
    """How the process writes its log to standard error: readable text or one JSON object a line."""

    format: str = "text"
    level: str = "INFO"

    def __post_init__(self) -> None:
        require(self.format in LOG_FORMATS, "format", f"got {self.format!r}, want one of {LOG_FORMATS}")
        require(self.level in LOG_LEVELS, "level", f"got {self.level!r}, want one of {LOG_LEVELS}")


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
        within("pool_size", self.pool_size, 1, 100)
        within("pool_overflow_max", self.pool_overflow_max, 0, 100)
        require(
            0 < self.pool_timeout_seconds <= 300,
            "pool_timeout_seconds",
            f"got {self.pool_timeout_seconds}, want 0 < seconds <= 300",
        )

    @property
    def pool(self) -> PoolSettings:
        return PoolSettings(self.pool_size, self.pool_overflow_max, self.pool_timeout_seconds)


@dataclass(frozen=True)
class KeysTable:
    signing_key_file: str = "keys/signing-key.pem"


@dataclass(frozen=True)
class TlsTable:
    """Mutual TLS with certificates from the city's CA (`timebank city init` makes them)."""

    ca_file: str = "tls/ca.pem"
    certificate_file: str = "tls/tls.pem"
    key_file: str = "tls/tls-key.pem"
