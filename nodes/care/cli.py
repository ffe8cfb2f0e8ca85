"""`timebank care COMMAND ...`: one command for every CareDesk call, built from the wire contract.

Each RPC of proto/timebank/v1/care.proto is a command named in kebab case (RegisterPerson:
`timebank care register-person`), and each field of its request is an option of the same
name (`person_id`: `--person-id`). Ids are 32 hexadecimal digits; a call that creates
something gets a fresh random id when its own id is left out, and prints it. Times
(`*_micros`, as `--window-start` or `--window-start-micros`) take an ISO 8601 time
("2026-12-01T09:30+08:00") or microseconds, and the
text answer shows them in the node's zone, named (its config's, with --config; else the
city's +08:00), leaving out fields that are unset; lists take comma-separated values; yes/no
fields are flags (`--approve`). Every command takes --json and the node options of
`timebank node` (--node, --config, --deadline-seconds).
`issue-certificate --out FILE --html FILE` writes the certificate's files; `import FILE`
reads a file of volunteer records (timebank.volunteer_records) into SubmitImport's rows.

Exit codes as for every node command: 0 done; 1 refused by the node (the message names
the field and the rule); 2 bad usage; 3 the node could not be reached.
"""

from __future__ import annotations

import argparse
import pathlib
import re
from typing import Any

from nodes.care import records as r
from nodes.cli.common import add_target_arguments, client_for, emit, message_json, new_id, parse_id
from nodes.config import load_node_config
from timebank import record_batches, volunteer_records
from timebank.clock import CITY_UTC_OFFSET_HOURS, shown_time
from timebank.command_line import UsageError, columns, padded, parse_time
from timebank.errors import ConfigError
from timebank.ledger.model import format_hours
from timebank.v1 import care_pb2 as pb
from timebank.v1.comments import COMMENTS

__all__ = [
    "build_request",
    "command_name",
    "CHOICES",
    "CREATES",
    "SECTION_WORDS_MAX",
    "HELP",
    "IMPORT_DEADLINE_SECONDS",
    "import_report",
    "import_request",
    "local_time_of",
    "option_name",
    "register",
    "SERVICE",
    "TABLE_COLUMNS_MAX",
    "CELL_WIDTH_MAX",
    "table_of",
    "text_of",
]

SERVICE = pb.DESCRIPTOR.services_by_name["CareDesk"]

