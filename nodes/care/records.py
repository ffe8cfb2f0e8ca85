"""The values the time-bank services keep: people, relationships, qualifications, orders,
ratings, follow-ups, disputes, movements of hours, the mall, teams and alerts.

Field names are the column names of the care_* tables and the field names of the
CareDesk messages, so the store and the wire convert them field for field. Ids are
integers (0: none). Frozen values: a change is a new value.

States, roles and kinds are StrEnums: each compares equal to its string, so what is
stored and what crosses the wire is the plain string it always was.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "Alert",
    "CodePurpose",
    "Decision",
    "Dispute",
    "DisputeState",
    "FollowUp",
    "ImportBatch",
    "ImportRowOutcome",
    "ImportState",
    "MallItem",
    "MallRedemption",
    "MonthOutstanding",
    "Movement",
    "MovementKind",
    "MovementState",
    "Order",
    "OrderState",
    "Payer",
    "Person",
    "Qualification",
    "Rating",
    "RedemptionState",
    "Relationship",
    "RelationshipKind",
    "RelationshipState",
    "ReviewState",
    "Role",
    "Statistics",
    "StatisticsRow",
    "Team",
    "TeamKind",
    "TeamMember",
]


class Role(enum.StrEnum):
    VOLUNTEER = "volunteer"
    ELDER = "elder"
    PROXY = "proxy"


class ReviewState(enum.StrEnum):
    """A person's or a qualification's registration, as an operator reviewed it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RelationshipKind(enum.StrEnum):
    FAMILY = "family"
    PROXY = "proxy"


