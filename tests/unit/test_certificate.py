"""Certificates of service hours: issued and verified offline, with or without a key ring.

A certificate round-trips; its page shows the person and the total and escapes every
text; each kind of tampering or malformation is one finding naming the field, never an
exception; a signed body that breaks a rule is still refused; 200 seeded single-byte
mutations and 200 seeded structural ones each give a finding or the same body. The
command line exits 0, 1 or 2, prints JSON on request, and loads neither gRPC nor a
database driver.
"""

from __future__ import annotations

import base64
import copy
import json
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.support.certificates import (
    BODY,
    DAY_MICROS,
    FILE,
    HOUR_MICROS,
    ISSUED_AT,
    LINES,
    NODE_KEY,
    OTHER_NODE_KEY,
    RING,
    STRANGER_KEY,
    canonical_body,
    document_of,
    file_of,
    key_id_of,
    key_record,
    signed,
    tampered,
)
from timebank import certificate, keys, signing
from timebank.signing import KeyRing

# -- issue and verify ---------------------------------------------------------------------------


def test_a_certificate_verifies_against_its_own_key_with_a_note() -> None:
    checked = certificate.verify(FILE, None)
    assert checked.valid and checked.findings == ()
    assert checked.body == BODY and checked.body.total_minutes == 135
    assert checked.key_id == key_id_of(NODE_KEY)
    assert checked.notes == (certificate.NO_KEY_RING_NOTE,)


def test_a_certificate_verifies_against_the_key_ring_without_notes() -> None:
    checked = certificate.verify(FILE, RING)
    assert checked.valid and checked.body == BODY and checked.notes == ()


