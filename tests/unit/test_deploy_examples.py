"""The example configuration in deploy/ is valid and names every key the schema has."""

from __future__ import annotations

import dataclasses
import pathlib
import tomllib
import typing

from nodes.config import NodeConfig, load_node_config

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "node.example.toml"


def test_node_example_loads() -> None:
    config = load_node_config(EXAMPLE, environ={})
    assert config.node.id == "shiqi"


def test_node_example_explains_every_key() -> None:
    document = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    tables = typing.get_type_hints(NodeConfig)
    for table in ("node", "database", "server", "ledger", "keys"):
        assert set(document[table]) == {f.name for f in dataclasses.fields(tables[table])}, table
