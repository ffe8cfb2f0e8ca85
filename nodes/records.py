"""A node's values for its half of the cross-node protocol: the states of its legs, recalls,
consents and home claims, and the requests and views the services pass across.

Owns no behaviour and imports neither the database nor the wire: the store turns rows into
these values, the domain modules decide on them, the wire turns them into messages. Each
state is a StrEnum, so it equals the string stored in its table's column.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "ClaimState",
    "ConsentGrant",
    "ConsentKind",
    "ConsentRecord",
    "CrossRequest",
    "CrossView",
    "Leg",
    "LegState",
    "RecallRecord",
    "RecallState",
    "RecallView",
    "Side",
]


class LegState(enum.StrEnum):
    """This node's leg of a cross-node transfer: held until the clearinghouse decides."""

    HELD = "held"
    COMMITTED = "committed"
    ABORTED = "aborted"
    REFUSED = "refused"  # this node voted no; it waits for the clearinghouse's ABORT

    @property
    def decided(self) -> bool:
        return self in (LegState.COMMITTED, LegState.ABORTED)

    @property
    def as_reported(self) -> LegState:
        """The state a reader is told: a refused leg can only end aborted."""
        return LegState.ABORTED if self is LegState.REFUSED else self


UNDECIDED = (LegState.HELD, LegState.REFUSED)


class Side(enum.StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"


class RecallState(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    REFUSED = "refused"


class ConsentKind(enum.StrEnum):
    CODE = "code"  # a one-time code: used once, whatever the amount
    MANDATE = "mandate"  # a standing mandate: used up to its limit


class ClaimState(enum.StrEnum):
    SENT = "sent"
    CONFIRMED = "confirmed"
    REFUSED = "refused"


@dataclass(frozen=True)
class CrossRequest:
    id: int
    local_account_id: int
    remote_node_id: str
    remote_account_id: int
    amount_minutes: int
    memo: str = ""
    pull: bool = False
    one_time_code: str = ""
    mandate_id: int = 0
    returns_id: int = 0


@dataclass(frozen=True)
class Leg:
    """This node's record of its leg of one cross-node transfer."""

    transfer_id: int
    side: Side
    originator: bool
    counterparty_node_id: str
    local_account_id: int
    remote_account_id: int
    amount_minutes: int
    memo: str
    state: LegState
    reason: str
    created_at_micros: int
    decided_at_micros: int | None = None
    cycle_id: int | None = None


@dataclass(frozen=True)
class CrossView:
    request: CrossRequest
    state: str
    reason: str
    originator: bool
    side: str
    created_at_micros: int = 0
    decided_at_micros: int = 0  # 0: not decided yet
    cycle_id: int = 0  # the settlement cycle of a commit; 0: none yet


@dataclass(frozen=True)
class RecallRecord:
    """A recall as stored: asked here of a counterparty, or asked of this node."""

    recall_id: int
    original_id: int
    requested_here: bool
    counterparty_node_id: str
    amount_minutes: int
    reason: str
    state: RecallState
    answer_reason: str
    return_transfer_id: int
    created_at_micros: int
    answered_at_micros: int | None


@dataclass(frozen=True)
class RecallView:
    recall_id: int
    original_id: int
    amount_minutes: int
    reason: str
    requested_here: bool
    counterparty_node_id: str
    state: str
    answer_reason: str
    return_transfer_id: int


@dataclass(frozen=True)
class ConsentRecord:
    """A holder's consent to pulls from their account: a one-time code (stored by its hash) or a mandate."""

    consent_id: str
    kind: ConsentKind
    holder_account_id: int
    beneficiary_node_id: str
    limit_minutes: int
    used_minutes: int
    expires_at_micros: int
    created_at_micros: int


@dataclass(frozen=True)
class ConsentGrant:
    one_time_code: str
    mandate_id: int
    expires_at_micros: int