def test_the_file_is_utf8_json_with_the_body_total_version_and_signature_block() -> None:
    document = document_of(FILE)
    assert document["body"]["total_minutes"] == 135 and document["body"]["format_version"] == 1
    assert document["body"]["person_name"] == "李志强" and "李志强".encode() in FILE
    assert set(document["signature"]) == {"algorithm", "key_id", "public_key", "value"}
    assert document["signature"]["algorithm"] == "ed25519"
    public_key = base64.b64decode(document["signature"]["public_key"])
    assert keys.key_id_of_raw(public_key) == document["signature"]["key_id"]
    signing.verify(
        NODE_KEY.public_key(),
        "certificate",
        json.dumps(document["body"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(),
        base64.b64decode(document["signature"]["value"]),
    )


def test_issuing_is_deterministic() -> None:
    assert certificate.issue(BODY, NODE_KEY) == FILE


def test_issue_refuses_a_body_that_breaks_a_rule_naming_the_field() -> None:
    line = replace(LINES[0], minutes=-5)
    with pytest.raises(ValueError, match=r"body\.lines\[0\]\.minutes: got -5, want 1 to"):
        certificate.issue(replace(BODY, lines=(line,)), NODE_KEY)
    with pytest.raises(ValueError, match=r"body\.identity_masked: shows no '\*'"):
        certificate.issue(replace(BODY, identity_masked="442000199001011234"), NODE_KEY)


def test_the_signature_is_not_valid_for_another_purpose() -> None:
    document = document_of(FILE)
    signature = signing.sign(NODE_KEY, "statement", certificate.canonical_bytes(document["body"]))
    document["signature"]["value"] = base64.b64encode(signature).decode()
    checked = certificate.verify(file_of(document), None)
    assert checked.findings == (f"signature.value: does not verify with key {key_id_of(NODE_KEY)} of node shiqi",)


# -- the page -----------------------------------------------------------------------------------


def test_the_page_shows_the_person_the_lines_the_total_and_how_to_verify() -> None:
    page = certificate.render_html(FILE)
    for text in (
        "志愿服务时长证明",
        "Certificate of volunteer service hours",
        "李志强",
        "4420**********1234",
        "2026-01-01",
        "2026-01-31",
        "情感慰藉",
        "Meal delivery",
        "1.50",
        "0.75",
        "2.25",
        "石岐街道",
        "shiqi",
        key_id_of(NODE_KEY),
        BODY.certificate_id,
        "timebank certificate verify FILE --keys node-keys.toml",
        "2026-02-10 00:00:00 UTC",
    ):
        assert text in page, text
    assert "<script" not in page and "http" not in page


def test_the_page_escapes_every_text() -> None:
    line = replace(LINES[0], item_name_en="<b>bold</b> & co")
    body = replace(BODY, person_name="<script>alert(1)</script>", node_name='"quoted"', lines=(line,))
    page = certificate.render_html(certificate.issue(body, NODE_KEY))
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in page and "&quot;quoted&quot;" in page


def test_the_page_is_refused_for_a_file_that_does_not_verify() -> None:
    with pytest.raises(ValueError, match="body.total_minutes: got 999"):
        certificate.render_html(tampered(lambda document: document["body"].update(total_minutes=999)))


# -- tampering: each is a finding naming the field --------------------------------------------


def _swap_key(document: dict[str, Any], key: Ed25519PrivateKey) -> None:
    document["signature"]["public_key"] = base64.b64encode(keys.public_bytes(key.public_key())).decode()
    document["signature"]["key_id"] = key_id_of(key)


TAMPERINGS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "a minute changed": (
        lambda d: d["body"]["lines"][0].update(minutes=91),
        "body.total_minutes: got 135, the lines add up to 136",
    ),
    "a minute changed and the total with it": (
        lambda d: (d["body"]["lines"][0].update(minutes=91), d["body"].update(total_minutes=136)),
        "signature.value: does not verify",
    ),
    "a line added": (
        lambda d: d["body"]["lines"].append(dict(d["body"]["lines"][0], order_id="3" * 32, transfer_id="a3" * 16)),
        "body.total_minutes: got 135, the lines add up to 225",
    ),
    "a line removed and the total with it": (
        lambda d: (d["body"]["lines"].pop(), d["body"].update(total_minutes=90)),
        "signature.value: does not verify",
    ),
    "the total changed": (
        lambda d: d["body"].update(total_minutes=1350),
        "body.total_minutes: got 1350, the lines add up to 135",
    ),
    "the name changed": (lambda d: d["body"].update(person_name="李志"), "signature.value: does not verify"),
    "another key's public key, the old id": (
        lambda d: d["signature"].update(
            public_key=base64.b64encode(keys.public_bytes(STRANGER_KEY.public_key())).decode()
        ),
        f"signature.key_id: got {key_id_of(NODE_KEY)}, but the public key in the file has the id "
        f"{key_id_of(STRANGER_KEY)}",
    ),
    "another algorithm": (
        lambda d: d["signature"].update(algorithm="rsa"),
        "signature.algorithm: got 'rsa', want 'ed25519'",
    ),
    "a key id of the wrong shape": (
        lambda d: d["signature"].update(key_id="XYZ"),
        "signature.key_id: got 'XYZ', want 16 lowercase hexadecimal digits",
    ),
    "a signature that is not base64": (
        lambda d: d["signature"].update(value="***"),
        "signature.value: not base64",
    ),
    "a signature of 63 bytes": (
        lambda d: d["signature"].update(value=base64.b64encode(bytes(63)).decode()),
        "signature.value: got 63 bytes, want 64",
    ),
    "a public key of 31 bytes": (
        lambda d: d["signature"].update(public_key=base64.b64encode(bytes(31)).decode()),
        "signature.public_key: got 31 bytes, want 32",
    ),
    "a signature in non-canonical base64": (
        lambda d: d["signature"].update(value=d["signature"]["value"][:-3] + "B=="),
        "signature.value: not canonical base64",
    ),
    "no signature block": (lambda d: d.pop("signature"), "signature: missing"),
    "a signature block that is a string": (
        lambda d: d.update(signature="abc"),
        "signature: got 'abc', want a JSON object",
    ),
    "a missing field": (lambda d: d["body"].pop("person_id"), "body.person_id: missing"),
    "a missing line field": (lambda d: d["body"]["lines"][1].pop("minutes"), "body.lines[1].minutes: missing"),
    "an unknown field": (
        lambda d: d["body"].update(bonus_minutes=60),
        "body.bonus_minutes: unknown field (format version 1 has no such field)",
    ),
    "minutes as a string": (
        lambda d: d["body"]["lines"][0].update(minutes="90"),
        "body.lines[0].minutes: got '90', want an integer",
    ),
    "minutes as true": (
        lambda d: d["body"]["lines"][0].update(minutes=True),
        "body.lines[0].minutes: got true, want an integer",
    ),
    "minutes as a fraction": (
        lambda d: d["body"]["lines"][0].update(minutes=1.5),
        "body.lines[0].minutes: got a fractional number, want an integer",
    ),
    "a name as a number": (
        lambda d: d["body"].update(person_name=7),
        "body.person_name: got 7, want a string",
    ),
    "lines as an object": (
        lambda d: d["body"].update(lines={}),
        "body.lines: got a JSON object, want a JSON array",
    ),
    "a line as null": (
        lambda d: d["body"]["lines"].__setitem__(0, None),
        "body.lines[0]: got null, want a JSON object",
    ),
    "the body as a list": (lambda d: d.update(body=[]), "body: got a JSON array, want a JSON object"),
}


def test_tampering_is_a_finding() -> None:
    for name, (change, expected) in TAMPERINGS.items():
        certificate_file = tampered(change)
        for key_ring in (None, RING):
            checked = certificate.verify(certificate_file, key_ring)
            assert not checked.valid, name
            assert any(finding.startswith(expected) for finding in checked.findings), (name, checked.findings)


def test_another_keys_public_key_and_id_do_not_verify() -> None:
    certificate_file = tampered(lambda document: _swap_key(document, STRANGER_KEY))
    assert certificate.verify(certificate_file, None).findings == (
        f"signature.value: does not verify with key {key_id_of(STRANGER_KEY)} of node shiqi",
    )
    (finding,) = certificate.verify(certificate_file, RING).findings
    assert finding.startswith(f"signature.key_id: key {key_id_of(STRANGER_KEY)} is not a trusted key of node shiqi")
    assert finding.endswith(f"key_id: unknown key {key_id_of(STRANGER_KEY)}")


def test_every_bit_of_the_signature_matters() -> None:
    document = document_of(FILE)
    signature = base64.b64decode(document["signature"]["value"])
    for position in range(len(signature)):
        for bit in (0x01, 0x80):
            flipped = bytearray(signature)
            flipped[position] ^= bit
            document["signature"]["value"] = base64.b64encode(bytes(flipped)).decode()
            checked = certificate.verify(file_of(document), None)
            assert checked.findings == (
                f"signature.value: does not verify with key {key_id_of(NODE_KEY)} of node shiqi",
            ), (position, bit)


# -- the key ring ------------------------------------------------------------------------------


def test_a_ring_without_the_key_is_a_finding_naming_the_key_and_the_node() -> None:
    checked = certificate.verify(FILE, KeyRing([key_record(OTHER_NODE_KEY, "dongqu")]))
    assert checked.findings == (
        f"signature.key_id: key {key_id_of(NODE_KEY)} is not a trusted key of node shiqi at {ISSUED_AT} "
        f"(2026-02-10 00:00:00 UTC): key_id: unknown key {key_id_of(NODE_KEY)}",
    )


def test_a_key_of_another_node_is_refused() -> None:
    forged = certificate.issue(BODY, OTHER_NODE_KEY)  # dongqu's key signing as shiqi
    assert certificate.verify(forged, None).valid  # only the ring can tell
    (finding,) = certificate.verify(forged, RING).findings
    assert f"key {key_id_of(OTHER_NODE_KEY)} is not a trusted key of node shiqi" in finding
    assert "belongs to dongqu, not shiqi" in finding


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"revoked_at_micros": ISSUED_AT - HOUR_MICROS}, "was revoked at"),
        ({"valid_until_micros": ISSUED_AT - HOUR_MICROS}, "expired at"),
        ({"valid_from_micros": ISSUED_AT + HOUR_MICROS}, "(not yet)"),
    ],
    ids=["revoked", "expired", "not yet valid"],
)
def test_a_key_not_valid_when_issued_is_refused(fields: dict[str, int], reason: str) -> None:
    checked = certificate.verify(FILE, KeyRing([key_record(NODE_KEY, "shiqi", **fields)]))
    (finding,) = checked.findings
    assert finding.startswith(f"signature.key_id: key {key_id_of(NODE_KEY)} is not a trusted key of node shiqi")
    assert reason in finding


