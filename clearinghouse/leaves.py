"""The leaves the clearinghouse appends to its transparency log, as the values of
`timebank.logentries`.

Owns turning the clearinghouse's records into log values: a node's signed batch and its
items as received, the items sent, a cycle's close, a reconciliation report's record and a
registry change. The coordinator, settlement, registry and reports append what these
return with `timebank.translog.record`; the one encoder of log values is
`timebank.logentries`. The bureau's CloseCycle answer carries the same CycleClose message
as the leaf (clearing.proto), built by `cycle_close_message` from the same value.

Must not: append, read or write anything (the callers append inside their transaction).
"""

from __future__ import annotations

from collections.abc import Sequence

from clearinghouse.records import ClosedCycle, ReceivedHeader, RegistryAction
from timebank import logentries
from timebank.logentries import (
    CycleClose,
    LogValue,
    ReceivedBatch,
    ReceivedItem,
    RegistryEvent,
    ReportRecord,
    SentItem,
)
from timebank.recon.model import Position
from timebank.signing import KeyRecord
from timebank.v1 import log_pb2 as lpb

__all__ = ["cycle_close", "cycle_close_message", "received", "registry_event", "report", "sent"]


def received(header: ReceivedHeader, items: Sequence[bytes]) -> list[LogValue]:
    """A node's batch as signed, then each of its items at its position."""
    values: list[LogValue] = [ReceivedBatch(header.header, header.key_id, header.signature)]
    values += [ReceivedItem(position, data) for position, data in enumerate(items)]
    return values


def sent(recipients: Sequence[str], encoded: Sequence[bytes]) -> list[LogValue]:
    """Every item going out (its recipient and its exact bytes), one leaf each, in order."""
    return [SentItem(recipient, data) for recipient, data in zip(recipients, encoded, strict=True)]


def cycle_close(closed: ClosedCycle) -> CycleClose:
    return CycleClose(
        closed.cycle_id,
        closed.opened_at_micros,
        closed.closed_at_micros,
        closed.scheduled,
        closed.committed_count,
        closed.committed_minutes,
        closed.positions,
    )


def cycle_close_message(closed: ClosedCycle) -> lpb.CycleClose:
    """The CycleClose message of the leaf, for the bureau's CloseCycle answer."""
    _, message = logentries.encode(cycle_close(closed))
    assert isinstance(message, lpb.CycleClose)
    return message


def report(cycle_id: int, report_sha256: bytes, break_count: int, positions: Sequence[Position]) -> ReportRecord:
    return ReportRecord(cycle_id, report_sha256, break_count, tuple(positions))


def registry_event(action: RegistryAction, node_id: str, detail: str, key: KeyRecord | None = None) -> RegistryEvent:
    """A registry change, with the key's state after it when it concerns a key."""
    return RegistryEvent(str(action.value), node_id, detail, key)
