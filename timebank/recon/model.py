"""Values of a reconciliation: the clearinghouse's view of a cycle, the nodes' statements, breaks and the report.

Every value is frozen and plain (no protobuf, no database rows). Amounts are integer minutes,
transfer ids 128-bit integers, times microseconds since the Unix epoch (UTC).
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

__all__ = [
    "ABORTED",
    "AMOUNT_MISMATCH",
    "BREAK_KINDS",
    "Break",
    "COMMITTED",
    "ClearingEntry",
    "ClearingView",
    "ENTRY_STATES",
    "MISSING_AT_CLEARINGHOUSE",
    "MISSING_AT_NODE",
    "NodeStatement",
    "OPENING_MISMATCH",
    "PENDING_PAST_EXPIRY",
    "POSITION_MISMATCH",
    "PREPARED",
    "Position",
    "Report",
    "SIGNATURE_INVALID",
    "STATEMENT_MISSING",
    "StatementLine",
    "format_instant",
]

# ClearingEntry.state values.
COMMITTED = "committed"
PREPARED = "prepared"
ABORTED = "aborted"
ENTRY_STATES = (COMMITTED, PREPARED, ABORTED)

# Break.kind values; BREAK_KINDS lists them in the report's order (alphabetical).
STATEMENT_MISSING = "statement-missing"
SIGNATURE_INVALID = "signature-invalid"
MISSING_AT_NODE = "missing-at-node"
MISSING_AT_CLEARINGHOUSE = "missing-at-clearinghouse"
AMOUNT_MISMATCH = "amount-mismatch"
PENDING_PAST_EXPIRY = "pending-past-expiry"
OPENING_MISMATCH = "opening-mismatch"
POSITION_MISMATCH = "position-mismatch"
BREAK_KINDS = (
    AMOUNT_MISMATCH,
    MISSING_AT_CLEARINGHOUSE,
    MISSING_AT_NODE,
    OPENING_MISMATCH,
    PENDING_PAST_EXPIRY,
    POSITION_MISMATCH,
    SIGNATURE_INVALID,
    STATEMENT_MISSING,
)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Position:
    """One node in one cycle, as the clearinghouse sees it.

    node_id: the node.
    debits_minutes, debit_count: hours the node sent to other nodes in the cycle, and how many transfers.
    credits_minutes, credit_count: hours the node received from other nodes in the cycle, and how many transfers.
    net_minutes: credits_minutes - debits_minutes.
    closing_minutes: the previous cycle's closing plus net_minutes; positive: the city owes the node.
    """

    node_id: str
    debits_minutes: int
    debit_count: int
    credits_minutes: int
    credit_count: int
    net_minutes: int
    closing_minutes: int


@dataclass(frozen=True, slots=True)
class ClearingEntry:
    """The clearinghouse's record of one cross-node transfer relevant to the cycle.

    transfer_id: the cross-node transfer id.
    debit_node_id: the node the hours leave; credit_node_id: the node they reach.
    amount_minutes: the amount, positive.
    state: COMMITTED (in this cycle), PREPARED (no decision yet at report time) or ABORTED.
    expires_at_micros: when the prepare expires; a prepare still open at the cycle's close past
        this time is a break.
    """

    transfer_id: int
    debit_node_id: str
    credit_node_id: str
    amount_minutes: int
    state: str
    expires_at_micros: int

    def __post_init__(self) -> None:
        if self.state not in ENTRY_STATES:
            raise ValueError(f"state: got {self.state!r}, want one of {', '.join(ENTRY_STATES)}")


@dataclass(frozen=True)
class ClearingView:
    """What the clearinghouse knows of one closed cycle.

    cycle_id: the cycle.
    opened_at_micros, closed_at_micros: the cycle's period, [opened, closed).
    positions: one per node of the city, even a node with no movement.
    entries: every transfer committed in the cycle, plus every transfer still prepared.
    node_names: node id -> display name, for the HTML; a node without a name is shown by its id.
    """

    cycle_id: int
    opened_at_micros: int
    closed_at_micros: int
    positions: tuple[Position, ...]
    entries: tuple[ClearingEntry, ...]
    node_names: dict[str, str]


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One entry of a node's statement.

    transfer_id: the cross-node transfer id.
    amount_minutes: the amount, positive.
    credit: True when the hours came in to the node, False when they left it.
    counterparty_node_id: the other node of the transfer.
    pending: True while the node holds the hours with no decision (PDNG), False when booked (BOOK).
    """

    transfer_id: int
    amount_minutes: int
    credit: bool
    counterparty_node_id: str
    pending: bool


