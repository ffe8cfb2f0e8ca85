"""The bureau's acknowledgement of a node's open alert: checked against the node's latest
supervision report, recorded once, and sent to the node as an AlertAcknowledgement item.

Owns the rules of an acknowledgement (a note of 1 to 200 characters, an admitted node, an
alert open in that node's latest report, at most one per node and alert) and what one
writes, in the caller's batch (the item is in the mailbox, so it is a leaf of the log when
it goes out). Must not: know gRPC or the session (the account is given).
"""

from __future__ import annotations

from clearinghouse.batch import Batch
from clearinghouse.records import AlertAcknowledged
from clearinghouse.store import supervision as supervision_store
from timebank.clock import shown_time
from timebank.errors import AlreadyExists, NotFound, RequestInvalid
from timebank.protocol import AlertAcknowledgement, ReportSummary, alert_acknowledgement_item

__all__ = ["acknowledge", "NOTE_LENGTH_MAX"]

NOTE_LENGTH_MAX = 200


def acknowledge(batch: Batch, node_id: str, alert_id: int, account: str, note: str) -> AlertAcknowledged:
    note = note.strip()
    if not 1 <= len(note) <= NOTE_LENGTH_MAX:
        raise RequestInvalid(f"note: got {len(note)} characters, want 1 to {NOTE_LENGTH_MAX} (what was found)")
    if batch.node(node_id) is None:
        raise NotFound(f"node_id: node {node_id[:40]!r} is not admitted")
    connection = batch.connection
    earlier = supervision_store.acknowledgement(connection, node_id, alert_id)
    if earlier is not None:
        raise AlreadyExists(
            f"alert_id: alert {alert_id} of {node_id} was acknowledged by {earlier.account} at "
            f"{shown_time(earlier.acknowledged_at_micros)}"
        )
    if alert_id not in ReportSummary.of(supervision_store.report(connection, node_id) or b"").alert_ids:
        raise NotFound(f"alert_id: {alert_id} is not among the open alerts of {node_id}'s latest report")
    done = AlertAcknowledged(node_id, alert_id, account, note, batch.now_micros)
    item = alert_acknowledgement_item(AlertAcknowledgement(alert_id, account, note, batch.now_micros), node_id)
    supervision_store.add_acknowledgement(connection, done, item.item_id)
    batch.mailbox.append((node_id, item))
    return done
