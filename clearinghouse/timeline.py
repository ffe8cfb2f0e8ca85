"""One cross-node transfer's whole timeline as the clearinghouse saw it, for the bureau and
the auditor: its record (nodes, amount, state, reason, cycle, where its prepare and its
decision are in the log) and each step with its time: the prepare received from the
originating node, forwarded to the other node and acknowledged, the other node's vote,
the decision, and the decision delivered to and acknowledged by each node.

Owns assembling these from the clearinghouse's own tables (cross_transfers and its mail);
`Settlement.GetCrossTransfer` and `timebank clearinghouse transfer show` answer with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from clearinghouse.records import CrossRecord
from clearinghouse.store import mail
from clearinghouse.store import transfers as transfer_rows
from timebank import ids
from timebank.errors import NotFound
from timebank.protocol import CLEARINGHOUSE_ID, derive_id

__all__ = ["Step", "Timeline", "timeline"]


@dataclass(frozen=True)
class Step:
    at_micros: int
    party: str  # the node the step was with (the clearinghouse for its decision)
    what: str  # prepare-received, prepare-forwarded, prepare-acknowledged, vote-received, committed,
    # aborted, decision-sent, decision-acknowledged
    detail: str = ""


@dataclass(frozen=True)
class Timeline:
    record: CrossRecord
    steps: tuple[Step, ...]  # oldest first


def timeline(connection: Connection, transfer_id: int) -> Timeline:
    """The transfer's record and steps; NotFound if the clearinghouse never saw it."""
    record = transfer_rows.read_record(connection, transfer_id)
    if record is None:
        raise NotFound(f"transfer_id: the clearinghouse has no cross-node transfer {ids.to_hex(transfer_id)}")
    originator = record.originator_node_id
    forward = derive_id(f"prepare:{CLEARINGHOUSE_ID}", transfer_id)
    vote = derive_id("vote", transfer_id)
    decision = derive_id("decision", transfer_id)
    received, sent = mail.item_history(connection, [forward, vote, decision])
    steps = [Step(record.prepared_at_micros, originator, "prepare-received")]  # the record's own time
    steps += [Step(at, sender, "vote-received") for sender, item_id, at in received if item_id == vote]
    for recipient, item_id, queued, _delivered, acknowledged in sent:
        kind = "prepare" if item_id == forward else "decision" if item_id == decision else ""
        if not kind:
            continue
        steps.append(Step(queued, recipient, f"{kind}-{'forwarded' if kind == 'prepare' else 'sent'}"))
        if acknowledged is not None:
            steps.append(Step(int(acknowledged), recipient, f"{kind}-acknowledged"))
    if record.decided_at_micros is not None:
        where = f"cycle {record.cycle_id}" if record.cycle_id else ""
        steps.append(Step(record.decided_at_micros, CLEARINGHOUSE_ID, str(record.state), record.reason or where))
    order = {"prepare-received": 0, "prepare-forwarded": 1, "prepare-acknowledged": 2, "vote-received": 3}
    return Timeline(record, tuple(sorted(steps, key=lambda step: (step.at_micros, order.get(step.what, 4)))))
