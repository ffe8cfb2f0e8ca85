"""The time-bank services' changes in the log: each record the desk writes is a typed
CareDesk message in its CareEvent with every stored field, and the auditor's verifier
accepts that form and the earlier JSON form, but not both at once nor neither."""

from __future__ import annotations

import dataclasses
import inspect
import io
import json

import pytest

from nodes.care import records
from nodes.care.desk.context import UNLOGGED_FIELDS, care_event
from nodes.care.store.rows import is_id
from tests.support.audit import SEEDS, START_MICROS, LogWriter, key_record, private_key
from timebank import logentries, logformat
from timebank.audit import verify
from timebank.audit.findings import MALFORMED
from timebank.v1 import log_pb2 as lpb

# Records a reader computes and no operation writes: they are never logged.
READ_ONLY = {"Statistics", "StatisticsRow", "MonthOutstanding"}
# Kept with their batch, whose leaf holds the figures; each deposit is a Posting naming its record.
PART_OF_A_BATCH = {"ImportRowOutcome"}
LOGGED = sorted(
    name
    for name, value in inspect.getmembers(records, inspect.isclass)
    if dataclasses.is_dataclass(value)
    and value.__module__ == records.__name__
    and name not in READ_ONLY | PART_OF_A_BATCH
)


def _example(record_class: type) -> object:
    """A record with a value in every field: ids 0x1234...0001, other numbers 7, text its field's name."""
    values = {}
    for field in dataclasses.fields(record_class):
        annotation = str(field.type)
        if annotation == "int":
            values[field.name] = 0x1234_0000_0000_0000_0000_0000_0000_0001 if is_id(field.name) else 7
        elif annotation == "bool":
            values[field.name] = True
        elif annotation.startswith("tuple"):
            values[field.name] = ("first", "second")
        else:
            values[field.name] = field.name
    return record_class(**values)


@pytest.mark.parametrize("name", LOGGED)
def test_every_record_the_desk_writes_is_logged_whole(name: str) -> None:
    record = _example(getattr(records, name))
    field_name, message = logentries.encode(care_event("Example", record))
    assert field_name == "care_event"
    assert isinstance(message, lpb.CareEvent) and message.WhichOneof("record") is not None
    logged = getattr(message, message.WhichOneof("record"))
    kept = {f.name for f in dataclasses.fields(record)} - UNLOGGED_FIELDS
    unset = sorted(name for name in kept if name not in {f.name for f in logged.DESCRIPTOR.fields})
    assert unset == [], f"{name}: fields the log would lose: add them to care.proto"
    assert not message.record_json


def test_the_identity_hash_and_read_figures_are_not_logged() -> None:
    person = _example(records.Person)
    _, message = logentries.encode(care_event("ReviewPerson", person))
    logged = message.person  # type: ignore[attr-defined]
    assert (logged.balance_minutes, logged.available_minutes, logged.age_years, logged.home_check) == (0, 0, 0, "")
    assert "identity_hash" not in {f.name for f in logged.DESCRIPTOR.fields}
    assert message.subject == f"{0x1234_0000_0000_0000_0000_0000_0000_0001:032x}"  # type: ignore[attr-defined]


def _verified(events: list[lpb.CareEvent]) -> list[tuple[str, int | None]]:
    writer = LogWriter("node-a", private_key(SEEDS["node-a"]), checkpoint_every=1_000)
    writer.log_key("key-known", key_record("node-a", SEEDS["node-a"], START_MICROS))
    for event in events:
        writer.tick()
        writer.append(care_event=event)
    export = writer.export({})
    streams = []
    for records_ in (export.entries, export.checkpoints):
        stream = io.BytesIO()
        for data in records_:
            logformat.write_record(stream, data)
        streams.append(io.BytesIO(stream.getvalue()))
    result = verify.verify_streams(*streams)
    return [(finding.kind, finding.index) for finding in result.findings]


def test_the_verifier_accepts_typed_and_earlier_json_records_but_not_both_nor_neither() -> None:
    typed = lpb.CareEvent(operation="RateOrder", subject="ab" * 16)
    typed.rating.stars = 5
    earlier = lpb.CareEvent(operation="RateOrder", subject="ab" * 16, record_json=json.dumps({"stars": 5}))
    both = lpb.CareEvent()
    both.CopyFrom(typed)
    both.record_json = earlier.record_json
    neither = lpb.CareEvent(operation="RateOrder", subject="ab" * 16)
    unnamed = lpb.CareEvent(subject="ab" * 16)
    unnamed.rating.stars = 5
    found = _verified([typed, earlier, both, neither, unnamed])
    assert [(kind, index) for kind, index in found if kind == MALFORMED] == [
        (MALFORMED, 4),
        (MALFORMED, 5),
        (MALFORMED, 6),
    ]
