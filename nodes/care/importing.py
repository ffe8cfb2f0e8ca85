"""The pure rules of importing hours recorded on another volunteer platform: what one row
must hold, and which rows of a file overlap or repeat one another.

Owns checking a row's fields (the platform, the record's id, the name, a resident identity
number with its check character, the date, sign-in and sign-out on that day, the minutes
between them kept exactly and the platform's stated hours agreeing with them, how the
record arose), and the file's duplicates and overlaps. Reads nothing: the desk
(nodes.care.desk.imports) reads the people, their orders and the records imported before,
asks these, then writes. Every refusal names the field and the rule.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from nodes.care import rules
from timebank.errors import RequestInvalid

__all__ = [
    "IMPORT_YEARS_MAX",
    "ORIGINS",
    "PLATFORMS",
    "RECORD_MINUTES_MAX",
    "STATED_TOLERANCE_MINUTES",
    "CheckedRow",
    "check_row",
    "memo_of",
    "repeated_and_overlapping",
]

PLATFORMS = ("志愿中山", "i志愿", "全国志愿服务信息系统")
# How a record arose, as the platforms write it, to the name kept here.
ORIGINS: Mapping[str, str] = {
    "sign-in": "sign-in",
    "签到签退": "sign-in",
    "签到": "sign-in",
    "added": "added",
    "管理员补录": "added",
    "管理员添加": "added",
    "back-filled": "back-filled",
    "补录": "back-filled",
}
IDENTITY_TYPES = ("居民身份证",)
IMPORT_YEARS_MAX = 10  # records older than this are not taken in
RECORD_MINUTES_MAX = 12 * 60  # one record: at most one working day
STATED_TOLERANCE_MINUTES = 3  # a platform rounding to a tenth of an hour is within this
SOURCE_ID_LENGTH_MAX = 64
TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
HOURS = re.compile(r"^\d{1,3}(\.\d{1,4})?$")


@dataclass(frozen=True)
class CheckedRow:
    row_number: int
    platform: str
    source_record_id: str
    name: str
    identity_number: str
    organisation: str
    activity: str
    service_date: str
    start_micros: int
    end_micros: int
    minutes: int  # end minus start, exactly
    origin: str


def check_row(row: Mapping[str, str], now_micros: int, utc_offset_hours: int) -> CheckedRow:
    """One row's fields, checked and read; RequestInvalid naming the first field that is wrong."""
    platform = rules.choice("platform", row.get("platform", "").strip(), PLATFORMS)
    source = rules.text("source_record_id", row.get("source_record_id", ""), SOURCE_ID_LENGTH_MAX)
    name = rules.text("name", row.get("name", ""), rules.NAME_LENGTH_MAX)
    kind = row.get("identity_type", "").strip() or IDENTITY_TYPES[0]
    if kind not in IDENTITY_TYPES:
        raise RequestInvalid(f"identity_type: got {kind[:20]!r}; only 居民身份证 can be matched to a person here")
    number = _identity_number(row.get("identity_number", ""))
    day = _service_date(row.get("service_date", ""), now_micros, utc_offset_hours)
    start = _moment("sign_in", row.get("sign_in", ""), day, utc_offset_hours)
    end = _moment("sign_out", row.get("sign_out", ""), day, utc_offset_hours)
    if end <= start:
        raise RequestInvalid(f"sign_out: {row.get('sign_out')} is not after sign_in {row.get('sign_in')}")
    if end > now_micros:
        raise RequestInvalid(f"sign_out: {day} {row.get('sign_out')} is in the future")
    minutes = (end - start) // 60_000_000
    if minutes > RECORD_MINUTES_MAX:
        raise RequestInvalid(f"sign_out: {minutes} minutes after sign_in, want at most {RECORD_MINUTES_MAX} a record")
    _check_stated(row.get("stated_hours", ""), minutes)
    origin_text = row.get("origin", "").strip()
    if origin_text not in ORIGINS:
        raise RequestInvalid(f"origin: got {origin_text[:20]!r}, want one of {', '.join(ORIGINS)}")
    return CheckedRow(
        row_number=int(row.get("row_number", "0") or 0),
        platform=platform,
        source_record_id=source,
        name=name,
        identity_number=number,
        organisation=rules.text("organisation", row.get("organisation", ""), 100, required=False),
        activity=rules.text("activity", row.get("activity", ""), 100),
        service_date=day.isoformat(),
        start_micros=start,
        end_micros=end,
        minutes=minutes,
        origin=ORIGINS[origin_text],
    )


