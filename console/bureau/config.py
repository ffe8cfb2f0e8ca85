"""The bureau console's configuration (bureau-console.toml): where it listens, which
clearinghouse it serves and with which certificate, and how its cookies are sent.

Owns the keys and their checks; each wrong key is named. Environment overrides follow
the same rule as the other parties' (TIMEBANK_BUREAU_CONSOLE__LISTEN and so on).
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field
from typing import Any

from console.config import check_served
from timebank.config import build, load_toml, require, toml_string, within

__all__ = ["BureauConsoleConfig", "BureauConsoleTable", "load_bureau_console_config", "write_bureau_console_config"]


@dataclass(frozen=True)
class BureauConsoleTable:
    # HOST:PORT the console serves its pages on. Plain HTTP listens on loopback only, behind
    # the bureau's reverse proxy (which adds HTTPS); set secure_cookies once it does. With
    # tls_certificate_file and tls_key_file, the console serves HTTPS itself, on any address.
    listen: str = "127.0.0.1:7490"
    # The clearinghouse's address (HOST:PORT), as its clearinghouse.toml [server] listen.
    clearinghouse: str = "127.0.0.1:7300"
    # The folder of the bureau's certificate from the city's CA (ca.pem, tls.pem, tls-key.pem),
    # relative to this file's folder: `timebank city init` writes it as bureau/tls.
    tls_directory: str = "tls"
    # Send cookies only over HTTPS (true behind an HTTPS proxy).
    secure_cookies: bool = False
    # Deadline of each call to the clearinghouse, in seconds.
    deadline_seconds: float = 10.0
    # The bureau's name, shown in the page header.
    office_name: str = "市民政局"
    # Times are shown in this offset from UTC, in hours.
    utc_offset_hours: int = 8
    # How often the city's page refreshes its figures, in seconds.
    refresh_seconds: float = 5.0
    # HTTPS served by the console itself: a certificate (PEM, with its chain) for the
    # console's host name and its private key, relative to this file's folder. Both or neither.
    tls_certificate_file: str = ""
    tls_key_file: str = ""

    @property
    def public_url(self) -> str:
        return ""  # no phone opens the bureau's console

    @property
    def serves_https(self) -> bool:
        return bool(self.tls_certificate_file)

    @property
    def cookies_secure(self) -> bool:
        return self.secure_cookies or self.serves_https

    def __post_init__(self) -> None:
        check_served(self, self.clearinghouse)
        require(bool(self.tls_directory), "tls_directory", "want the folder of the bureau's certificate")
        within("refresh_seconds", self.refresh_seconds, 1, 300)


@dataclass(frozen=True)
class BureauConsoleConfig:
    bureau_console: BureauConsoleTable = field(default_factory=BureauConsoleTable)
    base_directory: pathlib.Path = pathlib.Path(".")

    @property
    def tls_path(self) -> pathlib.Path:
        return self.base_directory / self.bureau_console.tls_directory


def load_bureau_console_config(path: pathlib.Path | str, environ: dict[str, str] | None = None) -> BureauConsoleConfig:
    path = pathlib.Path(path)
    document: dict[str, Any] = load_toml(path)
    return build(BureauConsoleConfig, document, source=str(path), environ=environ, base_directory=path.resolve().parent)


def write_bureau_console_config(path: pathlib.Path, *, listen: str, clearinghouse: str, office_name: str) -> None:
    """A bureau-console.toml beside the bureau's tls folder, for the clearinghouse at clearinghouse."""
    lines = [
        "# The bureau's console at the clearinghouse: `timebank console bureau --config THIS_FILE`.",
        "# Written by `timebank city init`; every key is explained in deploy/bureau-console.example.toml.",
        "",
        "[bureau_console]",
        f"listen = {toml_string(listen)}",
        f"clearinghouse = {toml_string(clearinghouse)}",
        'tls_directory = "tls"',
        f"office_name = {toml_string(office_name)}",
        "secure_cookies = false",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
