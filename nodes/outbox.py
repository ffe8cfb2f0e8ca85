"""What a node sends the clearinghouse: items queued in the outbox, each logged as sent in
the same transaction.

Owns the one way an item leaves a node's domain code: `queue` puts it in the outbox (the
link delivers it until the clearinghouse acknowledges it) and appends a SentItem leaf to
the node's log, so an auditor sees every item the node sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from nodes.store import mail
from timebank import translog
from timebank.logentries import SentItem
from timebank.protocol import CLEARINGHOUSE_ID, Item

__all__ = ["queue"]


def queue(connection: Connection, items: Sequence[Item], now_micros: int) -> None:
    """Puts items in the outbox and logs each as sent, in the caller's transaction."""
    if not items:
        return
    encoded = mail.insert_outbox(connection, items, now_micros)
    translog.record(connection, [SentItem(CLEARINGHOUSE_ID, data) for data in encoded], now_micros)