def _identity_number(text: str) -> str:
    number = text.strip().upper()
    if not rules.IDENTITY_PATTERN.match(number):
        raise RequestInvalid("identity_number: want 18 characters, 17 digits then a digit or X")
    if rules.identity_check_character(number[:17]) != number[17]:
        raise RequestInvalid("identity_number: the check character does not match the first 17 digits")
    return number


def _service_date(text: str, now_micros: int, utc_offset_hours: int) -> datetime.date:
    day = rules.parse_date("service_date", text.strip())
    today = rules.local_date(now_micros, utc_offset_hours)
    if day > today:
        raise RequestInvalid(f"service_date: got {day}, which is after today {today}")
    if day < today.replace(year=today.year - IMPORT_YEARS_MAX):
        raise RequestInvalid(f"service_date: got {day}, want a date in the last {IMPORT_YEARS_MAX} years")
    return day


def _moment(name: str, text: str, day: datetime.date, utc_offset_hours: int) -> int:
    found = TIME.match(text.strip())
    if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59 or int(found.group(3) or 0) > 59:
        raise RequestInvalid(f"{name}: got {text[:20]!r}, want a time HH:MM")
    hour, minute, second = int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)
    return rules.day_start_micros(day, utc_offset_hours) + ((hour * 60 + minute) * 60 + second) * 1_000_000


def _check_stated(text: str, minutes: int) -> None:
    """The platform's own hours must agree with its times (the minutes kept are the times')."""
    stated = text.strip()
    if not HOURS.match(stated):
        raise RequestInvalid(f"stated_hours: got {stated[:20]!r}, want hours such as 1.5")
    whole, _, fraction = stated.partition(".")
    stated_minutes_times_10000 = (int(whole) * 10_000 + int((fraction + "0000")[:4])) * 60
    if abs(stated_minutes_times_10000 - minutes * 10_000) > STATED_TOLERANCE_MINUTES * 10_000:
        raise RequestInvalid(
            f"stated_hours: got {stated} h, but sign_in to sign_out is {minutes // 60} h {minutes % 60} min"
        )


def repeated_and_overlapping(rows: Sequence[CheckedRow]) -> dict[int, str]:
    """Why a row of the file cannot be taken in beside the others (by row number): the same
    record as an earlier row, or a time of the same person that an earlier row covers."""
    reasons: dict[int, str] = {}
    first_of: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.platform, row.source_record_id)
        if key in first_of:
            earlier = first_of[key]
            reasons[row.row_number] = (
                f"source_record_id: {row.source_record_id} of {row.platform} is row {earlier} already"
            )
        else:
            first_of[key] = row.row_number
    ordered = sorted(
        (row for row in rows if row.row_number not in reasons),
        key=lambda row: (row.identity_number, row.start_micros, row.row_number),
    )
    last: CheckedRow | None = None  # the person's latest row kept
    for row in ordered:
        if last is not None and last.identity_number == row.identity_number and row.start_micros < last.end_micros:
            reasons[row.row_number] = f"sign_in: overlaps row {last.row_number} of the same person"
            continue
        last = row
    return reasons


def memo_of(platform: str, source_record_id: str, activity: str, service_date: str) -> str:
    """The deposit's memo: where the record comes from, within the ledger's 200 characters."""
    return f"导入 {platform} {source_record_id}: {activity[:60]} {service_date}"[:200]
