"""Values of the double-entry ledger: accounts, transfers, outcomes, limits.

Owns the vocabulary shared by the node and the clearinghouse. Every value is frozen;
nothing here does I/O or reads a clock. Amounts are integer minutes, ids are 128-bit
integers chosen by the client (0 and 2**128-1 are invalid).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "AMOUNT_MINUTES_MAX",
    "Account",
    "AccountKind",
    "AccountSpec",
    "BATCH_SIZE_MAX",
    "HOLDER_LENGTH_MAX",
    "ID_MAX",
    "INT64_MAX",
    "ItemResult",
    "MEMO_LENGTH_MAX",
    "Outcome",
    "Refusal",
    "Resolution",
    "SYSTEM_ACCOUNT_IDS",
    "SYSTEM_ACCOUNT_ID_MAX",
    "StoredTransfer",
    "TransferKind",
    "TransferRequest",
    "TransferState",
    "UNBOUNDED_KINDS",
    "format_hours",
]

ID_MAX = 2**128 - 1
SYSTEM_ACCOUNT_ID_MAX = 65_535
INT64_MAX = 2**63 - 1
AMOUNT_MINUTES_MAX = 1_000_000_000
HOLDER_LENGTH_MAX = 64
MEMO_LENGTH_MAX = 200
BATCH_SIZE_MAX = 8_000


class AccountKind(enum.IntEnum):
    MEMBER = 1
    ISSUANCE = 2
    CLEARING = 3
    DONATION_POOL = 4
    MALL = 5
    ADJUSTMENT = 6


class TransferKind(enum.IntEnum):
    SINGLE_PHASE = 1
    PENDING = 2
    POST_PENDING = 3
    VOID_PENDING = 4


class TransferState(enum.IntEnum):
    FINAL = 1
    PENDING = 2
    POSTED = 3
    VOIDED = 4


class Outcome(enum.IntEnum):
    """Result of one item, ordered by precedence: the lowest refusal that applies wins."""

    OK = 1
    EXISTS = 2
    INVALID = 3
    EXISTS_WITH_DIFFERENT_BODY = 4
    ID_ALREADY_REFUSED = 5
    NOT_FOUND = 6
    ACCOUNT_CLOSED = 7
    PENDING_ALREADY_RESOLVED = 8
    EXCEEDS_ORIGINAL = 9
    OVERFLOW = 10
    EXCEEDS_FLOOR = 11
    EXCEEDS_CAP = 12
    LINKED_EVENT_FAILED = 13

    @property
    def succeeded(self) -> bool:
        return self in (Outcome.OK, Outcome.EXISTS)

    @property
    def transient(self) -> bool:
        """Whether the refusal depends on the ledger's state (and so is remembered)."""
        return self in _TRANSIENT


_TRANSIENT = frozenset(
    {
        Outcome.NOT_FOUND,
        Outcome.ACCOUNT_CLOSED,
        Outcome.PENDING_ALREADY_RESOLVED,
        Outcome.EXCEEDS_ORIGINAL,
        Outcome.OVERFLOW,
        Outcome.EXCEEDS_FLOOR,
        Outcome.EXCEEDS_CAP,
    }
)

# The system accounts of every node, at fixed ids.
SYSTEM_ACCOUNT_IDS: dict[AccountKind, int] = {
    AccountKind.ISSUANCE: 1,
    AccountKind.CLEARING: 2,
    AccountKind.DONATION_POOL: 3,
    AccountKind.MALL: 4,
    AccountKind.ADJUSTMENT: 5,
}
# System accounts whose balance may go negative without bound.
UNBOUNDED_KINDS = frozenset({AccountKind.ISSUANCE, AccountKind.CLEARING, AccountKind.ADJUSTMENT})


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """An account as a client asks for it."""

    id: int
    kind: AccountKind
    holder: str
    no_floor: bool = False
    floor_minutes: int = 0
    cap_minutes: int = 0  # 0: no cap


@dataclass(frozen=True, slots=True)
class Account:
    """An account as stored, with its four balances."""

    spec: AccountSpec
    closed: bool = False
    debits_posted_minutes: int = 0
    credits_posted_minutes: int = 0
    debits_pending_minutes: int = 0
    credits_pending_minutes: int = 0
    created_at_micros: int = 0

    @property
    def id(self) -> int:
        return self.spec.id

    @property
    def balance_minutes(self) -> int:
        return self.credits_posted_minutes - self.debits_posted_minutes

    @property
    def available_minutes(self) -> int:
        """Balance, less pending debits, less the floor (accounts with no floor: none)."""
        spendable = self.balance_minutes - self.debits_pending_minutes
        return spendable if self.spec.no_floor else spendable - self.spec.floor_minutes


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """A transfer as a client submits it. Absent ids are 0."""

    id: int
    kind: TransferKind
    debit_account_id: int
    credit_account_id: int
    amount_minutes: int
    pending_id: int = 0
    reverses_id: int = 0
    linked: bool = False
    memo: str = ""


@dataclass(frozen=True, slots=True)
class StoredTransfer:
    """A transfer as accepted: accounts and amount resolved, plus what the node assigned.

    sequence is 0 until storage assigns it.
    """

    request: TransferRequest
    created_at_micros: int
    debit_balance_after_minutes: int
    credit_balance_after_minutes: int
    sequence: int = 0

    @property
    def id(self) -> int:
        return self.request.id


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a pending transfer was resolved, exactly once."""

    pending_id: int
    resolved_by_id: int
    state: TransferState  # POSTED or VOIDED


@dataclass(frozen=True, slots=True)
class Refusal:
    """A transfer id refused for the ledger's state: the same id stays refused."""

    request: TransferRequest
    outcome: Outcome
    detail: str


@dataclass(frozen=True, slots=True)
class ItemResult:
    id: int
    outcome: Outcome
    detail: str = ""

    @property
    def transient(self) -> bool:
        return self.outcome.transient


def format_hours(minutes: int) -> str:
    """Minutes shown as hours with two decimals, half away from zero: 90 -> '1.50', 70 -> '1.17'."""
    sign = "-" if minutes < 0 else ""
    hundredths = (abs(minutes) * 100 * 2 + 60) // 120
    whole, rest = divmod(hundredths, 100)
    return f"{sign}{whole}.{rest:02d}"
