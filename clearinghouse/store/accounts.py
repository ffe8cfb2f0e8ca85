"""The nodes' accounts in the clearinghouse's books, read and made through the ledger's store.

Owns reading a node's account by the node's id (the account id derived by
`records.node_account_id`), inserting a node's account on its first transfer, and the
bureau's read of every node's position. The rows are the ledger's (`accounts`, written by
`timebank.storage.ledger_store`); the caller owns the transaction.

Must not: move minutes (only `Books.apply` does), know gRPC. Invariant: a node has one
account here, of kind CLEARING with no floor.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from clearinghouse.records import AccountPosition, node_account_id
from timebank.ledger.model import Account
from timebank.storage import ledger_store

__all__ = ["insert_node_account", "positions", "read_node_account"]


def read_node_account(connection: Connection, node_id: str) -> Account | None:
    account_id = node_account_id(node_id)
    return ledger_store.read_accounts(connection, [account_id]).get(account_id)


def insert_node_account(connection: Connection, account: Account) -> None:
    ledger_store.insert_accounts(connection, [account])


def positions(connection: Connection, node_ids: Sequence[str]) -> dict[str, AccountPosition]:
    """Each node's position in the books (zero for a node with no account yet)."""
    by_account = {node_account_id(node_id): node_id for node_id in node_ids}
    found = ledger_store.read_accounts(connection, by_account)
    result = {}
    for node_id in node_ids:
        account = found.get(node_account_id(node_id))
        result[node_id] = AccountPosition(
            node_id,
            account.balance_minutes if account else 0,
            account.debits_pending_minutes if account else 0,
            account.credits_pending_minutes if account else 0,
        )
    return result