def test_the_time_of_the_check_can_be_given() -> None:
    ring = KeyRing([key_record(NODE_KEY, "shiqi", revoked_at_micros=ISSUED_AT + DAY_MICROS)])
    assert certificate.verify(FILE, ring).valid
    assert certificate.verify(FILE, ring, at_micros=ISSUED_AT + HOUR_MICROS).valid
    checked = certificate.verify(FILE, ring, at_micros=ISSUED_AT + 2 * DAY_MICROS)
    assert not checked.valid and "was revoked at" in checked.findings[0]


# -- signed bodies that break a rule ------------------------------------------------------------


def _set_line(number: int, **fields: object) -> Callable[[dict[str, Any]], None]:
    return lambda body: body["lines"][number].update(fields)


RULES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "negative minutes": (
        lambda b: (b["lines"][0].update(minutes=-90), b.update(total_minutes=-45)),
        "body.lines[0].minutes: got -90, want 1 to 1000000000",
    ),
    "zero minutes": (
        lambda b: (b["lines"][0].update(minutes=0), b.update(total_minutes=45)),
        "body.lines[0].minutes: got 0, want 1 to 1000000000",
    ),
    "a total that is not the sum": (
        lambda b: b.update(total_minutes=136),
        "body.total_minutes: got 136, the lines add up to 135",
    ),
    "a bad certificate id": (
        lambda b: b.update(certificate_id="C0" * 16),
        "body.certificate_id: got 'C0C0",
    ),
    "a short person id": (lambda b: b.update(person_id="b0"), "body.person_id: got 'b0', want 32 lowercase"),
    "a bad order id": (_set_line(1, order_id="xyz"), "body.lines[1].order_id: got 'xyz', want 32 lowercase"),
    "a bad transfer id": (_set_line(0, transfer_id="a1" * 17), "body.lines[0].transfer_id: got 'a1a1"),
    "a date that does not exist": (
        lambda b: b.update(period_to="2026-02-30"),
        "body.period_to: got '2026-02-30', want a date YYYY-MM-DD",
    ),
    "a date of another form": (
        lambda b: b.update(period_from="20260101"),
        "body.period_from: got '20260101', want a date YYYY-MM-DD",
    ),
    "a period that ends before it starts": (
        lambda b: b.update(period_from="2026-02-01"),
        "body.period_from: 2026-02-01 is after period_to 2026-01-31",
    ),
    "a line before the period": (
        _set_line(0, served_on="2025-12-31"),
        "body.lines[0].served_on: 2025-12-31 is outside the period 2026-01-01 to 2026-01-31",
    ),
    "a line after the period": (
        _set_line(1, served_on="2026-02-01"),
        "body.lines[1].served_on: 2026-02-01 is outside the period 2026-01-01 to 2026-01-31",
    ),
    "a line of a bad date": (_set_line(1, served_on="2026-1-20"), "body.lines[1].served_on: got '2026-1-20'"),
    "an unknown format version": (
        lambda b: b.update(format_version=2),
        "body.format_version: got 2, want 1 (the only version this program reads)",
    ),
    "no lines": (lambda b: b.update(lines=[], total_minutes=0), "body.lines: empty, want at least one service line"),
    "an order twice": (
        _set_line(1, order_id="1" * 32),
        "body.lines[1].order_id: also on lines[0]; each counts once",
    ),
    "a bad node id": (lambda b: b.update(node_id="Shiqi!"), "body.node_id: got 'Shiqi!', want lowercase letters"),
    "a bad item code": (_set_line(0, item_code="Care Visit"), "body.lines[0].item_code: got 'Care Visit'"),
    "an empty name": (lambda b: b.update(person_name=" "), "body.person_name: empty, want a name"),
    "a control character in a name": (
        lambda b: b.update(person_name="李\x1b[31m"),
        "body.person_name: holds the control character U+001B",
    ),
    "a bidirectional override in a name": (
        _set_line(0, item_name_en="Care\u202e"),
        "body.lines[0].item_name_en: holds the control character U+202E",
    ),
    "an unmasked identity": (
        lambda b: b.update(identity_masked="442000199001011234"),
        "body.identity_masked: shows no '*'",
    ),
    "an issue time before 1970": (lambda b: b.update(issued_at_micros=-1), "body.issued_at_micros: got -1"),
}


