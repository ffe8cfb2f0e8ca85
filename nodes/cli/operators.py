"""The node's host-administrator commands for operator accounts: `timebank node
add-operator` (the first director, or any account) and `timebank node trail`, the shared
commands of `timebank.operators.commands` with the node's roles and database."""

from __future__ import annotations

import pathlib
from typing import Any

from nodes.config import load_node_config
from nodes.tables import OPERATOR_TABLES
from timebank.clock import SystemClock
from timebank.operators import commands
from timebank.operators.desk import Operators
from timebank.operators.records import NODE_STAFF

__all__ = ["register"]


def _operators(config_path: pathlib.Path) -> Operators:
    from nodes.server import open_books

    config = load_node_config(config_path)
    return Operators(open_books(config, SystemClock()), SystemClock(), OPERATOR_TABLES, NODE_STAFF)


def register(node: Any) -> None:
    commands.register(node, NODE_STAFF, _operators, "wang.director")
