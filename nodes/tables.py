"""A node's own tables: its legs of cross-node transfers, consents, recalls, home claims, and the time-bank services.

Defined on the node's MetaData (`metadata`: the kernel's tables, copied in by
`timebank.storage.schema.party_metadata`, and these), which is exactly what a node's
database holds; `SCHEMA` names it and the node's migrations for `timebank.storage.migrate`.
The clearinghouse's tables are not here and a node's database has none of them.
"""

from __future__ import annotations

import pathlib

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
)

from timebank.operators.tables import define as define_operator_tables
from timebank.storage.schema import BYTES, ID, PARTY, SEQUENCE, PartySchema, party_metadata

__all__ = [
    "care_alerts",
    "care_catalogue",
    "care_codes_used",
    "care_disputes",
    "care_followups",
    "care_import_rows",
    "care_imported_records",
    "care_imports",
    "care_mall_items",
    "care_movements",
    "care_orders",
    "care_people",
    "care_qualifications",
    "care_ratings",
    "care_redemptions",
    "care_relationships",
    "care_team_members",
    "care_teams",
    "consents",
    "home_claims",
    "metadata",
    "OPERATOR_TABLES",
    "operator_accounts",
    "operator_sessions",
    "operator_trail",
    "peer_checkpoints",
    "person_credentials",
    "person_sessions",
    "recalls",
    "remote_transfers",
    "SCHEMA",
]

metadata = party_metadata()
SCHEMA = PartySchema("node", metadata, pathlib.Path(__file__).resolve().parent / "migrations")

# -- the cross-node protocol ---------------------------------------------------------------------

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


# -- the time-bank services (nodes.care) -----------------------------------------------------------
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


# -- hours imported from other volunteer platforms (nodes.care.desk.imports) -----------------------
# A submitted file's batch (pending until another reviewer decides), each of its rows with
# what the node found, and every record deposited, by (platform, source record): once only.

care_imports = Table(
    "care_imports",
    metadata,
    Column("batch_id", ID, primary_key=True),
    Column("file_name", String(200), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("state", String(12), nullable=False),  # pending, approved, rejected
    Column("submitted_by", String(48), nullable=False),
    Column("submitted_at_micros", BigInteger, nullable=False),
    Column("reviewed_by", String(48), nullable=False),
    Column("reviewed_at_micros", BigInteger, nullable=False),
    Column("review_note", String(200), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("accepted_count", Integer, nullable=False),
    Column("accepted_minutes", BigInteger, nullable=False),
    Column("applied_count", Integer, nullable=False),
    Column("applied_minutes", BigInteger, nullable=False),
    Index("ix_care_imports_state", "state", "submitted_at_micros"),
)

care_import_rows = Table(
    "care_import_rows",
    metadata,
    Column("batch_id", ID, ForeignKey("care_imports.batch_id"), primary_key=True),
    Column("row_number", Integer, primary_key=True, autoincrement=False),
    Column("accepted", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("person_id", ID, nullable=False),  # "" when no one was found
    Column("minutes", BigInteger, nullable=False),
    Column("platform", String(32), nullable=False),
    Column("source_record_id", String(64), nullable=False),
    Column("name", String(40), nullable=False),
    Column("service_date", String(10), nullable=False),
    Column("activity", String(100), nullable=False),
    Column("organisation", String(100), nullable=False),
    Column("origin", String(16), nullable=False),
    Column("start_micros", BigInteger, nullable=False),
)

care_imported_records = Table(
    "care_imported_records",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("source_record_id", String(64), primary_key=True),
    Column("batch_id", ID, nullable=False),
    Column("person_id", ID, nullable=False),
    Column("transfer_id", ID, nullable=False),
    Column("minutes", BigInteger, nullable=False),
)


# -- the people who run the node (timebank.operators) ----------------------------------------------
# Accounts of the office's staff, with their roles; their sessions; the trail of their logins
# and actions (the shape every party shares: timebank.operators.tables).

OPERATOR_TABLES = define_operator_tables(metadata)
operator_accounts = OPERATOR_TABLES.accounts
operator_sessions = OPERATOR_TABLES.sessions
operator_trail = OPERATOR_TABLES.trail


# -- a person's own door (nodes.personal) -----------------------------------------------------------
# The personal PIN of a volunteer, an elder or a proxy (an scrypt hash, set by the office),
# its failures and lock; the sessions of their phones (by the SHA-256 of the token only).

person_credentials = Table(
    "person_credentials",
    metadata,
    Column("person_id", ID, ForeignKey("care_people.person_id"), primary_key=True),
    Column("pin_hash", String(200), nullable=False),  # scrypt$N$r$p$salt$hash
    Column("failed_attempts", Integer, nullable=False),  # since the last success
    Column("locked_until_micros", BigInteger, nullable=False),
    Column("set_at_micros", BigInteger, nullable=False),
    Column("set_by", String(48), nullable=False),
)

person_sessions = Table(
    "person_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("person_id", ID, ForeignKey("care_people.person_id"), nullable=False),
    Column("created_at_micros", BigInteger, nullable=False),
    Column("last_seen_micros", BigInteger, nullable=False),
    Column("ended_at_micros", BigInteger, nullable=True),
    Index("ix_person_sessions_person_id", "person_id"),
)
