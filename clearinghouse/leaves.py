"""The leaves the clearinghouse appends to its transparency log, built in one place.

Owns turning the clearinghouse's values into log.proto bodies (`translog.Body`): a node's
signed batch and its items as received, the items sent, a cycle's close, a reconciliation
report's record and a registry change. The coordinator, settlement, registry and reports
call these and append what they return with `timebank.translog`, so the encoding of the
leaves can change here alone. The bureau's CloseCycle answer carries the same CycleClose
message as the leaf (clearing.proto), built by `cycle_close_message`.

Must not: append, read or write anything (the callers append inside their transaction).
Invariant: the bytes of every leaf are those log.proto specifies, as auditors replay them.
"""

from __future__ import annotations

from collections.abc import Sequence

from clearinghouse.records import ClosedCycle, ReceivedHeader, RegistryAction
from timebank import logformat, translog
from timebank.protocol import Item, encode_item
from timebank.recon.model import Position
from timebank.signing import KeyRecord
from timebank.v1 import log_pb2 as lpb

__all__ = ["cycle_close", "cycle_close_message", "position_message", "received", "registry_event", "report", "sent"]


def received(header: ReceivedHeader, items: Sequence[bytes]) -> list[translog.Body]:
    """A node's batch as signed, then each of its items at its position."""
    batch = lpb.ReceivedBatch(header=header.header, key_id=header.key_id, signature=header.signature)
    bodies: list[translog.Body] = [("received_batch", batch)]
    bodies += [("received_item", lpb.ReceivedItem(position=n, item=data)) for n, data in enumerate(items)]
    return bodies


def sent(mailbox: Sequence[tuple[str, Item]]) -> list[translog.Body]:
    """Every item going out, one leaf per recipient and item, in order."""
    return [("sent_item", lpb.SentItem(recipient_id=r, item=encode_item(item))) for r, item in mailbox]


def position_message(position: Position) -> lpb.NodePosition:
    return lpb.NodePosition(
        node_id=position.node_id,
        debits_minutes=position.debits_minutes,
        debit_count=position.debit_count,
        credits_minutes=position.credits_minutes,
        credit_count=position.credit_count,
        net_minutes=position.net_minutes,
        closing_minutes=position.closing_minutes,
    )


def cycle_close_message(closed: ClosedCycle) -> lpb.CycleClose:
    return lpb.CycleClose(
        cycle_id=closed.cycle_id,
        opened_at_micros=closed.opened_at_micros,
        closed_at_micros=closed.closed_at_micros,
        scheduled=closed.scheduled,
        committed_count=closed.committed_count,
        committed_minutes=closed.committed_minutes,
        positions=[position_message(p) for p in closed.positions],
    )


def cycle_close(closed: ClosedCycle) -> translog.Body:
    return ("cycle_close", cycle_close_message(closed))


def report(cycle_id: int, report_sha256: bytes, break_count: int, positions: Sequence[Position]) -> translog.Body:
    record = lpb.ReportRecord(
        cycle_id=cycle_id,
        report_sha256=report_sha256,
        break_count=break_count,
        positions=[position_message(p) for p in positions],
    )
    return ("report", record)


def registry_event(action: RegistryAction, node_id: str, detail: str, key: KeyRecord | None = None) -> translog.Body:
    """A registry change, with the key's state after it when it concerns a key."""
    event = lpb.RegistryEvent(action=action.value, party_id=node_id, detail=detail)
    if key is not None:
        event.key.CopyFrom(logformat.key_state(key))
    return ("registry_event", event)