HELP = {
    "RegisterPerson": "register a volunteer, elder or proxy (pending until reviewed)",
    "ReviewPerson": "approve (--approve) or reject (--reason) a registration",
    "SetHardship": "record (--hardship) or clear an approved person's hardship, with --reason",
    "GetPerson": "a person, with their balance and age",
    "ListPeople": "people by --state and --role",
    "AddRelationship": "a family relationship or a proxy (pending until verified)",
    "ReviewRelationship": "verify (--approve) or reject a relationship",
    "ListRelationships": "relationships, newest first (--person-id on either side, --state)",
    "ListCatalogue": "the service catalogue (项目库)",
    "AddCatalogueItem": "add an item to the catalogue",
    "AddQualification": "a volunteer's professional qualification (pending until reviewed)",
    "ReviewQualification": "approve or reject a qualification",
    "ListQualifications": "qualifications, newest first (--person-id, --state pending, approved or rejected)",
    "PublishDemand": "an elder's demand for a service (by the elder or a proxy)",
    "GetOrder": "a demand or order",
    "ListOrders": "orders by --state and --person-id",
    "MatchDemand": "volunteers proposed for a demand, ranked",
    "AcceptDemand": "a volunteer takes a demand: it becomes an order",
    "ReleaseOrder": "the volunteer (or --operator) gives an accepted order back: it is open again",
    "CancelOrder": "the elder, a proxy or --operator cancels an open or accepted order",
    "IssueCode": "a signed, short-lived check-in or check-out code for an order",
    "ScanCode": "the volunteer scans a code: checks in, or out",
    "ConfirmOrder": "the elder or proxy confirms: the hours are deposited",
    "RateOrder": "1 to 5 stars from one side of an order",
    "RecordFollowUp": "a follow-up visit (跟踪回访) against an order",
    "OpenDispute": "hold an order's hours until an operator decides",
    "ResolveDispute": "uphold, adjust (--decided-minutes) or reverse a dispute",
    "GetDispute": "a dispute and its steps",
    "ListDisputes": "disputes, newest first (--state open or resolved, --order-id)",
    "ListMovements": "a person's statement at this node, newest first (--person-id)",
    "GiveHours": "hours to a verified family member (here or --to-node-id)",
    "Donate": "hours to the donation pool",
    "GrantFromPool": "hours from the donation pool to an elder without savings",
    "AddMallItem": "put an item in the points mall, or add stock",
    "ListMallItems": "the points mall's items and stock",
    "RedeemMallItem": "reserve a mall item and hold its hours",
    "ListRedemptions": "mall redemptions, newest first (--state reserved, picked-up or cancelled; --person-id)",
    "SettleRedemption": "a redemption picked up, or --cancel it",
    "CreateTeam": "a department or district team",
    "JoinTeam": "a volunteer joins a team",
    "ListTeams": "teams and their sizes",
    "GetStatistics": "hours by node, team, category and month; liability; alerts",
    "ListAlerts": "supervision alerts with their evidence",
    "AcknowledgeAlert": "acknowledge an alert with a note",
    "IssueCertificate": "a signed certificate of a volunteer's hours (--out, --html)",
    "GetPolicy": "the city's policy rules as this node enforces them",
    "SubmitImport": "hours recorded on another platform (use `timebank care import FILE`)",
    "ReviewImport": "approve (--approve) or reject (--note) a pending import, as another reviewer",
    "GetImport": "an import batch and what the node found of each row",
    "ListImports": "import batches, newest first (--state pending, approved or rejected)",
}
CREATES = ("Register", "Add", "Publish", "Open", "Give", "Donate", "Grant", "Redeem", "IssueCertificate")