def test_a_signed_body_that_breaks_a_rule_is_refused() -> None:
    for name, (change, expected) in RULES.items():
        checked = certificate.verify(signed(change), None)
        assert len(checked.findings) == 1 and checked.findings[0].startswith(expected), (name, checked.findings)
        assert checked.body is not None  # the fields had the right types: the body is there to show


# -- malformed files ------------------------------------------------------------------------------


MALFORMED = {
    "empty": (b"", "certificate file: not JSON"),
    "garbage": (bytes(range(256)), "certificate file: not UTF-8 text"),
    "text": (b"certificate", "certificate file: not JSON"),
    "a JSON list": (b"[1, 2]", "certificate file: got a JSON array, want a JSON object"),
    "a JSON number": (b"7", "certificate file: got 7, want a JSON object"),
    "an empty object": (b"{}", "body: missing"),
    "NaN": (FILE.replace(b'"total_minutes": 135', b'"total_minutes": NaN'), "certificate file: not JSON: NaN"),
    "a key twice": (
        FILE.replace(b'"total_minutes": 135', b'"total_minutes": 135, "total_minutes": 135'),
        "certificate file: not JSON: the key 'total_minutes' appears twice",
    ),
    "nested too deeply": (b"[" * 100_000 + b"]" * 100_000, "certificate file: not JSON"),
    "a huge number": (b'{"body": ' + b"9" * 5000 + b"}", "certificate file: not JSON"),
    "a lone surrogate": (
        FILE.replace("李志强".encode(), b"\\ud800"),
        "body.person_name: holds a lone surrogate",
    ),
    "too large": (b" " * (certificate.FILE_BYTES_MAX + 1), "certificate file: 4194305 bytes, want at most"),
}


