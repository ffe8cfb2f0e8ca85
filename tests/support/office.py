"""A node's first director, made as the README says: on the node's host, with
`timebank node add-operator` and the password in a file."""

from __future__ import annotations

import pathlib
import subprocess

from tests.support.commands import timebank

DIRECTOR_PASSWORD = "Shiqi office 2026"


def add_director(node_directory: pathlib.Path) -> subprocess.CompletedProcess[str]:
    """The director wang (王主任) at the node whose node.toml is in node_directory."""
    secret = node_directory.parent / "director-password"
    secret.write_text(DIRECTOR_PASSWORD + "\n", encoding="utf-8")
    return timebank(
        "node", "add-operator", "--config", str(node_directory / "node.toml"), "--username", "wang",
        "--display-name", "王主任", "--role", "director", "--password-file", str(secret),
    )  # fmt: skip
