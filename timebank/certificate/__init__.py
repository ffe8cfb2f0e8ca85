"""Certificates of a volunteer's service hours (志愿服务时长证明): the signed file, its page, its offline check.

Owns the certificate's format, the rules its body follows, signing it, rendering it as a
printable HTML page, and verifying a file with neither a network nor a database. The file
(format version 1) is UTF-8 JSON: {"body": {...}, "signature": {...}}. The body names the
issuing node, the person, the period, one line per service order with its minutes and
the ledger transfer that deposited them, and the total. The signature is Ed25519 with the
purpose "certificate" (timebank.signing) over the body's canonical JSON: sorted keys, no
spaces, UTF-8. Verification never raises on a bad file: it returns every problem it finds
as one sentence naming the field and the rule. Times are arguments; no clock is read.

The package's modules: model (the values, the constants of format version 1, the signed
bytes), rules (body_problems), signed (issue and verify) and page (render_html). Callers
use `from timebank import certificate` and the names below.
"""

from __future__ import annotations

from timebank.certificate.model import (
    ALGORITHM,
    BODY_FIELDS,
    BODY_INTEGER_FIELDS,
    BODY_TEXT_FIELDS,
    CERTIFICATE_PURPOSE,
    DATE_PATTERN,
    FIELD_NAME_PATTERN,
    FILE_BYTES_MAX,
    FILE_FIELDS,
    FORBIDDEN_CATEGORIES,
    FORMAT_VERSION,
    ID_PATTERN,
    ISSUED_AT_MICROS_MAX,
    ITEM_CODE_LENGTH_MAX,
    ITEM_CODE_PATTERN,
    KEY_ID_PATTERN,
    LINE_FIELDS,
    LINE_INTEGER_FIELDS,
    LINE_MINUTES_MAX,
    LINE_TEXT_FIELDS,
    LINES_MAX,
    NO_KEY_RING_NOTE,
    NODE_ID_PATTERN,
    SIGNATURE_FIELDS,
    TEXT_LENGTH_MAX,
    CertificateBody,
    CertificateLine,
    Verified,
    body_document,
    canonical_bytes,
)
from timebank.certificate.page import render_html
from timebank.certificate.rules import body_problems
from timebank.certificate.signed import issue, verify

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