def command_name(method_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", method_name).lower()


def option_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


def _fresh_id_field(method: Any) -> str:
    """The request field that names what the call creates, if it creates something."""
    first = method.input_type.fields[0] if method.input_type.fields else None
    if first is not None and first.type == first.TYPE_BYTES and method.name.startswith(CREATES):
        return str(first.name)
    return ""


def _request_fields(method: Any) -> list[tuple[str, Any]]:
    """(path, field) of the request's scalar fields; a nested message's fields are flattened."""
    fields = []
    for field in method.input_type.fields:
        if field.message_type is not None:
            fields += [(f"{field.name}.{inner.name}", inner) for inner in field.message_type.fields]
        else:
            fields.append((field.name, field))
    return fields


SECTION_WORDS_MAX = 4

# Fields whose values are a closed set, by name (the node refuses any other, naming them too).
CHOICES: dict[str, tuple[str, ...]] = {
    "role": tuple(r.Role),
    "purpose": tuple(r.CodePurpose),
    "decision": tuple(r.Decision),
    "paid_by": tuple(r.Payer),
}


def _add_option(parser: argparse.ArgumentParser, path: str, field: Any, fresh: bool, message: str) -> None:
    """An option for a request field: named for what it takes (`--window-start` takes a time;
    `--window-start-micros` is kept as another name for it), its help the contract's own
    comment on the field, its allowed values listed."""
    field_name = path.rsplit(".", 1)[-1]
    names = [option_name(field_name)]
    if field_name.endswith("_micros"):
        names.insert(0, option_name(field_name.removesuffix("_micros")))
    destination = path.replace(".", "__")
    owner = field.containing_type.full_name if field.containing_type is not None else f"timebank.v1.{message}"
    said = COMMENTS.get(f"{owner}.{field.name}", "")
    if field.type == field.TYPE_BOOL:
        parser.add_argument(*names, dest=destination, action="store_true", help=said or None)
        return
    if field.type == field.TYPE_BYTES:
        text = "32 hex digits" + ("; default: a new random id" if fresh else "")
        metavar = "ID"
    elif field_name.endswith("_micros"):
        text = "an ISO 8601 time, e.g. 2026-12-01T09:30+08:00 (or microseconds since the epoch)"
        metavar = "TIME"
    elif field.is_repeated:
        text = "comma-separated"
        metavar = field_name.upper()
    else:
        text = ""
        metavar = field_name.upper()
    choices = CHOICES.get(field_name)
    if choices:
        text = "; ".join(part for part in (text, f"one of: {', '.join(choices)}") if part)
    parser.add_argument(
        *names, dest=destination, metavar=metavar, help="; ".join(part for part in (said, text) if part) or None
    )


def _value(path: str, field: Any, text: str) -> Any:
    name = path.rsplit(".", 1)[-1]
    if field.type == field.TYPE_BYTES:
        return parse_id(text, name, system_names=False)
    if field.is_repeated:
        return [part.strip() for part in text.split(",") if part.strip()]
    if field.type in (field.TYPE_INT32, field.TYPE_INT64):
        if name.endswith("_micros"):
            return parse_time(name, text, offset_required=True)
        try:
            return int(text)
        except ValueError:
            raise UsageError(f"{name}: got {text!r}, want a whole number") from None
    return text


def build_request(method: Any, arguments: argparse.Namespace) -> tuple[Any, bytes]:
    """The request message from the command's options, and the fresh id it was given (if any)."""
    request_class = getattr(pb, method.input_type.name)
    request = request_class()
    fresh = b""
    for path, field in _request_fields(method):
        given = getattr(arguments, path.replace(".", "__"))
        if given in (None, False):
            if path == _fresh_id_field(method):
                fresh = new_id()
                setattr(request, path, fresh)
            continue
        target = request
        *parents, name = path.split(".")
        for parent in parents:
            target = getattr(target, parent)
        value = given if field.type == field.TYPE_BOOL else _value(path, field, given)
        if field.is_repeated:
            getattr(target, name).extend(value)
        else:
            setattr(target, name, value)
    return request, fresh


def text_of(message: Any, indent: str = "", utc_offset_hours: int = CITY_UTC_OFFSET_HOURS) -> str:
    """A message for people: one field a line, unset ones left out, ids in hex, minutes also in
    hours, times in the node's zone with the zone named (as an order's steps show them)."""
    lines = []
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.is_repeated:
            if not value:
                continue
            if field.message_type is not None:
                lines.append(f"{indent}{field.name}: {len(value)}")
                lines += [text_of(item, indent + "  ", utc_offset_hours) + "\n" for item in value]
            elif field.name == "steps":  # sentences, which may hold commas: one a line
                lines.append(f"{indent}{field.name}: {len(value)}")
                lines += [f"{indent}  {step}" for step in value]
            else:
                lines.append(f"{indent}{field.name}: {', '.join(map(str, value))}")
            continue
        if field.message_type is not None:
            if message.HasField(field.name):
                lines += [f"{indent}{field.name}:", text_of(value, indent + "  ", utc_offset_hours)]
        elif _unset(field, value):
            continue  # left out (--json shows every field)
        elif field.name == "certificate_file" or field.name == "html":
            lines.append(f"{indent}{field.name}: {len(value)} bytes")
        elif isinstance(value, bytes):
            lines.append(f"{indent}{field.name}: {value.hex()}")
        elif field.name.endswith("_minutes") and isinstance(value, int):
            lines.append(f"{indent}{field.name}: {value} ({format_hours(value)} h)")
        elif field.name.endswith("_micros") and isinstance(value, int):
            lines.append(f"{indent}{field.name}: {local_time_of(value, utc_offset_hours)}")
        else:
            lines.append(f"{indent}{field.name}: {value}")
    return "\n".join(lines).rstrip("\n")


TABLE_COLUMNS_MAX = 6
CELL_WIDTH_MAX = 32


def table_of(items: Any, utc_offset_hours: int = CITY_UTC_OFFSET_HOURS) -> str:
    """A list for people: a row an item, the columns its items set (the first few), cells as
    text_of shows them, aligned as a terminal shows CJK text."""
    if not items:
        return "none"
    fields = [
        field
        for field in items[0].DESCRIPTOR.fields
        if not field.is_repeated and field.message_type is None and any(_cell(item, field, 0) for item in items)
    ][:TABLE_COLUMNS_MAX]
    rows = [[field.name for field in fields]]
    rows += [[_cell(item, field, utc_offset_hours) for field in fields] for item in items]
    widths = [max(columns(row[index]) for row in rows) for index in range(len(fields))]
    return "\n".join(
        "  ".join(padded(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def _cell(item: Any, field: Any, utc_offset_hours: int) -> str:
    value = getattr(item, field.name)
    if _unset(field, value):
        return ""
    if isinstance(value, bytes):
        text = value.hex()
    elif field.name.endswith("_micros") and isinstance(value, int):
        text = local_time_of(value, utc_offset_hours)
    elif field.name.endswith("_minutes") and isinstance(value, int):
        text = f"{format_hours(value)} h"
    else:
        text = str(value)
    return text if len(text) <= CELL_WIDTH_MAX else text[: CELL_WIDTH_MAX - 1] + "…"


def _unset(field: Any, value: Any) -> bool:
    """Whether a field says nothing: empty text or bytes, a false flag, a time of 0 (never a
    number: a balance of 0 minutes is a figure)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, str | bytes):
        return not value
    return bool(field.name.endswith("_micros") and value == 0)


def local_time_of(micros: int, utc_offset_hours: int = CITY_UTC_OFFSET_HOURS) -> str:
    """A time for people: ISO 8601 in the node's zone, to the second, the zone named."""
    return shown_time(micros, utc_offset_hours)


def _zone_of(arguments: argparse.Namespace) -> int:
    """The node's zone: its config's [care] utc_offset_hours, else the city's."""
    if getattr(arguments, "config", None):
        return load_node_config(arguments.config).care.utc_offset_hours
    return CITY_UTC_OFFSET_HOURS


def _run(method: Any, arguments: argparse.Namespace) -> int:
    request, fresh = build_request(method, arguments)
    with client_for(arguments) as client:
        response = client.call(getattr(client.care, method.name), request)
    if method.name == "IssueCertificate":
        _write_certificate(response, arguments)
    document = message_json(response)
    listed = [f for f in response.DESCRIPTOR.fields if f.is_repeated and f.message_type is not None]
    zone = _zone_of(arguments)
    if method.name.startswith("List") and len(listed) == 1:
        text = table_of(getattr(response, listed[0].name), zone)  # every field: --json, or the Get command
    else:
        text = text_of(response, utc_offset_hours=zone)
    if fresh:
        document = {"created_id": fresh.hex(), **document}
        text = f"created id: {fresh.hex()}\n{text}"
    emit(arguments, document, text)
    return 0


def _write_certificate(response: pb.Certificate, arguments: argparse.Namespace) -> None:
    if arguments.out:
        pathlib.Path(arguments.out).write_bytes(response.certificate_file)
    if arguments.html:
        pathlib.Path(arguments.html).write_text(response.html, encoding="utf-8")


IMPORT_DEADLINE_SECONDS = 120.0  # checking 10,000 rows takes longer than one ordinary call


def import_request(arguments: argparse.Namespace) -> pb.SubmitImportRequest:
    """The file (and its mapping) read into the request; UsageError naming what is unreadable."""
    path = pathlib.Path(arguments.file)
    try:
        mapping = volunteer_records.load_mapping(arguments.mapping) if arguments.mapping else None
        return record_batches.submit_request(
            path.read_bytes(),
            path.name,
            mapping,
            batch_id=parse_id(arguments.batch_id, "batch_id") if arguments.batch_id else new_id(),
            dry_run=arguments.dry_run,
            operator=arguments.operator or "",
        )
    except OSError as error:
        raise UsageError(f"file: cannot read {path}: {error.strerror}") from None
    except ConfigError as error:
        raise UsageError(str(error)) from None


def import_report(batch: pb.ImportBatch) -> str:
    """The report of a batch: its figures, then every refused row with its reason."""
    refused = [outcome for outcome in batch.outcomes if not outcome.accepted]
    lines = [
        f"batch {batch.batch_id.hex()} ({batch.state}): {batch.row_count} rows, {batch.accepted_count} accepted "
        f"({format_hours(batch.accepted_minutes)} h), {len(refused)} refused",
    ]
    if batch.state == "approved":
        lines.append(f"deposited now: {batch.applied_count} rows, {format_hours(batch.applied_minutes)} h")
    lines += [f"  row {o.row_number}: {o.platform} {o.source_record_id} {o.name}: {o.reason}" for o in refused]
    if batch.state == "pending":
        lines.append(
            f"nothing is deposited until another reviewer approves: timebank care review-import "
            f"--batch-id {batch.batch_id.hex()} --approve"
        )
    return "\n".join(lines)


def _run_import(arguments: argparse.Namespace) -> int:
    if arguments.template:
        print(volunteer_records.template_csv()[1:], end="")
        return 0
    if not arguments.file:
        raise UsageError("file: give the file to import (CSV or XLSX), or --template to print the template")
    request = import_request(arguments)
    arguments.deadline_seconds = max(arguments.deadline_seconds, IMPORT_DEADLINE_SECONDS)
    with client_for(arguments) as client:
        batch = client.call(client.care.SubmitImport, request)
    emit(arguments, message_json(batch), import_report(batch))
    return 0


def _register_import(care: Any) -> None:
    parser = care.add_parser(
        "import",
        help="hours recorded on 志愿中山, i志愿 or 全国志愿服务信息系统, from a file in the template",
        description="Every row is checked by the node; nothing is deposited until another reviewer approves.",
    )
    parser.add_argument("file", nargs="?", help="the CSV (UTF-8 or GB18030) or XLSX file")
    parser.add_argument("--mapping", type=pathlib.Path, help="a TOML file mapping another layout's columns")
    parser.add_argument("--dry-run", action="store_true", help="check every row and report; keep nothing")
    parser.add_argument("--template", action="store_true", help="print the template (header and an example row)")
    parser.add_argument("--batch-id", help="32 hex digits; default: a new random id (give it again to retry)")
    parser.add_argument("--operator", help="who submits (set from the session when the console submits)")
    add_target_arguments(parser)
    parser.set_defaults(handler=_run_import)


def register(subparsers: Any) -> None:
    care = subparsers.add_parser(
        "care", help="the time-bank services of a node: people, orders, hours, mall, statistics, certificates"
    ).add_subparsers(dest="care_command", required=True, metavar="COMMAND")
    _register_import(care)
    for method in SERVICE.methods:
        if method.name == "SubmitImport":
            continue  # `timebank care import FILE` reads the file into its rows
        said = COMMENTS.get(f"timebank.v1.CareDesk.{method.name}", "")
        said = said if len(said.split()) > SECTION_WORDS_MAX else ""  # "// People." heads a group of calls
        description = HELP[method.name] + (f". {said}" if said else "")
        parser = care.add_parser(command_name(method.name), help=HELP[method.name], description=description)
        fresh = _fresh_id_field(method)
        for path, field in _request_fields(method):
            _add_option(parser, path, field, path == fresh, method.input_type.name)
        if method.name == "IssueCertificate":
            parser.add_argument("--out", help="write the signed certificate file (JSON) here")
            parser.add_argument("--html", help="write the printable page here")
        add_target_arguments(parser)
        parser.set_defaults(handler=lambda arguments, method=method: _run(method, arguments))
