"""The pure rules of the time-bank services: identities, ages, texts, minutes served,
check-in codes, the policy's limits on moving hours, how candidates are ranked, who may
act for an elder, qualifications, the decisions of disputes, and retried creations.

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from nodes.care import records as r
from nodes.care.catalogue import CatalogueItem
from nodes.care.policy import Policy
from timebank import ids
from timebank.errors import AlreadyExists, NotNow, NotPermitted, RequestInvalid, VerificationError
from timebank.ledger.model import AMOUNT_MINUTES_MAX, Account, format_hours

__all__ = [
    "age_years",
    "CandidateFacts",
    "check_acts_for",
    "check_approved",
    "check_confirmable",
    "check_elder_may_redeem",
    "check_enough",
    "check_identity_number",
    "check_member_here",
    "check_redeem_age",
    "check_window",
    "choice",
    "CODE_PREFIX",
    "CODE_PURPOSES",
    "CODE_SIGNING_PURPOSE",
    "CodeClaims",
    "credited_minutes",
    "day_start_micros",
    "decided_minutes",
    "DISPUTE_DECISIONS",
    "donatable_minutes",
    "givable_minutes",
    "identity_check_character",
    "IDENTITY_CHECK_CHARACTERS",
    "identity_hash",
    "IDENTITY_PATTERN",
    "IDENTITY_WEIGHTS",
    "local_date",
    "local_time",
    "local_zone",
    "make_code",
    "mask_identity",
    "MICROS_PER_DAY",
    "MICROS_PER_MINUTE",
    "month",
    "month_of",
    "NAME_LENGTH_MAX",
    "open_code",
    "ORDER_STATES",
    "ORDER_WINDOW_MINUTES_MAX",
    "overlaps",
    "parse_date",
    "PAYERS",
    "positive_minutes",
    "qualification_refusal",
    "rank",
    "REASON_LENGTH_MAX",
    "RELATIONSHIP_KINDS",
    "repeated",
    "REVIEW_STATES",
    "ROLES",
    "served_minutes",
    "split_over_cap",
    "check_under_cap",
    "holding_minutes",
    "stars",
    "STARS_MAX",
    "STARS_MIN",
    "TEAM_KINDS",
    "text",
]

T = TypeVar("T")
ROLES = tuple(r.Role)
REVIEW_STATES = tuple(r.ReviewState)
RELATIONSHIP_KINDS = tuple(r.RelationshipKind)
PAYERS = tuple(r.Payer)
CODE_PURPOSES = tuple(r.CodePurpose)
ORDER_STATES = tuple(r.OrderState)
DISPUTE_DECISIONS = tuple(r.Decision)
TEAM_KINDS = tuple(r.TeamKind)
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
    purpose: r.CodePurpose
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


def holding_minutes(account: Account) -> int:
    """What a member holds against the storage cap: posted hours, and hours on their way in."""
    return account.balance_minutes + account.credits_pending_minutes


def check_under_cap(field: str, person_id: int, holding: int, amount: int, cap: int, advice: str = "") -> None:
    """NotNow naming field when amount more would put the member above the storage cap (0: none)."""
    if cap and holding + amount > cap:
        raise NotNow(
            f"{field}: {ids.to_hex(person_id)} would hold {format_hours(holding + amount)} h, "
            f"above the storage cap of {format_hours(cap)} h{advice}"
        )


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


# -- retried creations ------------------------------------------------------------------------


def repeated(existing: T | None, wanted: object, id_name: str, fields: Sequence[str], refusal: str = "") -> T | None:
    """A creation under a client-chosen id: None for a new id; the stored record when a retry
    asks for the same (the fields are equal), so the stored result is answered again;
    AlreadyExists when the id holds something else (`refusal`, or one naming the first
    difference)."""
    if existing is None:
        return None
    for name in fields:
        if getattr(existing, name) != getattr(wanted, name):
            raise AlreadyExists(
                refusal
                or f"{id_name}: exists with a different {name} (stored {getattr(existing, name)!r}, "
                f"got {getattr(wanted, name)!r}); use a new id"
            )
    return existing


# -- people and who acts --------------------------------------------------------------------


def check_approved(person: r.Person, name: str, role: str = "") -> r.Person:
    """The person is approved (and of the role, if one is named)."""
    if person.state != r.ReviewState.APPROVED:
        raise NotNow(
            f"{name}: {ids.to_hex(person.person_id)} is {person.state}, not approved; "
            "an operator must approve them first"
        )
    if role and person.role != role:
        raise NotNow(f"{name}: {ids.to_hex(person.person_id)} is a {person.role}, want a {role}")
    return person


def check_member_here(person: r.Person, name: str, node_id: str) -> r.Person:
    """The approved person holds their hours at this node."""
    check_approved(person, name)
    if person.home_node_id != node_id:
        raise NotNow(f"{name}: {ids.to_hex(person.person_id)} holds hours at {person.home_node_id}, not here")
    return person


def check_acts_for(
    acting: r.Person, elder_id: int, proxies: Sequence[r.Relationship], *, volunteer_id: int = 0
) -> None:
    """The acting person is approved, and the elder, a verified proxy of the elder (`proxies`:
    the verified proxy relationships from the elder to the acting person) or the order's volunteer."""
    check_approved(acting, "acting_person_id")
    if acting.person_id in (elder_id, volunteer_id):
        return
    if not proxies:
        raise NotPermitted(
            f"acting_person_id: {ids.to_hex(acting.person_id)} is neither the elder {ids.to_hex(elder_id)} "
            "nor a verified proxy of the elder"
        )