def test_a_malformed_file_is_a_finding() -> None:
    for name, (data, expected) in MALFORMED.items():
        checked = certificate.verify(data, RING)
        assert not checked.valid, name
        assert any(finding.startswith(expected) for finding in checked.findings), (name, checked.findings)


def test_a_file_without_a_readable_body_has_no_body() -> None:
    checked = certificate.verify(b"[]", None)
    assert checked.body is None and checked.key_id == "" and checked.notes == ()


# -- seeded mutations ---------------------------------------------------------------------------


def test_single_byte_mutations_give_a_finding_or_the_same_body() -> None:
    generator = random.Random(20260101)
    original = canonical_body(BODY)
    for _ in range(200):
        mutated = bytearray(FILE)
        position = generator.randrange(len(mutated))
        mutated[position] = (mutated[position] + generator.randrange(1, 256)) % 256
        checked = certificate.verify(bytes(mutated), RING)
        if checked.valid:
            assert canonical_body(checked.body) == original and checked.key_id == key_id_of(NODE_KEY)
        else:
            assert checked.findings and all(isinstance(finding, str) for finding in checked.findings)


STRANGE_VALUES = (None, True, False, 0, -1, 2**64, 1.5, "", "x" * 300, "\x00", [], [None], {}, {"a": 1})


def _paths(node: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*path, index))
    return found


def test_structural_mutations_give_a_finding_never_an_exception() -> None:
    generator = random.Random(7)
    original = document_of(FILE)
    paths = [path for path in _paths(original) if path]
    for _ in range(200):
        document = copy.deepcopy(original)
        path = generator.choice(paths)
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        if generator.random() < 0.2 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = generator.choice(STRANGE_VALUES)
        for key_ring in (None, RING):
            checked = certificate.verify(file_of(document), key_ring)
            assert not checked.valid, path
