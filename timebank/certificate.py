"""Certificates of a volunteer's service hours (志愿服务时长证明): the signed file, its page, its offline check.

Owns the certificate's format, the rules its body follows, signing it, rendering it as a
printable HTML page, and verifying a file with neither a network nor a database. The file
(format version 1) is UTF-8 JSON: {"body": {...}, "signature": {...}}. The body names the
issuing node, the person, the period, one line per service order with its minutes and
the ledger transfer that deposited them, and the total. The signature is Ed25519 with the
purpose "certificate" (timebank.signing) over the body's canonical JSON: sorted keys, no
spaces, UTF-8. Verification never raises on a bad file: it returns every problem it finds
as one sentence naming the field and the rule. Times are arguments; no clock is read.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import html
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from timebank import keys, signing
from timebank.errors import VerificationError
from timebank.ledger.model import format_hours
from timebank.signing import KeyRing

__all__ = [
    "ALGORITHM",
    "BODY_FIELDS",
    "BODY_INTEGER_FIELDS",
    "BODY_TEXT_FIELDS",
    "CERTIFICATE_PURPOSE",
    "CertificateBody",
    "CertificateLine",
    "DATE_PATTERN",
    "FIELD_NAME_PATTERN",
    "FILE_BYTES_MAX",
    "FILE_FIELDS",
    "FORBIDDEN_CATEGORIES",
    "FORMAT_VERSION",
    "ID_PATTERN",
    "ISSUED_AT_MICROS_MAX",
    "ITEM_CODE_LENGTH_MAX",
    "ITEM_CODE_PATTERN",
    "KEY_ID_PATTERN",
    "LINES_MAX",
    "LINE_FIELDS",
    "LINE_INTEGER_FIELDS",
    "LINE_MINUTES_MAX",
    "LINE_TEXT_FIELDS",
    "NODE_ID_PATTERN",
    "NO_KEY_RING_NOTE",
    "SIGNATURE_FIELDS",
    "TEXT_LENGTH_MAX",
    "Verified",
    "body_document",
    "body_problems",
    "canonical_bytes",
    "issue",
    "render_html",
    "verify",
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

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


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


@dataclass(frozen=True)
class _Signature:
    key_id: str
    public_key: bytes
    value: bytes


# ---------------------------------------------------------------------------------------
# Issuing


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


def issue(body: CertificateBody, signing_key: Ed25519PrivateKey) -> bytes:
    """The certificate file, signed by signing_key; ValueError naming every rule the body breaks.

    UTF-8 JSON: {"body": body_document(body), "signature": {"algorithm": "ed25519", "key_id",
    "public_key" (base64 of the raw key), "value" (base64)}}. The signature covers
    canonical_bytes of the body. The file is verified before it is returned.
    """
    document = body_document(body)
    public_key = signing_key.public_key()
    signature = signing.sign(signing_key, CERTIFICATE_PURPOSE, canonical_bytes(document))
    certificate_file = _file_bytes(
        {
            "body": document,
            "signature": {
                "algorithm": ALGORITHM,
                "key_id": keys.key_id(public_key),
                "public_key": base64.b64encode(keys.public_bytes(public_key)).decode(),
                "value": base64.b64encode(signature).decode(),
            },
        }
    )
    checked = verify(certificate_file, None)
    if not checked.valid:
        raise ValueError("certificate: " + "; ".join(checked.findings))
    return certificate_file


def _file_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


# ---------------------------------------------------------------------------------------
# Verifying


def verify(certificate_file: bytes, key_ring: KeyRing | None, at_micros: int | None = None) -> Verified:
    """Every problem of the file, each a finding; never raises on a bad file.

    With a key ring, the signing key must be the node's key, valid at at_micros (by default
    the certificate's issued_at_micros). Without one, the key inside the file is used, and a
    note says so.
    """
    findings: list[str] = []
    document = _read_document(certificate_file, findings)
    if document is None:
        return Verified(None, "", tuple(findings))
    body_fields = _object(document["body"], "body", BODY_FIELDS, findings)
    body = _read_body(body_fields, findings) if body_fields is not None else None
    signature = _read_signature(document["signature"], findings)
    notes: list[str] = []
    if body is not None and body_fields is not None:
        findings += body_problems(body)
        findings += _stated_problems(body_fields, body)
    if body is not None and body_fields is not None and signature is not None:
        at = body.issued_at_micros if at_micros is None else at_micros
        public_key = _signing_key(signature, body.node_id, key_ring, at, findings, notes)
        if public_key is not None:
            _check_signature(public_key, body_fields, signature, body.node_id, findings)
    key_id = signature.key_id if signature is not None else ""
    return Verified(body, key_id, tuple(findings), tuple(notes))


def _read_document(certificate_file: bytes, findings: list[str]) -> dict[str, Any] | None:
    if len(certificate_file) > FILE_BYTES_MAX:
        findings.append(f"certificate file: {len(certificate_file)} bytes, want at most {FILE_BYTES_MAX}")
        return None
    try:
        text = certificate_file.decode("utf-8")
    except UnicodeDecodeError as error:
        findings.append(f"certificate file: not UTF-8 text (byte {error.start})")
        return None
    try:
        document = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except ValueError as error:
        findings.append(f"certificate file: not JSON: {error}")
        return None
    except RecursionError:
        findings.append("certificate file: not JSON: nested too deeply")
        return None
    return _object(document, "", FILE_FIELDS, findings)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"the key {_shown(key)} appears twice in one object")
        document[key] = value
    return document


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _object(value: object, path: str, expected: tuple[str, ...], findings: list[str]) -> dict[str, Any] | None:
    """value if it is a JSON object holding the expected keys, else None; a finding for each key missing or unknown.

    path is where the object is ("body.lines[2]"), or empty for the whole file.
    """
    if not isinstance(value, dict):
        findings.append(f"{path or 'certificate file'}: got {_shown(value)}, want a JSON object")
        return None
    prefix = f"{path}." if path else ""
    missing = [name for name in expected if name not in value]
    unknown = sorted(name for name in value if name not in expected)
    for name in missing:
        findings.append(f"{prefix}{name}: missing")
    for name in unknown:
        shown = name if FIELD_NAME_PATTERN.fullmatch(name) else _shown(name)
        findings.append(f"{prefix}{shown}: unknown field (format version {FORMAT_VERSION} has no such field)")
    return value if not missing else None


def _read_body(fields: dict[str, Any], findings: list[str]) -> CertificateBody | None:
    """The body when every field has the right type; the rules are checked afterwards."""
    count = len(findings)
    for name in BODY_INTEGER_FIELDS:
        _integer(fields[name], f"body.{name}", findings)
    texts = {name: _text(fields[name], f"body.{name}", findings) for name in BODY_TEXT_FIELDS}
    typed = len(findings) == count
    lines = _read_lines(fields["lines"], findings)
    if not typed or lines is None:
        return None
    return CertificateBody(
        **texts,
        issued_at_micros=fields["issued_at_micros"],
        lines=lines,
    )


def _read_lines(value: object, findings: list[str]) -> tuple[CertificateLine, ...] | None:
    if not isinstance(value, list):
        findings.append(f"body.lines: got {_shown(value)}, want a JSON array")
        return None
    if len(value) > LINES_MAX:
        findings.append(f"body.lines: {len(value)} lines, want at most {LINES_MAX}")
        return None
    lines = [_read_line(item, f"body.lines[{number}]", findings) for number, item in enumerate(value)]
    if any(line is None for line in lines):
        return None
    return tuple(line for line in lines if line is not None)


def _read_line(value: object, path: str, findings: list[str]) -> CertificateLine | None:
    fields = _object(value, path, LINE_FIELDS, findings)
    if fields is None:
        return None
    count = len(findings)
    texts = {name: _text(fields[name], f"{path}.{name}", findings) for name in LINE_TEXT_FIELDS}
    minutes = _integer(fields["minutes"], f"{path}.minutes", findings)
    if len(findings) > count:
        return None
    return CertificateLine(**texts, minutes=minutes)


def _integer(value: object, path: str, findings: list[str]) -> int:
    if type(value) is not int:
        findings.append(f"{path}: got {_shown(value)}, want an integer")
        return 0
    return value


def _text(value: object, path: str, findings: list[str]) -> str:
    if not isinstance(value, str):
        findings.append(f"{path}: got {_shown(value)}, want a string")
        return ""
    if any(unicodedata.category(character) == "Cs" for character in value):
        findings.append(f"{path}: holds a lone surrogate, want Unicode text")
        return ""
    return value


def _stated_problems(fields: dict[str, Any], body: CertificateBody) -> list[str]:
    """What the file states beside the lines: its format version and its total."""
    problems = []
    if fields["format_version"] != FORMAT_VERSION:
        problems.append(
            f"body.format_version: got {fields['format_version']}, want {FORMAT_VERSION} "
            "(the only version this program reads)"
        )
    if fields["total_minutes"] != body.total_minutes:
        problems.append(f"body.total_minutes: got {fields['total_minutes']}, the lines add up to {body.total_minutes}")
    return problems


def _read_signature(value: object, findings: list[str]) -> _Signature | None:
    fields = _object(value, "signature", SIGNATURE_FIELDS, findings)
    if fields is None:
        return None
    count = len(findings)
    if fields["algorithm"] != ALGORITHM:
        findings.append(f"signature.algorithm: got {_shown(fields['algorithm'])}, want {ALGORITHM!r}")
    key_id = fields["key_id"]
    if not isinstance(key_id, str) or KEY_ID_PATTERN.fullmatch(key_id) is None:
        findings.append(f"signature.key_id: got {_shown(key_id)}, want 16 lowercase hexadecimal digits")
    public_key = _base64(fields["public_key"], "signature.public_key", signing.PUBLIC_KEY_SIZE_BYTES, findings)
    signature = _base64(fields["value"], "signature.value", signing.SIGNATURE_SIZE_BYTES, findings)
    if len(findings) > count:
        return None
    embedded_key_id = keys.key_id_of_raw(public_key)
    if embedded_key_id != key_id:
        findings.append(f"signature.key_id: got {key_id}, but the public key in the file has the id {embedded_key_id}")
        return None
    return _Signature(key_id, public_key, signature)


def _base64(value: object, path: str, size_bytes: int, findings: list[str]) -> bytes:
    if not isinstance(value, str):
        findings.append(f"{path}: got {_shown(value)}, want a base64 string")
        return b""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        findings.append(f"{path}: not base64")
        return b""
    if base64.b64encode(raw).decode() != value:
        findings.append(f"{path}: not canonical base64 (standard alphabet, padded, no spare bits set)")
        return b""
    if len(raw) != size_bytes:
        findings.append(f"{path}: got {len(raw)} bytes, want {size_bytes}")
        return b""
    return raw


def _signing_key(
    signature: _Signature,
    node_id: str,
    key_ring: KeyRing | None,
    at_micros: int,
    findings: list[str],
    notes: list[str],
) -> Ed25519PublicKey | None:
    """The key to check the signature with: the node's trusted key, or without a ring the file's own."""
    if key_ring is None:
        notes.append(NO_KEY_RING_NOTE)
        return Ed25519PublicKey.from_public_bytes(signature.public_key)
    try:
        trusted = key_ring.key_for(signature.key_id, node_id, at_micros)
    except VerificationError as error:
        findings.append(
            f"signature.key_id: key {signature.key_id} is not a trusted key of node {node_id} "
            f"at {_described_instant(at_micros)}: {error}"
        )
        return None
    if keys.public_bytes(trusted) != signature.public_key:
        findings.append(f"signature.public_key: differs from the trusted key {signature.key_id} of node {node_id}")
        return None
    return trusted


def _check_signature(
    public_key: Ed25519PublicKey,
    body_fields: dict[str, Any],
    signature: _Signature,
    node_id: str,
    findings: list[str],
) -> None:
    try:
        signing.verify(public_key, CERTIFICATE_PURPOSE, canonical_bytes(body_fields), signature.value)
    except VerificationError:
        findings.append(f"signature.value: does not verify with key {signature.key_id} of node {node_id}")


# ---------------------------------------------------------------------------------------
# The rules of a body


def body_problems(body: CertificateBody) -> list[str]:
    """Every rule the body breaks, one sentence each naming the field; empty when it follows them all."""
    problems = []
    for name in ("certificate_id", "person_id"):
        problems += _id_problems(getattr(body, name), f"body.{name}")
    if NODE_ID_PATTERN.fullmatch(body.node_id) is None:
        problems.append(
            f"body.node_id: got {_shown(body.node_id)}, want lowercase letters, digits and dashes "
            "(1 to 63, not starting or ending with a dash)"
        )
    for name in ("node_name", "person_name", "identity_masked"):
        problems += _name_problems(getattr(body, name), f"body.{name}")
    if "*" not in body.identity_masked:
        problems.append("body.identity_masked: shows no '*', want the identity number masked")
    problems += _period_problems(body)
    if not 0 <= body.issued_at_micros <= ISSUED_AT_MICROS_MAX:
        problems.append(
            f"body.issued_at_micros: got {body.issued_at_micros}, want 0 to {ISSUED_AT_MICROS_MAX} "
            "(the years 1970 to 9999)"
        )
    problems += _lines_problems(body)
    return problems


def _id_problems(value: str, path: str) -> list[str]:
    if ID_PATTERN.fullmatch(value) is None:
        return [f"{path}: got {_shown(value)}, want 32 lowercase hexadecimal digits"]
    return []


def _name_problems(value: str, path: str) -> list[str]:
    if not value.strip():
        return [f"{path}: empty, want a name"]
    if len(value) > TEXT_LENGTH_MAX:
        return [f"{path}: got {len(value)} characters, want at most {TEXT_LENGTH_MAX}"]
    for character in value:
        if unicodedata.category(character) in FORBIDDEN_CATEGORIES:
            return [f"{path}: holds the control character U+{ord(character):04X}, want printable text"]
    return []


def _date(value: str) -> datetime.date | None:
    if DATE_PATTERN.fullmatch(value) is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def _date_problems(value: str, path: str) -> list[str]:
    if _date(value) is None:
        return [f"{path}: got {_shown(value)}, want a date YYYY-MM-DD"]
    return []


def _period_problems(body: CertificateBody) -> list[str]:
    problems = _date_problems(body.period_from, "body.period_from")
    problems += _date_problems(body.period_to, "body.period_to")
    if not problems and body.period_from > body.period_to:
        problems.append(f"body.period_from: {body.period_from} is after period_to {body.period_to}")
    return problems


def _lines_problems(body: CertificateBody) -> list[str]:
    if not body.lines:
        return ["body.lines: empty, want at least one service line"]
    problems = []
    first_line_of: dict[tuple[str, str], int] = {}
    for number, line in enumerate(body.lines):
        path = f"body.lines[{number}]"
        problems += _line_problems(line, path, body)
        for name in ("order_id", "transfer_id"):
            earlier = first_line_of.setdefault((name, getattr(line, name)), number)
            if earlier != number:
                problems.append(f"{path}.{name}: also on lines[{earlier}]; each counts once")
    return problems


def _line_problems(line: CertificateLine, path: str, body: CertificateBody) -> list[str]:
    problems = _id_problems(line.order_id, f"{path}.order_id")
    problems += _id_problems(line.transfer_id, f"{path}.transfer_id")
    problems += _date_problems(line.served_on, f"{path}.served_on") or _within_period(line, path, body)
    if ITEM_CODE_PATTERN.fullmatch(line.item_code) is None:
        problems.append(
            f"{path}.item_code: got {_shown(line.item_code)}, want lowercase letters, digits and dashes "
            f"(1 to {ITEM_CODE_LENGTH_MAX})"
        )
    problems += _name_problems(line.item_name_zh, f"{path}.item_name_zh")
    problems += _name_problems(line.item_name_en, f"{path}.item_name_en")
    if not 1 <= line.minutes <= LINE_MINUTES_MAX:
        problems.append(f"{path}.minutes: got {line.minutes}, want 1 to {LINE_MINUTES_MAX}")
    return problems


def _within_period(line: CertificateLine, path: str, body: CertificateBody) -> list[str]:
    """Dates of the one YYYY-MM-DD form compare as strings. A period that is no period has its own finding."""
    if _date(body.period_from) is None or _date(body.period_to) is None or body.period_from > body.period_to:
        return []
    if body.period_from <= line.served_on <= body.period_to:
        return []
    return [f"{path}.served_on: {line.served_on} is outside the period {body.period_from} to {body.period_to}"]


def _shown(value: object) -> str:
    """A value from the file, short and safe to print."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value) if abs(value) < 10**30 else "a number of more than 30 digits"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return ascii(shown) if any(unicodedata.category(c) in FORBIDDEN_CATEGORIES for c in shown) else repr(shown)
    return {dict: "a JSON object", list: "a JSON array", float: "a fractional number"}.get(type(value), "a value")


