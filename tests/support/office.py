"""A node's first director, made as the README says: on the node's host, with
`timebank node add-operator` and the password in a file; and an office console in front of
the node, presenting the node's console credential."""

from __future__ import annotations

import pathlib
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

from console.app import make_app
from console.cli import serving_in_thread
from console.config import ConsoleTable
from tests.support.browser import require_chromium
from tests.support.commands import timebank
from timebank.credentials import Credential

DIRECTOR_PASSWORD = "Shiqi office 2026"


def add_director(node_directory: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """The director wang (王主任) at the node whose node.toml is in node_directory."""
    secret = node_directory.parent / "director-password"
    secret.write_text(DIRECTOR_PASSWORD + "\n", encoding="utf-8")
    return timebank(
        "node", "add-operator", "--config", str(node_directory / "node.toml"), "--username", "wang",
        "--display-name", "王主任", "--role", "director", "--password-file", str(secret),
    )  # fmt: skip


@contextmanager
def office_console(node_address: str, node_directory: pathlib.Path, credential: Credential) -> Iterator[str]:
    """The node's first director, and a console in front of the node; yields its address."""
    require_chromium()
    add_director(node_directory)
    app = make_app(ConsoleTable(node=node_address, office_name="石岐街道时间银行"), credential=credential)
    with serving_in_thread(app) as url:
        yield url
    app.state.node.close()
