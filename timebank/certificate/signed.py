"""The signed certificate file: issuing it, and verifying it with neither a network nor a database.

Owns issue (the body signed with the purpose "certificate", timebank.signing, over its
canonical bytes, and checked before it is returned) and verify, which never raises on a
bad file: it reads the file strictly (at most FILE_BYTES_MAX bytes of UTF-8 JSON, no
duplicate keys, no constants such as NaN, exactly the fields of format version 1, each of
its type), applies the body's rules (timebank.certificate.rules), checks the stated total
and version, and checks the signature against the node's trusted key from a key ring at an
instant, or without a ring against the key inside the file (and notes that). Every problem
is one finding.
"""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from timebank import keys, signing
from timebank.certificate.model import (
    ALGORITHM,
    BODY_FIELDS,
    BODY_INTEGER_FIELDS,
    BODY_TEXT_FIELDS,
    CERTIFICATE_PURPOSE,
    FIELD_NAME_PATTERN,
    FILE_BYTES_MAX,
    FILE_FIELDS,
    FORMAT_VERSION,
    KEY_ID_PATTERN,
    LINE_FIELDS,
    LINE_TEXT_FIELDS,
    LINES_MAX,
    NO_KEY_RING_NOTE,
    SIGNATURE_FIELDS,
    CertificateBody,
    CertificateLine,
    Verified,
    body_document,
    canonical_bytes,
    described_instant,
    file_bytes,
    shown,
)
from timebank.certificate.rules import body_problems
from timebank.errors import VerificationError
from timebank.signing import KeyRing

__all__ = ["issue", "verify"]


@dataclass(frozen=True)
class _Signature:
    key_id: str
    public_key: bytes
    value: bytes


def issue(body: CertificateBody, signing_key: Ed25519PrivateKey) -> bytes:
    """The certificate file, signed by signing_key; ValueError naming every rule the body breaks.

    UTF-8 JSON: {"body": body_document(body), "signature": {"algorithm": "ed25519", "key_id",
    "public_key" (base64 of the raw key), "value" (base64)}}. The signature covers
    canonical_bytes of the body. The file is verified before it is returned.
    """
    document = body_document(body)
    public_key = signing_key.public_key()
    signature = signing.sign(signing_key, CERTIFICATE_PURPOSE, canonical_bytes(document))
    certificate_file = file_bytes(
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
            raise ValueError(f"the key {shown(key)} appears twice in one object")
        document[key] = value
    return document


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _object(value: object, path: str, expected: tuple[str, ...], findings: list[str]) -> dict[str, Any] | None:
    """value if it is a JSON object holding the expected keys, else None; a finding for each key missing or unknown.

    path is where the object is ("body.lines[2]"), or empty for the whole file.
    """
    if not isinstance(value, dict):
        findings.append(f"{path or 'certificate file'}: got {shown(value)}, want a JSON object")
        return None
    prefix = f"{path}." if path else ""
    missing = [name for name in expected if name not in value]
    unknown = sorted(name for name in value if name not in expected)
    for name in missing:
        findings.append(f"{prefix}{name}: missing")
    for name in unknown:
        named = name if FIELD_NAME_PATTERN.fullmatch(name) else shown(name)
        findings.append(f"{prefix}{named}: unknown field (format version {FORMAT_VERSION} has no such field)")
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
        findings.append(f"body.lines: got {shown(value)}, want a JSON array")
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
        findings.append(f"{path}: got {shown(value)}, want an integer")
        return 0
    return value


def _text(value: object, path: str, findings: list[str]) -> str:
    if not isinstance(value, str):
        findings.append(f"{path}: got {shown(value)}, want a string")
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
        findings.append(f"signature.algorithm: got {shown(fields['algorithm'])}, want {ALGORITHM!r}")
    key_id = fields["key_id"]
    if not isinstance(key_id, str) or KEY_ID_PATTERN.fullmatch(key_id) is None:
        findings.append(f"signature.key_id: got {shown(key_id)}, want 16 lowercase hexadecimal digits")
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
        findings.append(f"{path}: got {shown(value)}, want a base64 string")
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
            f"at {described_instant(at_micros)}: {error}"
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