# ---------------------------------------------------------------------------------------
# The printable page


def render_html(certificate_file: bytes) -> str:
    """The certificate as one self-contained printable page; ValueError when the file does not verify.

    Only the key inside the file is checked here; a reader checks the issuer with
    `timebank certificate verify FILE --keys KEYS`, as the page says.
    """
    checked = verify(certificate_file, None)
    if not checked.valid or checked.body is None:
        raise ValueError("certificate: " + "; ".join(checked.findings))
    body = checked.body
    title = "志愿服务时长证明 Certificate of volunteer service hours"
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_escaped(title)} — {_escaped(body.person_name)}</title>\n<style>{_STYLE}</style>\n"
        "</head>\n<body>\n<main>\n"
        '<h1>志愿服务时长证明<span class="en">Certificate of volunteer service hours</span></h1>\n'
        f"{_facts_html(body)}{_lines_html(body)}{_issuer_html(body, checked.key_id)}"
        "</main>\n</body>\n</html>\n"
    )


def _facts_html(body: CertificateBody) -> str:
    facts = (
        ("姓名 Name", body.person_name),
        ("证件号码 Identity number", body.identity_masked),
        ("服务期间 Period", f"{body.period_from} — {body.period_to}"),
        ("服务时长合计 Total", f"{format_hours(body.total_minutes)} 小时 hours ({body.total_minutes:,} 分钟 minutes)"),
    )
    rows = "".join(f"<dt>{_escaped(name)}</dt><dd>{_escaped(value)}</dd>\n" for name, value in facts)
    return f'<dl class="facts">\n{rows}</dl>\n'


