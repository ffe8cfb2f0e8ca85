"""The node's commands: `timebank node ...`, `timebank account ...`, `timebank transfer ...`.

Operator commands talk to a running node over gRPC (--node HOST:PORT, or --config FILE
to use the node's own listen address, or TIMEBANK_NODE). Accounts are named by their
32-digit hexadecimal id or, for system accounts, by name (issuance, clearing,
donation-pool, mall, adjustment). Every query command takes --json.

Exit codes: 0 done; 1 refused by the node (the message names the field and the rule);
2 bad usage or configuration; 3 the node could not be reached.
"""

from __future__ import annotations

from typing import Any

from nodes.cli import accounts, crossnode, lifecycle, operators, transfers

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Adds the node's command groups, in the order `timebank --help` lists them."""
    operators.register(lifecycle.register(subparsers))
    accounts.register(subparsers)
    transfer = transfers.register(subparsers)
    crossnode.register(subparsers, transfer)
    transfers.register_batch(transfer)
