"""The pure rules of the time-bank services: identities, ages, texts, minutes served,
check-in codes, the policy's limits on moving hours, and how candidates are ranked.

Every function decides from its arguments alone (no clock, no database, no I/O) and
refuses with an error that names the field and the rule.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from nodes.care.policy import Policy
from timebank import ids
from timebank.errors import NotNow, RequestInvalid, VerificationError
from timebank.ledger.model import AMOUNT_MINUTES_MAX, format_hours

ROLES = ("volunteer", "elder", "proxy")
REVIEW_STATES = ("pending", "approved", "rejected")
RELATIONSHIP_KINDS = ("family", "proxy")
PAYERS = ("node", "elder")
CODE_PURPOSES = ("check-in", "check-out")
ORDER_STATES = ("open", "accepted", "checked-in", "checked-out", "confirmed", "disputed", "resolved", "cancelled")
DISPUTE_DECISIONS = ("uphold", "adjust", "reverse")
TEAM_KINDS = ("department", "district")
NAME_LENGTH_MAX = 40
REASON_LENGTH_MAX = 200
STARS_MIN, STARS_MAX = 1, 5
MICROS_PER_MINUTE = 60_000_000
MICROS_PER_DAY = 86_400_000_000
IDENTITY_PATTERN = re.compile(r"^\d{17}[\dX]$")
IDENTITY_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
IDENTITY_CHECK_CHARACTERS = "10X98765432"
CODE_SIGNING_PURPOSE = "check-code"
CODE_PREFIX = "TBC1."
ORDER_WINDOW_MINUTES_MAX = 24 * 60

# -- texts and choices ----------------------------------------------------------------------


def text(name: str, value: str, longest: int, *, required: bool = True) -> str:
    """value stripped, refused when empty (if required) or longer than `longest`."""
    value = value.strip()
    if required and not value:
        raise RequestInvalid(f"{name}: must not be empty")
    if len(value) > longest:
        raise RequestInvalid(f"{name}: got {len(value)} characters, want at most {longest}")
    return value


def choice(name: str, value: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise RequestInvalid(f"{name}: got {value!r}, want one of {', '.join(allowed)}")
    return value


def positive_minutes(name: str, value: int) -> int:
    if not 0 < value <= AMOUNT_MINUTES_MAX:
        raise RequestInvalid(f"{name}: got {value} minutes, want 1..={AMOUNT_MINUTES_MAX}")
    return value


def stars(value: int) -> int:
    if not STARS_MIN <= value <= STARS_MAX:
        raise RequestInvalid(f"stars: got {value}, want {STARS_MIN}..={STARS_MAX}")
    return value


# -- identities and ages --------------------------------------------------------------------


def parse_date(name: str, value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise RequestInvalid(f"{name}: got {value!r}, want a date YYYY-MM-DD") from None


def check_identity_number(number: str, birth_date: datetime.date) -> str:
    """A resident identity number (GB 11643): 17 digits, a check character, the birth date inside."""
    number = number.strip().upper()
    if not IDENTITY_PATTERN.match(number):
        raise RequestInvalid("identity_number: want 18 characters, 17 digits then a digit or X")
    if identity_check_character(number[:17]) != number[17]:
        raise RequestInvalid("identity_number: the check character does not match the first 17 digits")
    if number[6:14] != birth_date.strftime("%Y%m%d"):
        raise RequestInvalid(
            f"identity_number: the birth date inside ({number[6:14]}) does not match birth_date {birth_date}"
        )
    return number


def identity_check_character(first_seventeen: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first_seventeen, IDENTITY_WEIGHTS, strict=True))
    return IDENTITY_CHECK_CHARACTERS[total % 11]


def identity_hash(key: bytes, number: str) -> str:
    """The keyed hash a node stores instead of the number (HMAC-SHA-256, hex)."""
    return hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()


def mask_identity(number: str) -> str:
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def age_years(birth_date: datetime.date, today: datetime.date) -> int:
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - (1 if before_birthday else 0)


def check_redeem_age(policy: Policy, age: int, hardship: bool) -> None:
    """An elder paying with their own hours must be old enough (lower in hardship)."""
    minimum = policy.redeem_age_min_hardship_years if hardship else policy.redeem_age_min_years
    if age < minimum:
        rule = "in hardship" if hardship else "(or the hardship age, if an operator recorded hardship)"
        raise NotNow(f"redemption: the elder is {age}, the minimum age to redeem is {minimum} {rule}")


# -- time -------------------------------------------------------------------------------------


def local_zone(utc_offset_hours: int) -> datetime.timezone:
    return datetime.timezone(datetime.timedelta(hours=utc_offset_hours))


def local_time(micros: int, utc_offset_hours: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(micros / 1e6, local_zone(utc_offset_hours))


def local_date(micros: int, utc_offset_hours: int) -> datetime.date:
    return local_time(micros, utc_offset_hours).date()


def month_of(micros: int, utc_offset_hours: int) -> str:
    return local_date(micros, utc_offset_hours).strftime("%Y-%m")


def day_start_micros(day: datetime.date, utc_offset_hours: int) -> int:
    start = datetime.datetime(day.year, day.month, day.day, tzinfo=local_zone(utc_offset_hours))
    return int(start.timestamp() * 1_000_000)


def check_window(start_micros: int, end_micros: int, now_micros: int) -> None:
    if start_micros <= 0 or end_micros <= start_micros:
        raise RequestInvalid("window: want 0 < window_start_micros < window_end_micros")
    if end_micros - start_micros > ORDER_WINDOW_MINUTES_MAX * MICROS_PER_MINUTE:
        raise RequestInvalid(f"window: longer than {ORDER_WINDOW_MINUTES_MAX} minutes; publish one demand a day")
    if end_micros <= now_micros:
        raise RequestInvalid("window: ends in the past")


def served_minutes(
    checked_in_micros: int,
    checked_out_micros: int,
    window_minutes: int,
    served_today_minutes: int,
    policy: Policy,
) -> int:
    """Whole minutes between the scans, capped by the order's window and what is left of the day's maximum."""
    if checked_out_micros < checked_in_micros:
        raise RequestInvalid("check-out: earlier than the check-in")
    elapsed = (checked_out_micros - checked_in_micros) // MICROS_PER_MINUTE
    left_today = max(0, policy.daily_service_minutes_max - served_today_minutes)
    return min(elapsed, window_minutes, left_today)


def credited_minutes(served: int, rate_percent: int) -> int:
    return served * rate_percent // 100


# -- check-in and check-out codes ---------------------------------------------------------------


@dataclass(frozen=True)
class CodeClaims:
    order_id: int
    purpose: str
    expires_at_micros: int
    nonce: bytes


_CODE_BODY = struct.Struct(">16sBq16s")


def make_code(signing_key: Ed25519PrivateKey, claims: CodeClaims) -> str:
    """`TBC1.` and base64url of the claims and the node's Ed25519 signature over them."""
    body = _CODE_BODY.pack(
        ids.to_fixed_bytes(claims.order_id),
        CODE_PURPOSES.index(claims.purpose),
        claims.expires_at_micros,
        claims.nonce,
    )
    signature = signing_key.sign(_signed(body))
    return CODE_PREFIX + base64.urlsafe_b64encode(body + signature).decode("ascii").rstrip("=")


