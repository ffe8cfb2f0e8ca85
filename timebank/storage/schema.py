"""The shared kernel's tables: the ledger, the mail between parties, the transparency log, alarms, statements.

Every party's database holds these: the books (accounts, transfers, pending resolutions,
refusals; transfers are never updated or deleted, accounts keep running totals), the
outbox and inbox of the cross-node protocol, the transparency log and the keys it
introduced, alarms and statement pages. A party's own tables are defined by the party
(`nodes.tables`, `clearinghouse.tables`) on a MetaData made by `party_metadata`, which
copies these in, so each party's schema is exactly its tables and the kernel's.

Ids are stored as 32 lowercase hexadecimal digits. CHECK constraints repeat the ledger's
limits in the database itself, so even a bug above cannot overdraw an account.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = [
    "BYTES",
    "ID",
    "NAMING_CONVENTION",
    "PARTY",
    "PartySchema",
    "SEQUENCE",
    "accounts",
    "alarms",
    "inbox",
    "log_checkpoints",
    "log_entries",
    "log_head",
    "log_nodes",
    "metadata",
    "outbox",
    "party_metadata",
    "pending_resolutions",
    "refusals",
    "registry_keys",
    "statements",
    "transfers",
]

ID = String(32)
SEQUENCE = BigInteger().with_variant(Integer, "sqlite")  # SQLite: rowid alias

BYTES = LargeBinary
PARTY = String(32)
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

accounts = Table(
    "accounts",
    metadata,
    Column("id", ID, primary_key=True),
    Column("kind", SmallInteger, nullable=False),
    Column("holder", String(64), nullable=False),
    Column("no_floor", Boolean, nullable=False),
    Column("floor_minutes", BigInteger, nullable=False),
    Column("cap_minutes", BigInteger, nullable=False),
    Column("closed", Boolean, nullable=False),
    Column("debits_posted_minutes", BigInteger, nullable=False),
    Column("credits_posted_minutes", BigInteger, nullable=False),
    Column("debits_pending_minutes", BigInteger, nullable=False),
    Column("credits_pending_minutes", BigInteger, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    CheckConstraint(
        "debits_posted_minutes >= 0 AND credits_posted_minutes >= 0 "
        "AND debits_pending_minutes >= 0 AND credits_pending_minutes >= 0",
        name="totals_not_negative",
    ),
    CheckConstraint(
        "no_floor OR credits_posted_minutes - debits_posted_minutes - debits_pending_minutes >= floor_minutes",
        name="floor",
    ),
    CheckConstraint(
        "cap_minutes = 0 OR credits_posted_minutes + credits_pending_minutes - debits_posted_minutes <= cap_minutes",
        name="cap",
    ),
)


def _transfer_body(accounts_table: str | None) -> list[Column]:  # type: ignore[type-arg]
    """The columns of a transfer as submitted; account ids reference accounts_table if given."""

    def account_column(name: str) -> Column:  # type: ignore[type-arg]
        if accounts_table is None:
            return Column(name, ID, nullable=False)
        return Column(name, ID, ForeignKey(f"{accounts_table}.id"), nullable=False)

    return [
        Column("kind", SmallInteger, nullable=False),
        account_column("debit_account_id"),
        account_column("credit_account_id"),
        Column("amount_minutes", BigInteger, nullable=False),
        Column("pending_id", ID, nullable=True),
        Column("reverses_id", ID, nullable=True),
        Column("memo", String(200), nullable=False),
    ]


transfers = Table(
    "transfers",
    metadata,
    Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
    Column("id", ID, nullable=False, unique=True),
    *_transfer_body("accounts"),
    Column("created_at_micros", BigInteger, nullable=False),
    Column("debit_balance_after_minutes", BigInteger, nullable=False),
    Column("credit_balance_after_minutes", BigInteger, nullable=False),
    CheckConstraint("amount_minutes >= 0", name="amount_not_negative"),
    CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
    Index("ix_transfers_debit_account_sequence", "debit_account_id", "sequence"),
    Index("ix_transfers_credit_account_sequence", "credit_account_id", "sequence"),
    Index("ix_transfers_reverses_id", "reverses_id"),
)

# One row per resolved pending transfer: the primary key makes "exactly once" a database fact.
pending_resolutions = Table(
    "pending_resolutions",
    metadata,
    Column("pending_id", ID, ForeignKey("transfers.id"), primary_key=True),
    Column("resolved_by_id", ID, ForeignKey("transfers.id"), nullable=False, unique=True),
    Column("state", SmallInteger, nullable=False),
)

# Transfer ids refused for the ledger's state, with the body that was refused.
refusals = Table(
    "refusals",
    metadata,
    Column("id", ID, primary_key=True),
    *_transfer_body(None),
    Column("outcome", SmallInteger, nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
)


# -- the mail of the cross-node protocol (every party) ------------------------------------------

# Items this party must deliver, written in the same transaction as the state change
# that produced them, sent until the receiver acknowledges them.
outbox = Table(
    "outbox",
    metadata,
    Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
    Column("recipient_id", PARTY, nullable=False),
    Column("item_id", ID, nullable=False),
    Column("item", BYTES, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    Column("acknowledged_at_micros", BigInteger, nullable=True),
    # When it was last sent (the clearinghouse's mail: one delivery in flight at a time).
    Column("delivered_at_micros", BigInteger, nullable=True),
    UniqueConstraint("recipient_id", "item_id"),
    Index("ix_outbox_recipient_open", "recipient_id", "acknowledged_at_micros", "sequence"),
)

# Items received and processed durably: a second delivery is acknowledged, not applied.
inbox = Table(
    "inbox",
    metadata,
    Column("sender_id", PARTY, primary_key=True),
    Column("item_id", ID, primary_key=True),
    Column("processed_at_micros", BigInteger, nullable=False),
    # What this party answered (a receipt), returned again on a redelivery.
    Column("answer", BYTES, nullable=True),
)

# Every signing key a party's log introduced (its own, and at the clearinghouse the nodes'),
# with the entry that introduced it.
registry_keys = Table(
    "registry_keys",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("party_id", PARTY, nullable=False),
    Column("public_key", BYTES, nullable=False),
    Column("valid_from_micros", BigInteger, nullable=False),
    Column("valid_until_micros", BigInteger, nullable=True),
    Column("revoked_at_micros", BigInteger, nullable=True),
    # The log entry that introduced the key (for proofs a holder can check offline).
    Column("log_index", BigInteger, nullable=True),
)


# -- the transparency log (timebank.translog) ------------------------------------------------

# One row: the log's id, size, last leaf hash and the roots of the perfect subtrees that
# cover it (the "compact range", left to right). Every append locks it, so appends are
# serialised and the tree never forks.
log_head = Table(
    "log_head",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("log_id", PARTY, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("last_hash", BYTES, nullable=False),
    Column("frontier", BYTES, nullable=False),
    CheckConstraint("id = 1", name="single_row"),
    CheckConstraint("size >= 0", name="size_not_negative"),
)

# Each leaf's exact bytes; never updated or deleted.
log_entries = Table(
    "log_entries",
    metadata,
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("data", BYTES, nullable=False),
    Column("logged_at_micros", BigInteger, nullable=False),
)

# The hash of every perfect subtree: level 0 are the leaf hashes, level k covers leaves
# [position * 2**k, (position + 1) * 2**k). Proofs are read from here, never recomputed.
log_nodes = Table(
    "log_nodes",
    metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", BYTES, nullable=False),
)

# Checkpoints this party signed, by size.
log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root_hash", BYTES, nullable=False),
    Column("timestamp_micros", BigInteger, nullable=False),
    Column("signed", BYTES, nullable=False),  # SignedCheckpoint bytes
)


# Conditions an operator must see: an inconsistent checkpoint stops cross-node traffic.
alarms = Table(
    "alarms",
    metadata,
    Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("raised_at_micros", BigInteger, nullable=False),
    Column("cleared_at_micros", BigInteger, nullable=True),
    Column("cleared_reason", Text, nullable=True),
    Index("ix_alarms_open", "cleared_at_micros"),
)

# -- settlement statements ---------------------------------------------------------------------

# Statement pages: at a node, the ones it made; at the clearinghouse, the ones received.
statements = Table(
    "statements",
    metadata,
    Column("node_id", PARTY, primary_key=True),
    Column("cycle_id", BigInteger, primary_key=True, autoincrement=False),
    Column("page", Integer, primary_key=True, autoincrement=False),
    Column("signed", BYTES, nullable=False),  # SignedStatement bytes
    Column("closing_minutes", BigInteger, nullable=False),
    Column("recorded_at_micros", BigInteger, nullable=False),
)


def party_metadata() -> MetaData:
    """A new MetaData holding a copy of every kernel table, for one party to define its own tables on."""
    party = MetaData(naming_convention=NAMING_CONVENTION)
    for table in metadata.sorted_tables:
        table.to_metadata(party)
    return party


@dataclass(frozen=True)
class PartySchema:
    """What one kind of party's database holds and how it gets there.

    name: the party kind ("node", "clearinghouse"), used in messages; metadata: its tables
    (the kernel's and its own); versions: the folder of its own migrations, which continue
    the shared history in `timebank/storage/migrations/versions` (see timebank.storage.migrate).
    """

    name: str
    metadata: MetaData
    versions: pathlib.Path
