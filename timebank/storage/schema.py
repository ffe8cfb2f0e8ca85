"""The ledger's tables. Transfers are never updated or deleted; accounts keep running totals.

Ids are stored as 32 lowercase hexadecimal digits. CHECK constraints repeat the ledger's
limits in the database itself, so even a bug above cannot overdraw an account.
"""

from __future__ import annotations

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

ID = String(32)
SEQUENCE = BigInteger().with_variant(Integer, "sqlite")  # SQLite: rowid alias

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

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


# ---------------------------------------------------------------------------------------
# The cross-node protocol. Nodes use outbox, inbox and remote_transfers; the clearinghouse
# uses the others. One schema serves both, so one migration chain does.

BYTES = LargeBinary
PARTY = String(32)

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

# A node's view of the cross-node transfers it holds a leg of.
remote_transfers = Table(
    "remote_transfers",
    metadata,
    Column("transfer_id", ID, primary_key=True),
    Column("side", String(8), nullable=False),  # debit or credit
    Column("originator", Boolean, nullable=False),
    Column("counterparty_node_id", PARTY, nullable=False),
    Column("local_account_id", ID, nullable=False),
    Column("remote_account_id", ID, nullable=False),
    Column("amount_minutes", BigInteger, nullable=False),
    Column("memo", String(200), nullable=False),
    Column("state", String(12), nullable=False),  # held, committed, aborted, refused
    Column("reason", Text, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    Column("decided_at_micros", BigInteger, nullable=True),
    # The settlement cycle the clearinghouse stamped on its COMMIT.
    Column("cycle_id", BigInteger, nullable=True),
    Index("ix_remote_transfers_state", "state", "created_at_micros"),
    Index("ix_remote_transfers_cycle", "cycle_id"),
)

# The clearinghouse's record of every cross-node transfer: the commit point.
cross_transfers = Table(
    "cross_transfers",
    metadata,
    Column("transfer_id", ID, primary_key=True),
    Column("body", BYTES, nullable=False),  # the CrossTransfer bytes as first prepared
    Column("debit_node_id", PARTY, nullable=False),
    Column("credit_node_id", PARTY, nullable=False),
    Column("originator_node_id", PARTY, nullable=False),
    Column("amount_minutes", BigInteger, nullable=False),
    Column("state", String(12), nullable=False),  # prepared, committed, aborted
    Column("reason", Text, nullable=False),
    Column("prepared_at_micros", BigInteger, nullable=False),
    Column("expires_at_micros", BigInteger, nullable=False),
    Column("decided_at_micros", BigInteger, nullable=True),
    # A return after a recall names the original it gives back.
    Column("returns_id", ID, nullable=True),
    # The settlement cycle of a COMMIT; where its prepare and its decision are in the log.
    Column("cycle_id", BigInteger, nullable=True),
    Column("prepare_log_index", BigInteger, nullable=True),
    Column("decision_log_index", BigInteger, nullable=True),
    Index("ix_cross_transfers_state_expiry", "state", "expires_at_micros"),
    Index("ix_cross_transfers_cycle", "cycle_id"),
    Index("ix_cross_transfers_returns_id", "returns_id"),
)

# Batches already accepted, by id: a replayed batch is refused.
seen_batches = Table(
    "seen_batches",
    metadata,
    Column("batch_id", ID, primary_key=True),
    Column("sender_id", PARTY, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    Index("ix_seen_batches_created_at", "created_at_micros"),
)

# The clearinghouse's registry of admitted nodes and their keys; every change is logged.
registry_nodes = Table(
    "registry_nodes",
    metadata,
    Column("node_id", PARTY, primary_key=True),
    Column("display_name", String(64), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("status", String(12), nullable=False),  # active or suspended
    Column("net_debit_cap_minutes", BigInteger, nullable=False),
    Column("pending_cap_minutes", BigInteger, nullable=False),
    Column("admitted_at_micros", BigInteger, nullable=False),
)

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

registry_events = Table(
    "registry_events",
    metadata,
    Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
    Column("at_micros", BigInteger, nullable=False),
    Column("action", String(16), nullable=False),
    Column("node_id", PARTY, nullable=False),
    Column("detail", Text, nullable=False),
)


# A holder's consent to be debited by another node's redemption: a one-time code (stored
# as its SHA-256 only) or a standing mandate, each with a limit and an expiry.
consents = Table(
    "consents",
    metadata,
    Column("consent_id", String(64), primary_key=True),  # SHA-256 of the code, or the mandate id
    Column("kind", String(8), nullable=False),  # code or mandate
    Column("holder_account_id", ID, ForeignKey("accounts.id"), nullable=False),
    Column("beneficiary_node_id", PARTY, nullable=False),  # "" : any node
    Column("limit_minutes", BigInteger, nullable=False),
    Column("used_minutes", BigInteger, nullable=False),
    Column("expires_at_micros", BigInteger, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    CheckConstraint("used_minutes >= 0 AND used_minutes <= limit_minutes", name="within_limit"),
)


# Recalls of committed cross-node transfers, as each node sees them (asked, or asked of it).
recalls = Table(
    "recalls",
    metadata,
    Column("recall_id", ID, primary_key=True),
    Column("original_id", ID, nullable=False),
    Column("requested_here", Boolean, nullable=False),
    Column("counterparty_node_id", PARTY, nullable=False),
    Column("amount_minutes", BigInteger, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("state", String(12), nullable=False),  # requested, accepted, refused
    Column("answer_reason", Text, nullable=False),
    Column("return_transfer_id", ID, nullable=True),
    Column("created_at_micros", BigInteger, nullable=False),
    Column("answered_at_micros", BigInteger, nullable=True),
    Index("ix_recalls_state", "state", "created_at_micros"),
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

# The latest checkpoint of another party's log this party verified (a node: the
# clearinghouse's), and the consistency of each new one is checked against it.
peer_checkpoints = Table(
    "peer_checkpoints",
    metadata,
    Column("log_id", PARTY, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root_hash", BYTES, nullable=False),
    Column("signed", BYTES, nullable=False),
    Column("verified_at_micros", BigInteger, nullable=False),
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

# -- settlement cycles -------------------------------------------------------------------------

# The clearinghouse's cycles: one open at a time (closed_at_micros null).
cycles = Table(
    "cycles",
    metadata,
    Column("cycle_id", BigInteger, primary_key=True, autoincrement=False),
    Column("opened_at_micros", BigInteger, nullable=False),
    Column("closes_at_micros", BigInteger, nullable=False),  # the scheduled cut-off
    Column("closed_at_micros", BigInteger, nullable=True),
    Column("scheduled", Boolean, nullable=True),
    Column("close_log_index", BigInteger, nullable=True),
    Index("ix_cycles_open", "closed_at_micros"),
)

# Each node's position in each closed cycle, as the clearinghouse computed it.
cycle_positions = Table(
    "cycle_positions",
    metadata,
    Column("cycle_id", BigInteger, primary_key=True, autoincrement=False),
    Column("node_id", PARTY, primary_key=True),
    Column("debits_minutes", BigInteger, nullable=False),
    Column("debit_count", BigInteger, nullable=False),
    Column("credits_minutes", BigInteger, nullable=False),
    Column("credit_count", BigInteger, nullable=False),
    Column("net_minutes", BigInteger, nullable=False),
    Column("closing_minutes", BigInteger, nullable=False),
)

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

# -- the time-bank services of a node (nodes.care) --------------------------------------------
# The ledger holds the hours; these tables hold what the services know about people and
# their orders. Every movement of hours below names the ledger transfer behind it.

# People registered at this node. The identity number is kept only as a keyed hash (for
# lookups and duplicate detection) and a masked form (for display).
care_people = Table(
    "care_people",
    metadata,
    Column("person_id", ID, primary_key=True),
    Column("role", String(12), nullable=False),  # volunteer, elder, proxy
    Column("name", String(40), nullable=False),
    Column("identity_hash", String(64), nullable=False, unique=True),
    Column("identity_masked", String(24), nullable=False),
    Column("birth_date", String(10), nullable=False),
    Column("community", String(40), nullable=False),
    Column("home_node_id", PARTY, nullable=False),
    Column("state", String(12), nullable=False),  # pending, approved, rejected
    Column("review_reason", String(200), nullable=False),
    Column("reviewed_by", String(40), nullable=False),
    Column("hardship", Boolean, nullable=False),
    Column("group_locked_minutes", BigInteger, nullable=False),
    Column("registered_at_micros", BigInteger, nullable=False),
    Column("reviewed_at_micros", BigInteger, nullable=False),
    CheckConstraint("group_locked_minutes >= 0", name="group_locked_not_negative"),
    Index("ix_care_people_state", "state", "role"),
)

# Family relationships and proxies, verified by an operator before they count.
care_relationships = Table(
    "care_relationships",
    metadata,
    Column("relationship_id", ID, primary_key=True),
    Column("kind", String(8), nullable=False),  # family, proxy
    Column("person_id", ID, nullable=False),
    Column("other_node_id", PARTY, nullable=False),
    Column("other_person_id", ID, nullable=False),
    Column("relation", String(40), nullable=False),
    Column("state", String(12), nullable=False),  # pending, verified, rejected
    Column("review_reason", String(200), nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    Index("ix_care_relationships_person_id", "person_id", "kind"),
    Index("ix_care_relationships_other_person_id", "other_person_id", "kind"),
)

# Catalogue items added by operators (the shipped catalogue is data in nodes.care.catalogue).
care_catalogue = Table(
    "care_catalogue",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name_zh", String(40), nullable=False),
    Column("name_en", String(80), nullable=False),
    Column("category", String(32), nullable=False),
    Column("professional", Boolean, nullable=False),
    Column("qualifications", String(200), nullable=False),  # comma-separated kinds
    Column("rate_percent", Integer, nullable=False),
    Column("group_activity", Boolean, nullable=False),
)

care_qualifications = Table(
    "care_qualifications",
    metadata,
    Column("qualification_id", ID, primary_key=True),
    Column("person_id", ID, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("issuer", String(80), nullable=False),
    Column("number", String(40), nullable=False),
    Column("scope", String(80), nullable=False),
    Column("expires_on", String(10), nullable=False),
    Column("state", String(12), nullable=False),
    Column("review_reason", String(200), nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    Index("ix_care_qualifications_person_id", "person_id"),
)

# Demands and, once accepted, service orders.
care_orders = Table(
    "care_orders",
    metadata,
    Column("order_id", ID, primary_key=True),
    Column("elder_id", ID, nullable=False),
    Column("publisher_id", ID, nullable=False),
    Column("item_code", String(32), nullable=False),
    Column("window_start_micros", BigInteger, nullable=False),
    Column("window_end_micros", BigInteger, nullable=False),
    Column("community", String(40), nullable=False),
    Column("place", String(80), nullable=False),
    Column("notes", String(200), nullable=False),
    Column("paid_by", String(8), nullable=False),  # node, elder
    Column("state", String(12), nullable=False),
    Column("volunteer_id", ID, nullable=False),  # "" until accepted
    Column("volunteer_node_id", PARTY, nullable=False),
    Column("checked_in_micros", BigInteger, nullable=False),
    Column("checked_out_micros", BigInteger, nullable=False),
    Column("served_minutes", BigInteger, nullable=False),
    Column("credited_minutes", BigInteger, nullable=False),
    Column("deposit_transfer_id", ID, nullable=False),
    Column("confirmer_id", ID, nullable=False),
    Column("published_at_micros", BigInteger, nullable=False),
    Column("steps", Text, nullable=False, server_default=""),  # cancellations and releases, one a line
    CheckConstraint("window_end_micros > window_start_micros", name="window_not_empty"),
    CheckConstraint("served_minutes >= 0 AND credited_minutes >= 0", name="minutes_not_negative"),
    Index("ix_care_orders_volunteer_id", "volunteer_id", "state"),
    Index("ix_care_orders_state", "state"),
    Index("ix_care_orders_elder_id", "elder_id"),
)

# Check-in and check-out codes already scanned: each works once.
care_codes_used = Table(
    "care_codes_used",
    metadata,
    Column("nonce", String(32), primary_key=True),
    Column("order_id", ID, nullable=False),
    Column("purpose", String(12), nullable=False),
    Column("used_at_micros", BigInteger, nullable=False),
)

care_ratings = Table(
    "care_ratings",
    metadata,
    Column("order_id", ID, primary_key=True),
    Column("rater_id", ID, primary_key=True),
    Column("stars", SmallInteger, nullable=False),
    Column("comment", String(200), nullable=False),
    Column("rated_at_micros", BigInteger, nullable=False),
    CheckConstraint("stars BETWEEN 1 AND 5", name="stars_in_range"),
)

care_followups = Table(
    "care_followups",
    metadata,
    Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
    Column("order_id", ID, nullable=False),
    Column("operator", String(40), nullable=False),
    Column("note", String(200), nullable=False),
    Column("recorded_at_micros", BigInteger, nullable=False),
    Index("ix_care_followups_order_id", "order_id"),
)

care_disputes = Table(
    "care_disputes",
    metadata,
    Column("dispute_id", ID, primary_key=True),
    Column("order_id", ID, nullable=False, unique=True),
    Column("opener_id", ID, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("state", String(12), nullable=False),  # open, resolved
    Column("hold_transfer_id", ID, nullable=False),
    Column("decision", String(12), nullable=False),
    Column("decided_minutes", BigInteger, nullable=False),
    Column("resolution_reason", String(200), nullable=False),
    Column("steps", Text, nullable=False),  # one step a line
    Column("opened_at_micros", BigInteger, nullable=False),
)

# Every movement of hours the services made, with its ledger transfer: the index that the
# statistics, the policy rules and the certificates read.
care_movements = Table(
    "care_movements",
    metadata,
    Column("transfer_id", ID, primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("person_id", ID, nullable=False),
    Column("counterparty_node_id", PARTY, nullable=False),
    Column("counterparty_id", ID, nullable=False),
    Column("amount_minutes", BigInteger, nullable=False),
    Column("state", String(8), nullable=False),  # posted, pending, sent, voided
    Column("memo", String(200), nullable=False),
    Column("order_id", ID, nullable=False),
    Column("item_code", String(32), nullable=False),
    Column("month", String(7), nullable=False),
    Column("at_micros", BigInteger, nullable=False),
    CheckConstraint("amount_minutes > 0", name="amount_positive"),
    Index("ix_care_movements_person_id", "person_id", "at_micros"),
    Index("ix_care_movements_month", "month"),
)

care_mall_items = Table(
    "care_mall_items",
    metadata,
    Column("item_code", String(32), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("price_minutes", BigInteger, nullable=False),
    Column("stock", BigInteger, nullable=False),
    Column("reserved", BigInteger, nullable=False),
    CheckConstraint("stock >= 0 AND reserved >= 0", name="stock_not_negative"),
    CheckConstraint("price_minutes > 0", name="price_positive"),
)

care_redemptions = Table(
    "care_redemptions",
    metadata,
    Column("redemption_id", ID, primary_key=True),
    Column("person_id", ID, nullable=False),
    Column("item_code", String(32), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("amount_minutes", BigInteger, nullable=False),
    Column("state", String(12), nullable=False),  # reserved, picked-up, cancelled
    Column("transfer_id", ID, nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
)

care_teams = Table(
    "care_teams",
    metadata,
    Column("team_code", String(32), primary_key=True),
    Column("name", String(40), nullable=False),
    Column("kind", String(12), nullable=False),  # department, district
    Column("created_at_micros", BigInteger, nullable=False),
)

care_team_members = Table(
    "care_team_members",
    metadata,
    Column("team_code", String(32), primary_key=True),
    Column("person_id", ID, primary_key=True),
    Column("joined_at_micros", BigInteger, nullable=False),
    Index("ix_care_team_members_person_id", "person_id"),
)

# Supervision alerts; `fingerprint` keeps one alert per rule and evidence.
care_alerts = Table(
    "care_alerts",
    metadata,
    Column("alert_id", SEQUENCE, primary_key=True, autoincrement=True),
    Column("rule", String(24), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("raised_at_micros", BigInteger, nullable=False),
    Column("acknowledged_by", String(40), nullable=False),
    Column("acknowledged_note", String(200), nullable=False),
    Column("acknowledged_at_micros", BigInteger, nullable=False),
    Index("ix_care_alerts_open", "acknowledged_at_micros"),
)

# -- one home node per person ----------------------------------------------------------------
# At the clearinghouse: the home node of every person a node registered, by the keyed hash of
# their identity number (the number itself never leaves the node).
person_homes = Table(
    "person_homes",
    metadata,
    Column("identity_hash", String(64), primary_key=True),
    Column("node_id", PARTY, nullable=False),
    Column("person_id", ID, nullable=False),
    Column("claimed_at_micros", BigInteger, nullable=False),
)

# At a node: its claims of a home for the people it registered, and the clearinghouse's answer.
home_claims = Table(
    "home_claims",
    metadata,
    Column("item_id", ID, primary_key=True),
    Column("identity_hash", String(64), nullable=False),
    Column("person_id", ID, nullable=False),
    Column("release", Boolean, nullable=False),
    Column("state", String(12), nullable=False),  # sent, confirmed, refused
    Column("reason", Text, nullable=False),
    Column("sent_at_micros", BigInteger, nullable=False),
    Column("answered_at_micros", BigInteger, nullable=False),
    Index("ix_home_claims_person_id", "person_id"),
)