def _lines_html(body: CertificateBody) -> str:
    headings = ("日期 Date", "服务项目 Service", "时长 Hours", "工单 Order", "入账 Transfer")
    head = "".join(f"<th>{_escaped(heading)}</th>" for heading in headings)
    rows = "".join(_line_row_html(line) for line in body.lines)
    total = (
        f'<tr class="total"><th colspan="2">合计 Total</th>'
        f'<td class="hours">{_escaped(format_hours(body.total_minutes))}</td><td colspan="2"></td></tr>\n'
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n<tfoot>\n{total}</tfoot>\n</table>\n"


def _line_row_html(line: CertificateLine) -> str:
    item = f'{_escaped(line.item_name_zh)}<br><span class="en">{_escaped(line.item_name_en)}</span>'
    cells = (
        f"<td>{_escaped(line.served_on)}</td>",
        f"<td>{item}</td>",
        f'<td class="hours">{_escaped(format_hours(line.minutes))}</td>',
        f'<td class="id">{_escaped(line.order_id)}</td>',
        f'<td class="id">{_escaped(line.transfer_id)}</td>',
    )
    return f"<tr>{''.join(cells)}</tr>\n"


def _issuer_html(body: CertificateBody, key_id: str) -> str:
    facts = (
        ("出具单位 Issued by", f"{body.node_name} ({body.node_id})"),
        ("出具时间 Issued at", _display_instant(body.issued_at_micros)),
        ("证书编号 Certificate id", body.certificate_id),
        ("签名密钥 Signing key", key_id),
    )
    rows = "".join(f"<dt>{_escaped(name)}</dt><dd>{_escaped(value)}</dd>\n" for name, value in facts)
    verify_line = (
        "核验方法 To verify: <code>timebank certificate verify FILE --keys KEYS</code> — "
        "FILE is this certificate's signed file, KEYS the city's list of trusted node keys."
    )
    return f'<dl class="facts issuer">\n{rows}</dl>\n<p class="verify">{verify_line}</p>\n'


def _described_instant(micros: int) -> str:
    """A time in a finding: the microseconds and, when a date can show it, the UTC time."""
    if not 0 <= micros <= ISSUED_AT_MICROS_MAX:
        return str(micros)
    return f"{micros} ({_display_instant(micros)})"


def _display_instant(micros: int) -> str:
    moment = _EPOCH + datetime.timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def _escaped(value: str) -> str:
    return html.escape(value, quote=True)


_STYLE = """
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Serif CJK SC", "Songti SC", serif; color: #111; margin: 0; }
main { max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
h1 { text-align: center; font-size: 22pt; margin: 0 0 8mm; }
h1 .en { display: block; font-size: 12pt; font-weight: normal; margin-top: 2mm; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 1.5mm 6mm; margin: 0 0 6mm; }
dt { font-weight: bold; }
dd { margin: 0; }
table { width: 100%; border-collapse: collapse; font-size: 10pt; margin: 0 0 6mm; }
th, td { border: 1px solid #555; padding: 1.5mm 2mm; text-align: left; vertical-align: top; }
td.hours { text-align: right; font-variant-numeric: tabular-nums; }
td.id { font-family: monospace; font-size: 8pt; word-break: break-all; }
tr.total th, tr.total td { font-weight: bold; }
.en { color: #444; }
p.verify { font-size: 9pt; border-top: 1px solid #999; padding-top: 3mm; }
"""