def check_elder_may_redeem(elder: r.Person, node_id: str, today: datetime.date, policy: Policy) -> None:
    """An elder paying for a service with their own hours holds them here and is old enough."""
    if elder.home_node_id != node_id:
        raise NotNow(f"paid_by: elder {ids.to_hex(elder.person_id)} holds no hours here")
    age = age_years(datetime.date.fromisoformat(elder.birth_date), today)
    check_redeem_age(policy, age, elder.hardship)


# -- qualifications ---------------------------------------------------------------------------


def qualification_refusal(
    item: CatalogueItem, volunteer_id: int, approved: Sequence[r.Qualification], on: datetime.date
) -> str | None:
    """Why the volunteer may not serve this item on that day (None when they may).
    `approved`: the volunteer's approved qualifications, of any kind."""
    if not item.professional:
        return None
    held = [q for q in approved if q.kind in item.qualifications]
    if any(datetime.date.fromisoformat(q.expires_on) >= on for q in held):
        return None
    if held:
        latest = max(held, key=lambda q: q.expires_on)
        return (
            f"qualification: {latest.kind} {latest.number} of volunteer {ids.to_hex(volunteer_id)} "
            f"was valid through {latest.expires_on}; {item.code} on {on} needs a valid one"
        )
    return (
        f"qualification: volunteer {ids.to_hex(volunteer_id)} holds no approved qualification for "
        f"{item.code} (one of: {', '.join(item.qualifications)})"
    )


# -- confirmation, disputes and statistics ------------------------------------------------------------------


def check_confirmable(order: r.Order) -> None:
    """The order's service is done and not yet confirmed."""
    if order.state == r.OrderState.CONFIRMED:
        deposit = ids.to_hex(order.deposit_transfer_id) if order.deposit_transfer_id else "none"
        raise NotNow(f"confirm: order {ids.to_hex(order.order_id)} was confirmed already (deposit {deposit})")
    if order.state != r.OrderState.CHECKED_OUT:
        raise NotNow(f"confirm: order {ids.to_hex(order.order_id)} is {order.state}, want checked-out")


def decided_minutes(decision: str, decided: int, credited: int) -> int:
    """The minutes a dispute's decision deposits of the `credited` ones."""
    if decision == r.Decision.UPHOLD:
        return credited
    if decision == r.Decision.REVERSE:
        return 0
    if credited < 2:
        raise RequestInvalid(
            f"decision: an adjustment of {credited} min credited leaves nothing between all and none; "
            "want uphold or reverse"
        )
    if not 0 < decided < credited:
        raise RequestInvalid(
            f"decided_minutes: got {decided}, want 1..={credited - 1} for an adjustment of {credited} min"
        )
    return decided


def month(name: str, value: str) -> str:
    """A month YYYY-MM."""
    try:
        datetime.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise RequestInvalid(f"{name}: got {value!r}, want a month YYYY-MM") from None
    return value
