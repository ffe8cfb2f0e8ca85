"""The example configuration in deploy/ is valid and names every key the schema has."""

from __future__ import annotations

import dataclasses
import pathlib
import tomllib
import typing

import pytest

from clearinghouse.config import ClearinghouseConfig, load_clearinghouse_config
from console.bureau.config import BureauConsoleConfig, load_bureau_console_config
from console.config import ConsoleConfig, load_console_config
from nodes.config import NodeConfig, load_node_config

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "node.example.toml"

pytestmark = pytest.mark.deploy


def test_node_example_loads() -> None:
    config = load_node_config(EXAMPLE, environ={})
    assert config.node.id == "shiqi"


def test_clearinghouse_example_loads() -> None:
    config = load_clearinghouse_config(ROOT / "deploy" / "clearinghouse.example.toml", environ={})
    assert config.server.listen == "127.0.0.1:7300" and not config.server.insecure


def _explains_every_key(path: pathlib.Path, schema: type) -> None:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    tables = typing.get_type_hints(schema)
    expected = [name for name, kind in tables.items() if dataclasses.is_dataclass(kind)]
    assert sorted(document) == sorted(expected)
    for table in expected:
        assert set(document[table]) == {f.name for f in dataclasses.fields(tables[table])}, table


def test_node_example_explains_every_key() -> None:
    _explains_every_key(EXAMPLE, NodeConfig)


def test_clearinghouse_example_explains_every_key() -> None:
    _explains_every_key(ROOT / "deploy" / "clearinghouse.example.toml", ClearinghouseConfig)


def test_console_example_loads_and_explains_every_key() -> None:
    path = ROOT / "deploy" / "console.example.toml"
    config = load_console_config(path, environ={})
    assert config.console.listen == "127.0.0.1:7480" and not config.console.secure_cookies
    _explains_every_key(path, ConsoleConfig)


def test_bureau_console_example_loads_and_explains_every_key() -> None:
    path = ROOT / "deploy" / "bureau-console.example.toml"
    config = load_bureau_console_config(path, environ={})
    assert config.bureau_console.clearinghouse == "127.0.0.1:7300" and config.tls_path == path.parent / "tls"
    _explains_every_key(path, BureauConsoleConfig)
