"""The console's configuration (console.toml): where it listens, which node it serves,
and how its cookies are sent.

Owns the keys and their checks; each wrong key is named. Environment overrides follow
the same rule as the node's (TIMEBANK_CONSOLE__LISTEN and so on).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from timebank.config import (
    build,
    is_loopback,
    load_toml,
    parse_listen_address,
    require,
    resolve_path,
    toml_string,
    within,
)
from timebank.credentials import Credential, read_credential
from timebank.errors import ConfigError

__all__ = ["ConsoleConfig", "ConsoleTable", "Served", "check_served", "load_console_config", "write_console_config"]


URL_SCHEMES = ("https://", "http://")


@dataclass(frozen=True)
class ConsoleTable:
    # HOST:PORT the console serves its pages on. Plain HTTP listens on loopback only, behind
    # the office's reverse proxy (which adds HTTPS); set secure_cookies once it does. With
    # tls_certificate_file and tls_key_file, the console serves HTTPS itself, on any address.
    listen: str = "127.0.0.1:7480"
    # The node's operator port (HOST:PORT), as in its node.toml [server] listen.
    node: str = "127.0.0.1:7400"
    # The console's credential for that port: a copy of the file the node's
    # [server] console_credential_file names (owner-only), relative to this file's folder.
    node_credential_file: str = "keys/console.credential"
    # Send cookies only over HTTPS (true behind an HTTPS proxy).
    secure_cookies: bool = False
    # Deadline of each call to the node, in seconds.
    deadline_seconds: float = 10.0
    # The office's name, shown in the page header.
    office_name: str = "时间银行"
    # Times are shown in this offset from UTC, in hours (as the node's care.utc_offset_hours).
    utc_offset_hours: int = 8
    # The address phones open, as the office's proxy serves the console to them (for example
    # "https://tb.shiqi.example.cn"); put in the QR codes the office shows and prints. Empty:
    # the address the office's own browser opened the page at.
    public_url: str = ""
    # HTTPS served by the console itself: a certificate (PEM, with its chain) from the city's
    # CA for the console's host name, and its private key, relative to this file's folder.
    # Both or neither; with them the cookies are always Secure.
    tls_certificate_file: str = ""
    tls_key_file: str = ""

    @property
    def serves_https(self) -> bool:
        return bool(self.tls_certificate_file)

    @property
    def cookies_secure(self) -> bool:
        """Cookies go over HTTPS only: behind an HTTPS proxy, or when serving HTTPS."""
        return self.secure_cookies or self.serves_https

    def __post_init__(self) -> None:
        check_served(self, self.node)
        require(
            self.public_url == "" or (self.public_url.startswith(URL_SCHEMES) and "?" not in self.public_url),
            "public_url",
            f"got {self.public_url!r}: want an address starting https:// (or http://), without a query",
        )


class Served(Protocol):
    """What serving a console reads of its settings (the office's and the bureau's have these)."""

    @property
    def listen(self) -> str: ...
    @property
    def secure_cookies(self) -> bool: ...
    @property
    def deadline_seconds(self) -> float: ...
    @property
    def tls_certificate_file(self) -> str: ...
    @property
    def tls_key_file(self) -> str: ...
    @property
    def serves_https(self) -> bool: ...
    @property
    def utc_offset_hours(self) -> int: ...


def check_served(table: Served, party_address: str) -> None:
    """The keys every console has: where it listens and whether that may be plain HTTP, its
    own certificate (both files or neither), the party's address, the deadline, the zone."""
    try:
        host, _port = parse_listen_address(table.listen)
        parse_listen_address(party_address)
    except ConfigError as error:
        raise ConfigError(f"listen: {error}") from None
    require(
        bool(table.tls_certificate_file) == bool(table.tls_key_file),
        "tls_key_file",
        "want both tls_certificate_file and tls_key_file, or neither",
    )
    require(
        is_loopback(host) or table.secure_cookies or table.serves_https,
        "listen",
        f"got {table.listen!r}: plain HTTP is served on loopback only; put it behind an HTTPS "
        "proxy and set secure_cookies = true, or set tls_certificate_file and tls_key_file, to listen elsewhere",
    )
    within("deadline_seconds", table.deadline_seconds, 0.1, 120)
    within("utc_offset_hours", table.utc_offset_hours, -12, 14)


@dataclass(frozen=True)
class ConsoleConfig:
    console: ConsoleTable = field(default_factory=ConsoleTable)
    base_directory: pathlib.Path = pathlib.Path(".")

    def node_credential(self) -> Credential:
        """The credential the console presents to its node (a ConfigError naming the key if unreadable)."""
        try:
            return read_credential(resolve_path(self.base_directory, self.console.node_credential_file))
        except ConfigError as error:
            raise ConfigError(f"console.node_credential_file: {error}") from None


def load_console_config(path: pathlib.Path | str, environ: dict[str, str] | None = None) -> ConsoleConfig:
    path = pathlib.Path(path)
    document: dict[str, Any] = load_toml(path)
    return build(ConsoleConfig, document, source=str(path), environ=environ, base_directory=path.resolve().parent)


def write_console_config(path: pathlib.Path, *, listen: str, node: str, office_name: str) -> None:
    """A console.toml for the console of the node at node, served on listen."""
    lines = [
        "# The office console of one node: `timebank console serve --config THIS_FILE`.",
        "# Written by `timebank city init`; every key is explained in deploy/console.example.toml.",
        "",
        "[console]",
        f"listen = {toml_string(listen)}",
        f"node = {toml_string(node)}",
        'node_credential_file = "keys/console.credential"',
        f"office_name = {toml_string(office_name)}",
        "secure_cookies = false",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
