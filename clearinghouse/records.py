"""The clearinghouse's values and states, as its domain modules decide with them.

Owns the shapes shared by the domain modules (coordinator, settlement, registry, reports)
and the store modules that read and write them: the record of a cross-node transfer, an
admitted node, a settlement cycle, a node's position in the books, a person's home node,
an item processed, and the states stored as strings (`enum.StrEnum` members whose values
are the stored strings, byte for byte). The id of a node's account in the books is derived
here, from the node's id only.

Must not: do I/O, read the clock, import SQLAlchemy, gRPC or the wire messages. Invariant:
a state's value is exactly what the database holds; a `CrossRecord` is changed only by the
batch that read it, and written back by that batch.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from timebank.protocol import Item
from timebank.recon.model import Position

__all__ = [
    "AUDITOR_PARTY",
    "BUREAU_PARTY",
    "AccountPosition",
    "AlertAcknowledged",
    "ClosedCycle",
    "CrossRecord",
    "CrossState",
    "Lease",
    "node_account_id",
    "NodeRecord",
    "NodeStatus",
    "OpenCycle",
    "PersonHome",
    "ProcessedItem",
    "ReceivedHeader",
    "RegistryAction",
    "StoredCycle",
]


# The parties of the certificates the bureau's calls accept: the bureau, and auditors (reads).
BUREAU_PARTY, AUDITOR_PARTY = "bureau", "auditor"


class CrossState(enum.StrEnum):
    """Where a cross-node transfer is at the clearinghouse (cross_transfers.state)."""

    PREPARED = "prepared"
    COMMITTED = "committed"
    ABORTED = "aborted"


class NodeStatus(enum.StrEnum):
    """A node's standing in the registry (registry_nodes.status)."""

    ACTIVE = "active"
    SUSPENDED = "suspended"


class RegistryAction(enum.StrEnum):
    """What a registry change did (registry_events.action, and its log leaf)."""

    ADMITTED = "admitted"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    KEY_ADDED = "key-added"
    KEY_ROTATED = "key-rotated"
    KEY_REVOKED = "key-revoked"


def node_account_id(node_id: str) -> int:
    """The id of a node's account in the clearinghouse's books."""
    return int.from_bytes(hashlib.sha256(b"node-account\x00" + node_id.encode()).digest()[:16], "big")


@dataclass
class CrossRecord:
    """The clearinghouse's record of one cross-node transfer (a row of cross_transfers).

    Mutable within one batch only: the batch that read or made it decides it, and writes it.
    """

    transfer_id: int
    body: bytes
    debit_node_id: str
    credit_node_id: str
    originator_node_id: str
    amount_minutes: int
    state: CrossState
    reason: str
    prepared_at_micros: int
    expires_at_micros: int
    decided_at_micros: int | None
    returns_id: int
    cycle_id: int | None = None
    prepare_log_index: int | None = None
    decision_log_index: int | None = None


@dataclass(frozen=True)
class NodeRecord:
    """An admitted node, its standing and its limits (a row of registry_nodes)."""

    node_id: str
    display_name: str
    kind: str
    status: NodeStatus
    net_debit_cap_minutes: int
    pending_cap_minutes: int
    admitted_at_micros: int


@dataclass(frozen=True)
class OpenCycle:
    cycle_id: int
    opened_at_micros: int
    closes_at_micros: int


@dataclass(frozen=True)
class StoredCycle:
    """A settlement cycle as stored (a row of cycles); closed_at_micros is None while open."""

    cycle_id: int
    opened_at_micros: int
    closes_at_micros: int
    closed_at_micros: int | None
    scheduled: bool | None
    close_log_index: int | None


@dataclass(frozen=True)
class ClosedCycle:
    """What a close of a cycle recorded: every node's position, and the cycle's totals."""

    cycle_id: int
    opened_at_micros: int
    closed_at_micros: int
    scheduled: bool
    committed_count: int
    committed_minutes: int
    positions: tuple[Position, ...]


@dataclass(frozen=True)
class AccountPosition:
    """A node's position in the clearinghouse's books: + the city owes it, - it owes."""

    node_id: str
    balance_minutes: int
    pending_out_minutes: int
    pending_in_minutes: int


@dataclass(frozen=True)
class PersonHome:
    """The node a person is registered with (a row of person_homes)."""

    identity_hash: bytes
    node_id: str
    person_id: int
    claimed_at_micros: int


@dataclass(frozen=True)
class ProcessedItem:
    """An item a node sent, processed durably; its answer goes again on a redelivery."""

    sender_id: str
    item_id: int
    processed_at_micros: int
    answer: Item | None


@dataclass(frozen=True)
class ReceivedHeader:
    """A node's batch as it was signed: the header's bytes, the key and the signature (logged)."""

    header: bytes
    key_id: str
    signature: bytes


@dataclass(frozen=True)
class Lease:
    """Which process is the active clearinghouse: its fencing term, instance name, the
    address it serves on (a standby names it), since when and until when it leads."""

    term: int
    holder: str
    address: str
    since_micros: int
    expires_at_micros: int

    def live(self, now_micros: int) -> bool:
        return now_micros < self.expires_at_micros

    def describe(self) -> str:
        return f"{self.holder} at {self.address} (term {self.term})"


@dataclass(frozen=True)
class AlertAcknowledged:
    """The bureau acknowledged one of a node's open alerts (alert_acknowledgements); delivered:
    the node acknowledged the item that carried it."""

    node_id: str
    alert_id: int
    account: str
    note: str
    acknowledged_at_micros: int
    delivered: bool = False
