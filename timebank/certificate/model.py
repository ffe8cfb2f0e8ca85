"""The certificate's format: its values, the fields and limits of version 1, and the bytes signed.

Owns CertificateLine, CertificateBody and Verified (the outcome of a check), every constant
of format version 1 (field names, sizes, patterns), the body as the JSON object that is
signed (body_document) and its canonical bytes (sorted keys, no spaces, UTF-8), the file's
own layout, and how a value from a file or an instant is shown in a finding or on the page.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ALGORITHM",
    "body_document",
    "BODY_FIELDS",
    "BODY_INTEGER_FIELDS",
    "BODY_TEXT_FIELDS",
    "canonical_bytes",
    "CERTIFICATE_PURPOSE",
    "CertificateBody",
    "CertificateLine",
    "DATE_PATTERN",
    "described_instant",
    "display_instant",
    "EPOCH",
    "FIELD_NAME_PATTERN",
    "file_bytes",
    "FILE_BYTES_MAX",
    "FILE_FIELDS",
    "FORBIDDEN_CATEGORIES",
    "FORMAT_VERSION",
    "ID_PATTERN",
    "ISSUED_AT_MICROS_MAX",
    "ITEM_CODE_LENGTH_MAX",
    "ITEM_CODE_PATTERN",
    "KEY_ID_PATTERN",
    "LINE_FIELDS",
    "LINE_INTEGER_FIELDS",
    "LINE_MINUTES_MAX",
    "LINE_TEXT_FIELDS",
    "LINES_MAX",
    "NO_KEY_RING_NOTE",
    "NODE_ID_PATTERN",
    "shown",
    "SIGNATURE_FIELDS",
    "TEXT_LENGTH_MAX",
    "Verified",
]

CERTIFICATE_PURPOSE = "certificate"
FORMAT_VERSION = 1
ALGORITHM = "ed25519"

FILE_BYTES_MAX = 4 * 1024 * 1024
LINES_MAX = 10_000
LINE_MINUTES_MAX = 1_000_000_000
TEXT_LENGTH_MAX = 200
ITEM_CODE_LENGTH_MAX = 32
# 9999-12-31T23:59:59.999999Z: the last instant a date can show.
ISSUED_AT_MICROS_MAX = 253_402_300_799_999_999

ID_PATTERN = re.compile(r"[0-9a-f]{32}")
KEY_ID_PATTERN = re.compile(r"[0-9a-f]{16}")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
NODE_ID_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
ITEM_CODE_PATTERN = re.compile(rf"[a-z0-9-]{{1,{ITEM_CODE_LENGTH_MAX}}}")
FIELD_NAME_PATTERN = re.compile(r"[a-z0-9_]{1,40}")
# Unicode categories no name may hold: controls, format characters (such as bidirectional
# overrides that make text read differently than it is stored), line and paragraph separators.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

NO_KEY_RING_NOTE = "keys: no trusted key list given; the signature was checked against the key inside the file only"

LINE_TEXT_FIELDS = ("order_id", "served_on", "item_code", "item_name_zh", "item_name_en", "transfer_id")
LINE_INTEGER_FIELDS = ("minutes",)
BODY_TEXT_FIELDS = (
    "certificate_id",
    "node_id",
    "node_name",
    "person_id",
    "person_name",
    "identity_masked",
    "period_from",
    "period_to",
)
BODY_INTEGER_FIELDS = ("format_version", "issued_at_micros", "total_minutes")
BODY_FIELDS = (*BODY_TEXT_FIELDS, *BODY_INTEGER_FIELDS, "lines")
LINE_FIELDS = (*LINE_TEXT_FIELDS, *LINE_INTEGER_FIELDS)
SIGNATURE_FIELDS = ("algorithm", "key_id", "public_key", "value")
FILE_FIELDS = ("body", "signature")

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class CertificateLine:
    """One service order: the day it was served, the catalogue item, and the minutes deposited for it."""

    order_id: str
    served_on: str
    item_code: str
    item_name_zh: str
    item_name_en: str
    minutes: int
    transfer_id: str


@dataclass(frozen=True)
class CertificateBody:
    """What the certificate says, as signed. Dates are the node's local dates, the period inclusive."""

    certificate_id: str
    node_id: str
    node_name: str
    person_id: str
    person_name: str
    identity_masked: str
    period_from: str
    period_to: str
    issued_at_micros: int
    lines: tuple[CertificateLine, ...]

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)


@dataclass(frozen=True)
class Verified:
    """The outcome of verify: the body when the file holds one, and every problem found.

    findings empty means valid. notes say what was not checked, and never make a file invalid.
    """

    body: CertificateBody | None
    key_id: str
    findings: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.findings


def body_document(body: CertificateBody) -> dict[str, Any]:
    """The body as the JSON object that is signed: every field, the format version and the total."""
    return {
        "format_version": FORMAT_VERSION,
        "certificate_id": body.certificate_id,
        "node_id": body.node_id,
        "node_name": body.node_name,
        "person_id": body.person_id,
        "person_name": body.person_name,
        "identity_masked": body.identity_masked,
        "period_from": body.period_from,
        "period_to": body.period_to,
        "issued_at_micros": body.issued_at_micros,
        "lines": [_line_document(line) for line in body.lines],
        "total_minutes": body.total_minutes,
    }


def _line_document(line: CertificateLine) -> dict[str, Any]:
    return {
        "order_id": line.order_id,
        "served_on": line.served_on,
        "item_code": line.item_code,
        "item_name_zh": line.item_name_zh,
        "item_name_en": line.item_name_en,
        "minutes": line.minutes,
        "transfer_id": line.transfer_id,
    }


def canonical_bytes(document: dict[str, Any]) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def file_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def shown(value: object) -> str:
    """A value from the file, short and safe to print."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "a number of more than 30 digits"
    if isinstance(value, str):
        short = value if len(value) <= 40 else value[:39] + "…"
        return ascii(short) if any(unicodedata.category(c) in FORBIDDEN_CATEGORIES for c in short) else repr(short)
    return {dict: "a JSON object", list: "a JSON array", float: "a fractional number"}.get(type(value), "a value")


def described_instant(micros: int) -> str:
    """A time in a finding: the microseconds and, when a date can show it, the UTC time."""
    if not 0 <= micros <= ISSUED_AT_MICROS_MAX:
        return str(micros)
    return f"{micros} ({display_instant(micros)})"


def display_instant(micros: int) -> str:
    moment = EPOCH + datetime.timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
