"""The rules a certificate's body follows, each broken rule one sentence naming the field.

Owns body_problems: ids of 32 lowercase hexadecimal digits, the node id's form, printable
names of at most TEXT_LENGTH_MAX characters, a masked identity number, a period of real
dates in order, an issue time within the years 1970 to 9999, and at least one service line,
each within the period, each order and transfer counted once, with 1 to LINE_MINUTES_MAX
minutes. Applied when a certificate is issued and when one is verified.
"""

from __future__ import annotations

import datetime
import unicodedata

from timebank.certificate.model import (
    DATE_PATTERN,
    FORBIDDEN_CATEGORIES,
    ID_PATTERN,
    ISSUED_AT_MICROS_MAX,
    ITEM_CODE_LENGTH_MAX,
    ITEM_CODE_PATTERN,
    LINE_MINUTES_MAX,
    NODE_ID_PATTERN,
    TEXT_LENGTH_MAX,
    CertificateBody,
    CertificateLine,
    shown,
)

__all__ = ["body_problems"]


def body_problems(body: CertificateBody) -> list[str]:
    """Every rule the body breaks, one sentence each naming the field; empty when it follows them all."""
    problems = []
    for name in ("certificate_id", "person_id"):
        problems += _id_problems(getattr(body, name), f"body.{name}")
    if NODE_ID_PATTERN.fullmatch(body.node_id) is None:
        problems.append(
            f"body.node_id: got {shown(body.node_id)}, want lowercase letters, digits and dashes "
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
        return [f"{path}: got {shown(value)}, want 32 lowercase hexadecimal digits"]
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
        return [f"{path}: got {shown(value)}, want a date YYYY-MM-DD"]
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
            f"{path}.item_code: got {shown(line.item_code)}, want lowercase letters, digits and dashes "
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