def open_code(public_key: Ed25519PublicKey, code: str, now_micros: int) -> CodeClaims:
    """The claims of a code this node signed that has not expired; refuses anything else."""
    if not code.startswith(CODE_PREFIX):
        raise RequestInvalid(f"code: want a check-in code starting {CODE_PREFIX}")
    try:
        raw = base64.urlsafe_b64decode(code[len(CODE_PREFIX) :] + "=" * (-len(code) % 4))
    except ValueError:
        raise RequestInvalid("code: not base64url") from None
    if len(raw) != _CODE_BODY.size + 64:
        raise RequestInvalid(f"code: got {len(raw)} bytes, want {_CODE_BODY.size + 64}")
    body, signature = raw[: _CODE_BODY.size], raw[_CODE_BODY.size :]
    try:
        public_key.verify(signature, _signed(body))
    except InvalidSignature:
        raise VerificationError(
            "code: the signature does not verify with this node's key (forged or altered)"
        ) from None
    order_raw, purpose_index, expires_at_micros, nonce = _CODE_BODY.unpack(body)
    if purpose_index >= len(CODE_PURPOSES):
        raise RequestInvalid("code: unknown purpose")
    if now_micros >= expires_at_micros:
        late = (now_micros - expires_at_micros) // 1_000_000
        raise NotNow(f"code: expired {late} s ago; ask for a new one")
    return CodeClaims(int.from_bytes(order_raw, "big"), CODE_PURPOSES[purpose_index], expires_at_micros, nonce)


def _signed(body: bytes) -> bytes:
    return CODE_SIGNING_PURPOSE.encode("ascii") + b"\x00" + body


# -- moving hours -----------------------------------------------------------------------------


def givable_minutes(available: int, group_locked: int, recent_deposits: int, policy: Policy) -> int:
    """What a member may give to family or spend: available, less group-only and too-recent hours."""
    locked = group_locked if policy.group_hours_donate_only else 0
    return max(0, available - locked - recent_deposits)


def donatable_minutes(available: int, recent_deposits: int) -> int:
    """What a member may donate: group-only hours included, too-recent hours not."""
    return max(0, available - recent_deposits)


def check_enough(name: str, wanted: int, allowed: int, why: str) -> None:
    if wanted > allowed:
        raise NotNow(f"{name}: got {format_hours(wanted)} h, at most {format_hours(allowed)} h may be used ({why})")


def split_over_cap(amount: int, holding: int, cap: int) -> tuple[int, int]:
    """(to the member, to the donation pool): the part above the storage cap overflows."""
    if cap <= 0:
        return amount, 0
    room = max(0, cap - holding)
    kept = min(amount, room)
    return kept, amount - kept


# -- matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateFacts:
    person_id: int
    name: str
    home_node_id: str
    same_community: bool
    rating_average_percent: int
    recent_minutes: int


def rank(candidates: Iterable[CandidateFacts]) -> list[CandidateFacts]:
    """Same community first, then the higher average rating, then fewer recent minutes, then id."""
    return sorted(
        candidates,
        key=lambda c: (not c.same_community, -c.rating_average_percent, c.recent_minutes, c.person_id),
    )


def overlaps(start_a: int, end_a: int, start_b: int, end_b: int) -> bool:
    return start_a < end_b and start_b < end_a
