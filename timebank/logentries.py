"""What a leaf of a transparency log says, as values, and the one encoder of those values to log bytes.

Domain code (the coordinator, a node's crossing and receiving, the registry, settlement,
the reports, the care services, the log's own genesis and keys) says what happened with
these frozen values and hands them to `timebank.translog.record`; outside the benchmark's
raw workloads nothing else builds a `log_pb2` leaf body. `encode` turns one
value into the `LogEntry` field it fills and its message; `timebank.logformat.entry_bytes`
frames it with the index and the previous leaf's hash.

A `CareEvent` carries the services' record as a typed message of the CareDesk contract
(care.proto): `care_record_message` builds it field for field from the record's fields
(ids as 16 bytes), the same conversion the CareDesk servicer answers with, so the log and
the API describe a record the same way.

Pure: no database, no gRPC, no clock; the auditor's verifier shares the message types.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from google.protobuf.message import Message

from timebank import ids, logformat
from timebank.ledger.model import TransferRequest
from timebank.recon.model import Position
from timebank.signing import KeyRecord
from timebank.v1 import care_pb2 as care
from timebank.v1 import log_pb2 as lpb

M = TypeVar("M", bound=Message)

__all__ = [
    "care_record_message",
    "CareEvent",
    "CycleClose",
    "encode",
    "encode_all",
    "Genesis",
    "LogValue",
    "Posting",
    "ReceivedBatch",
    "ReceivedItem",
    "RegistryEvent",
    "ReportRecord",
    "SentItem",
    "StatementRecord",
]


@dataclass(frozen=True)
class Genesis:
    """The first leaf of a party's log."""

    log_id: str
    owner_id: str


@dataclass(frozen=True)
class RegistryEvent:
    """A change of a party's standing or keys; key: the key's state after it, if it names one."""

    action: str
    party_id: str
    detail: str = ""
    key: KeyRecord | None = None


@dataclass(frozen=True)
class ReceivedBatch:
    """A signed batch received: its exact header bytes, key id and signature (its items follow)."""

    header: bytes
    key_id: str
    signature: bytes


@dataclass(frozen=True)
class ReceivedItem:
    """One item of the batch received just before, by its position, as its exact bytes."""

    position: int
    item: bytes


@dataclass(frozen=True)
class SentItem:
    """An item put in the outbox for a recipient, as its exact bytes."""

    recipient_id: str
    item: bytes


@dataclass(frozen=True)
class Posting:
    """A transfer the party's books wrote."""

    request: TransferRequest


@dataclass(frozen=True)
class CycleClose:
    """A settlement cycle closed at the clearinghouse, with every node's position in it."""

    cycle_id: int
    opened_at_micros: int
    closed_at_micros: int
    scheduled: bool
    committed_count: int
    committed_minutes: int
    positions: tuple[Position, ...]


@dataclass(frozen=True)
class ReportRecord:
    """The reconciliation report of a cycle: its digest, its breaks and the positions it used."""

    cycle_id: int
    report_sha256: bytes
    break_count: int
    positions: tuple[Position, ...]


@dataclass(frozen=True)
class StatementRecord:
    """A node's signed statement of a cycle (its first page, as signed) and its clearing balance then."""

    signed_statement: bytes
    clearing_balance_minutes: int


@dataclass(frozen=True)
class CareEvent:
    """A change made by a node's time-bank services: the call, what it changed, and the record after it.

    record: a record of nodes.care.records whose class has a message of the same name in
    care.proto; fields listed in `unlogged` are left out (figures read, not stored).
    """

    operation: str
    subject: str
    record: Any
    unlogged: frozenset[str] = frozenset()
    by: str = ""  # who made the change: an operator account's username, or host-administrator


LogValue = (
    Genesis
    | RegistryEvent
    | ReceivedBatch
    | ReceivedItem
    | SentItem
    | Posting
    | CycleClose
    | ReportRecord
    | StatementRecord
    | CareEvent
)


# -- encoding --------------------------------------------------------------------------------------


def _position(position: Position) -> lpb.NodePosition:
    return lpb.NodePosition(**dataclasses.asdict(position))


