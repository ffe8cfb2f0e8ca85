"""A node restored from a backup asks for everything since a time: the clearinghouse sends it again.

Owns the answer to a Resync: every item queued for the node since then goes again (as if
never sent), and the record of every transfer the node took part in since then that was
decided or that it began, as a Restore (a prepare it must vote on is asked for again by
the forwarded prepare, queued again above).

Must not: write SQL, know gRPC, change a decision.
"""

from __future__ import annotations

import logging

from clearinghouse.batch import Batch, transfer_of
from clearinghouse.records import CrossState
from clearinghouse.store import mail as mail_store
from clearinghouse.store import transfers as transfer_store
from timebank.protocol import Restore, restore_item

__all__ = ["resync"]

log = logging.getLogger("clearinghouse.coordinator")  # the coordinator's log lines keep its name


def resync(batch: Batch, node_id: str, resync_item_id: int, since_micros: int) -> None:
    """Sends again what the node may have lost: every item sent to it since then, and the
    record of every transfer it took part in since then that was decided or that it began."""
    mail_store.requeue_since(batch.connection, node_id, since_micros)
    for record in transfer_store.involving(batch.connection, node_id, since_micros):
        if record.state == CrossState.PREPARED and record.originator_node_id != node_id:
            continue  # the forwarded prepare, queued again above, asks for the node's vote
        restore = Restore(
            transfer_of(record),
            decided=record.state != CrossState.PREPARED,
            commit=record.state == CrossState.COMMITTED,
            reason=record.reason,
            decided_at_micros=record.decided_at_micros or 0,
            cycle_id=record.cycle_id or 0,
        )
        batch.mailbox.append((node_id, restore_item(restore, resync_item_id)))
    log.warning("node %s resynchronises from %d", node_id, since_micros, extra={"node_id": node_id})