class RelationshipState(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Payer(enum.StrEnum):
    """Who pays the volunteer's hours: the node mints them, or the elder redeems their own."""

    NODE = "node"
    ELDER = "elder"


class OrderState(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    CHECKED_IN = "checked-in"
    CHECKED_OUT = "checked-out"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"


class CodePurpose(enum.StrEnum):
    CHECK_IN = "check-in"
    CHECK_OUT = "check-out"


class DisputeState(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Decision(enum.StrEnum):
    UPHOLD = "uphold"
    ADJUST = "adjust"
    REVERSE = "reverse"


class MovementKind(enum.StrEnum):
    DEPOSIT = "deposit"  # a service paid by the node
    REDEEM = "redeem"  # a service paid by the elder
    OVERFLOW = "overflow"  # a deposit's part above the storage cap, to the donation pool
    FAMILY = "family"
    DONATION = "donation"
    GRANT = "grant"
    MALL = "mall"
    IMPORT = "import"  # hours recorded on another volunteer platform, by an approved import


class MovementState(enum.StrEnum):
    POSTED = "posted"
    SENT = "sent"  # to a member of another node, through the clearinghouse
    PENDING = "pending"
    VOIDED = "voided"


class RedemptionState(enum.StrEnum):
    RESERVED = "reserved"
    PICKED_UP = "picked-up"
    CANCELLED = "cancelled"


class TeamKind(enum.StrEnum):
    DEPARTMENT = "department"
    DISTRICT = "district"


@dataclass(frozen=True)
class Person:
    person_id: int
    role: Role
    name: str
    identity_hash: str
    identity_masked: str
    birth_date: str
    community: str
    home_node_id: str
    state: ReviewState
    review_reason: str = ""
    reviewed_by: str = ""
    hardship: bool = False
    group_locked_minutes: int = 0
    registered_at_micros: int = 0
    reviewed_at_micros: int = 0
    # Read from the ledger when shown; not stored with the person.
    balance_minutes: int = 0
    available_minutes: int = 0
    age_years: int = 0
    home_check: str = ""


@dataclass(frozen=True)
class Relationship:
    relationship_id: int
    kind: RelationshipKind
    person_id: int
    other_node_id: str
    other_person_id: int
    relation: str
    state: RelationshipState
    review_reason: str = ""
    created_at_micros: int = 0


@dataclass(frozen=True)
class Qualification:
    qualification_id: int
    person_id: int
    kind: str
    issuer: str
    number: str
    scope: str
    expires_on: str
    state: ReviewState
    review_reason: str = ""
    created_at_micros: int = 0


@dataclass(frozen=True)
class Order:
    order_id: int
    elder_id: int
    publisher_id: int
    item_code: str
    window_start_micros: int
    window_end_micros: int
    community: str
    place: str
    notes: str
    paid_by: Payer
    state: OrderState
    volunteer_id: int = 0
    volunteer_node_id: str = ""
    checked_in_micros: int = 0
    checked_out_micros: int = 0
    served_minutes: int = 0
    credited_minutes: int = 0
    deposit_transfer_id: int = 0
    confirmer_id: int = 0
    published_at_micros: int = 0
    steps: tuple[str, ...] = ()  # each cancellation or release

    @property
    def window_minutes(self) -> int:
        return (self.window_end_micros - self.window_start_micros) // 60_000_000


@dataclass(frozen=True)
class Rating:
    order_id: int
    rater_id: int
    stars: int
    comment: str
    rated_at_micros: int


@dataclass(frozen=True)
class FollowUp:
    order_id: int
    operator: str
    note: str
    recorded_at_micros: int


@dataclass(frozen=True)
class Dispute:
    dispute_id: int
    order_id: int
    opener_id: int
    reason: str
    state: DisputeState
    hold_transfer_id: int
    decision: str = ""
    decided_minutes: int = 0
    resolution_reason: str = ""
    steps: tuple[str, ...] = ()
    opened_at_micros: int = 0


@dataclass(frozen=True)
class Movement:
    transfer_id: int
    kind: MovementKind
    person_id: int
    counterparty_node_id: str
    counterparty_id: int
    amount_minutes: int
    state: MovementState
    memo: str
    order_id: int = 0
    item_code: str = ""
    month: str = ""
    at_micros: int = 0


@dataclass(frozen=True)
class MallItem:
    item_code: str
    name: str
    price_minutes: int
    stock: int
    reserved: int = 0


@dataclass(frozen=True)
class MallRedemption:
    redemption_id: int
    person_id: int
    item_code: str
    quantity: int
    amount_minutes: int
    state: RedemptionState
    transfer_id: int
    created_at_micros: int = 0


@dataclass(frozen=True)
class Team:
    team_code: str
    name: str
    kind: TeamKind
    created_at_micros: int = 0
    member_count: int = 0


@dataclass(frozen=True)
class TeamMember:
    team_code: str
    person_id: int
    joined_at_micros: int


@dataclass(frozen=True)
class Alert:
    alert_id: int
    rule: str
    subject_id: int
    evidence: str
    fingerprint: str
    raised_at_micros: int
    acknowledged_by: str = ""
    acknowledged_note: str = ""
    acknowledged_at_micros: int = 0


@dataclass(frozen=True)
class StatisticsRow:
    dimension: str
    key: str
    deposited_minutes: int = 0
    redeemed_minutes: int = 0
    order_count: int = 0
    donated_minutes: int = 0  # to the donation pool: by members, and deposits' parts above the storage cap
    family_minutes: int = 0  # given by members to their family, here or at another node
    granted_minutes: int = 0  # from the donation pool to elders


@dataclass(frozen=True)
class MonthOutstanding:
    month: str
    outstanding_minutes: int


@dataclass(frozen=True)
class Statistics:
    node_id: str
    rows: tuple[StatisticsRow, ...]
    active_volunteers: int
    outstanding_minutes: int
    trend: tuple[MonthOutstanding, ...]
    open_alerts: int
    deposited_today_minutes: int = 0  # service hours deposited since today's local midnight


class ImportState(enum.StrEnum):
    CHECKED = "checked"  # a dry run: nothing kept
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ImportBatch:
    """A file of records from other platforms, as submitted and as decided (a care_imports row)."""

    batch_id: int
    file_name: str
    file_sha256: str
    state: ImportState
    submitted_by: str
    submitted_at_micros: int
    reviewed_by: str = ""
    reviewed_at_micros: int = 0
    review_note: str = ""
    row_count: int = 0
    accepted_count: int = 0
    accepted_minutes: int = 0
    applied_count: int = 0
    applied_minutes: int = 0


@dataclass(frozen=True)
class ImportRowOutcome:
    """One row of a batch and what the node found of it (a care_import_rows row)."""

    batch_id: int
    row_number: int
    accepted: bool
    reason: str
    person_id: int
    minutes: int
    platform: str
    source_record_id: str
    name: str
    service_date: str
    activity: str
    organisation: str
    origin: str
    start_micros: int