def _posting(request: TransferRequest) -> lpb.Posting:
    return lpb.Posting(
        transfer_id=ids.to_bytes(request.id),
        kind=int(request.kind),
        debit_account_id=ids.to_bytes(request.debit_account_id),
        credit_account_id=ids.to_bytes(request.credit_account_id),
        amount_minutes=request.amount_minutes,
        pending_id=ids.to_bytes(request.pending_id),
        reverses_id=ids.to_bytes(request.reverses_id),
    )


def care_record_message(message_class: type[M], record: object, skip: frozenset[str] = frozenset(), **extra: Any) -> M:
    """A CareDesk message from a record: every field of the message the record has (but skip),
    ids as 16 bytes, tuples as repeated fields; extra sets fields the record does not hold."""
    values: dict[str, Any] = {}
    for field in message_class.DESCRIPTOR.fields:
        if field.name in extra:
            values[field.name] = extra[field.name]
        elif field.name not in skip and hasattr(record, field.name):
            value = getattr(record, field.name)
            if field.type == field.TYPE_BYTES and isinstance(value, int):
                value = ids.to_bytes(value)
            values[field.name] = value
    return message_class(**values)


def _care_record_fields() -> Mapping[str, tuple[str, Any]]:
    """Each record class name -> (the CareEvent field holding it, its care.proto message class)."""
    oneof = lpb.CareEvent.DESCRIPTOR.oneofs_by_name.get("record")
    found: dict[str, tuple[str, Any]] = {}
    for field in oneof.fields if oneof is not None else ():
        message_type = field.message_type
        if message_type is not None and hasattr(care, message_type.name):
            found[message_type.name] = (field.name, getattr(care, message_type.name))
    return found


CARE_RECORD_FIELDS = _care_record_fields()


def _care_event(event: CareEvent) -> lpb.CareEvent:
    name = type(event.record).__name__
    if name not in CARE_RECORD_FIELDS:
        raise ValueError(f"record: a {name} has no CareEvent field; add one to log.proto")
    field_name, message_class = CARE_RECORD_FIELDS[name]
    message = care_record_message(message_class, event.record, event.unlogged)
    return lpb.CareEvent(operation=event.operation, subject=event.subject, by=event.by, **{field_name: message})


def encode(value: LogValue) -> tuple[str, Message]:
    """The LogEntry body field a value fills, and its message."""
    match value:
        case Genesis():
            return "genesis", lpb.LogGenesis(log_id=value.log_id, owner_id=value.owner_id)
        case RegistryEvent():
            event = lpb.RegistryEvent(action=value.action, party_id=value.party_id, detail=value.detail)
            if value.key is not None:
                event.key.CopyFrom(logformat.key_state(value.key))
            return "registry_event", event
        case ReceivedBatch():
            return "received_batch", lpb.ReceivedBatch(
                header=value.header, key_id=value.key_id, signature=value.signature
            )
        case ReceivedItem():
            return "received_item", lpb.ReceivedItem(position=value.position, item=value.item)
        case SentItem():
            return "sent_item", lpb.SentItem(recipient_id=value.recipient_id, item=value.item)
        case Posting():
            return "posting", _posting(value.request)
        case CycleClose():
            return "cycle_close", lpb.CycleClose(
                cycle_id=value.cycle_id,
                opened_at_micros=value.opened_at_micros,
                closed_at_micros=value.closed_at_micros,
                scheduled=value.scheduled,
                committed_count=value.committed_count,
                committed_minutes=value.committed_minutes,
                positions=[_position(p) for p in value.positions],
            )
        case ReportRecord():
            return "report", lpb.ReportRecord(
                cycle_id=value.cycle_id,
                report_sha256=value.report_sha256,
                break_count=value.break_count,
                positions=[_position(p) for p in value.positions],
            )
        case StatementRecord():
            return "statement", lpb.StatementRecord(
                statement=lpb.SignedStatement.FromString(value.signed_statement),
                clearing_balance_minutes=value.clearing_balance_minutes,
            )
        case CareEvent():
            return "care_event", _care_event(value)
    raise TypeError(f"value: a {type(value).__name__} is not a log value")


def encode_all(values: Sequence[LogValue]) -> list[tuple[str, Message]]:
    return [encode(value) for value in values]