@dataclass(frozen=True)
class NodeStatement:
    """A node's signed statement of one cycle, its pages merged by the caller.

    node_id, cycle_id: whose statement, of which cycle.
    created_at_micros: when the node made it.
    signature_problem: "" when every page's signature verified, else why not.
    opening_minutes, closing_minutes: the node's position before and after the cycle; positive: the city owes the node.
    debits_minutes, debit_count: booked hours the node sent in the cycle, and how many transfers.
    credits_minutes, credit_count: booked hours the node received in the cycle, and how many transfers.
    pending_minutes, pending_count: holds with no decision yet when the statement was made.
    lines: every entry of every page, in page order (empty in a report: see without_lines).
    line_count: how many lines the statement has; by default len(lines).
    """

    node_id: str
    cycle_id: int
    created_at_micros: int
    signature_problem: str
    opening_minutes: int
    closing_minutes: int
    debits_minutes: int
    debit_count: int
    credits_minutes: int
    credit_count: int
    pending_minutes: int
    pending_count: int
    lines: tuple[StatementLine, ...]
    line_count: int = -1

    def __post_init__(self) -> None:
        if self.line_count == -1:
            object.__setattr__(self, "line_count", len(self.lines))

    def without_lines(self) -> NodeStatement:
        """The statement's summary: its lines dropped, their count kept (a report keeps no lines)."""
        return dataclasses.replace(self, lines=(), line_count=self.line_count)


@dataclass(frozen=True, slots=True)
class Break:
    """One disagreement found by the reconciliation.

    kind: one of BREAK_KINDS.
    node_id: the node concerned (for a transfer the clearinghouse alone holds open, its debit node).
    transfer_id: the transfer concerned, None for a break about a whole statement.
    detail: a sentence naming both sides' values.
    """

    kind: str
    node_id: str
    transfer_id: int | None
    detail: str

    @property
    def sort_key(self) -> tuple[str, str, int]:
        """Kind, node, then transfer id (a statement-wide break first)."""
        return (self.kind, self.node_id, -1 if self.transfer_id is None else self.transfer_id)


@dataclass(frozen=True)
class Report:
    """The reconciliation of one cycle.

    cycle_id: the cycle.
    generated_at_micros: when the report was made.
    opened_at_micros, closed_at_micros: the cycle's period, [opened, closed).
    positions: the clearinghouse's positions, by node id.
    statements: node id -> its statement without its lines (NodeStatement.without_lines), None when it sent
        none; every node of the view (and any other node that sent one), by node id.
    flows: (debit node, credit node) -> minutes committed in the cycle, by node ids.
    breaks: every break, sorted by kind, node, transfer id.
    node_names: node id -> display name.
    committed_count: how many transfers were committed in the cycle.
    """

    cycle_id: int
    generated_at_micros: int
    opened_at_micros: int
    closed_at_micros: int
    positions: tuple[Position, ...]
    statements: dict[str, NodeStatement | None]
    flows: dict[tuple[str, str], int]
    breaks: tuple[Break, ...]
    node_names: dict[str, str]
    committed_count: int

    @property
    def committed_minutes(self) -> int:
        return sum(self.flows.values())

    @property
    def nets_sum_to_zero(self) -> bool:
        return sum(position.net_minutes for position in self.positions) == 0

    def node_name(self, node_id: str) -> str:
        """The node's display name, or its id when it has none."""
        return self.node_names.get(node_id) or node_id


def format_instant(micros: int) -> str:
    """Microseconds since the epoch as ISO 8601 UTC: 1767225600000000 -> '2026-01-01T00:00:00.000000Z'."""
    moment = _EPOCH + datetime.timedelta(microseconds=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
