"""Certificate fixtures: fixed keys, a key ring, one issued certificate, and ways to tamper
with it (changed without signing again, or changed and signed again)."""

from __future__ import annotations

import base64
import json
import pathlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.keys import key_id_of, private_key
from timebank import certificate, keys, signing
from timebank.certificate import CertificateBody, CertificateLine
from timebank.signing import KeyRecord, KeyRing

ROOT = pathlib.Path(__file__).resolve().parents[2]
NOW = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
HOUR_MICROS = 3_600_000_000
DAY_MICROS = 24 * HOUR_MICROS
ISSUED_AT = NOW + 40 * DAY_MICROS


NODE_KEY = private_key(11)
OTHER_NODE_KEY = private_key(12)
STRANGER_KEY = private_key(13)


def key_record(key: Ed25519PrivateKey, party_id: str, **fields: Any) -> KeyRecord:
    """A record valid from NOW, open-ended, unless fields say otherwise."""
    public_key = key.public_key()
    record = KeyRecord(key_id_of(key), party_id, keys.public_bytes(public_key), valid_from_micros=NOW)
    return replace(record, **fields)


RING = KeyRing([key_record(NODE_KEY, "shiqi"), key_record(OTHER_NODE_KEY, "dongqu")])

LINES = (
    CertificateLine("1" * 32, "2026-01-05", "companionship", "情感慰藉", "Companionship", 90, "a1" * 16),
    CertificateLine("2" * 32, "2026-01-20", "meal-delivery", "助餐送餐", "Meal delivery", 45, "a2" * 16),
)
BODY = CertificateBody(
    certificate_id="c0" * 16,
    node_id="shiqi",
    node_name="石岐街道",
    person_id="b0" * 16,
    person_name="李志强",
    identity_masked="4420**********1234",
    period_from="2026-01-01",
    period_to="2026-01-31",
    issued_at_micros=ISSUED_AT,
    lines=LINES,
)
FILE = certificate.issue(BODY, NODE_KEY)


def document_of(certificate_file: bytes) -> dict[str, Any]:
    return json.loads(certificate_file)


def file_of(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def tampered(change: Callable[[dict[str, Any]], None]) -> bytes:
    """FILE with change applied to its document, not signed again."""
    document = document_of(FILE)
    change(document)
    return file_of(document)


def signed(change: Callable[[dict[str, Any]], None], key: Ed25519PrivateKey = NODE_KEY) -> bytes:
    """FILE with change applied to its body, then signed again: only the rules can refuse it."""
    document = document_of(FILE)
    change(document["body"])
    signature = signing.sign(key, certificate.CERTIFICATE_PURPOSE, certificate.canonical_bytes(document["body"]))
    document["signature"]["value"] = base64.b64encode(signature).decode()
    return file_of(document)


def canonical_body(body: CertificateBody | None) -> bytes:
    assert body is not None
    return certificate.canonical_bytes(certificate.body_document(body))
