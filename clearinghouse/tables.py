"""The clearinghouse's own tables: the record of every cross-node transfer, the registry, cycles, home nodes.

Defined on the clearinghouse's MetaData (`metadata`: the kernel's tables, copied in by
`timebank.storage.schema.party_metadata`, and these), which is exactly what its database
holds; `SCHEMA` names it and its migrations for `timebank.storage.migrate`. The nodes'
tables (the time-bank services among them) are not here and its database has none of them.
"""

from __future__ import annotations

import pathlib

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    String,
    Table,
    Text,
)

from timebank.operators.tables import define as define_operator_tables
from timebank.storage.schema import BYTES, ID, PARTY, SEQUENCE, PartySchema, party_metadata

__all__ = [
    "OPERATOR_TABLES",
    "alert_acknowledgements",
    "cross_transfers",
    "cycle_positions",
    "cycles",
    "leadership",
    "metadata",
    "node_reports",
    "person_homes",
    "registry_events",
    "registry_nodes",
    "SCHEMA",
    "security_events",
    "seen_batches",
]

metadata = party_metadata()
SCHEMA = PartySchema("clearinghouse", metadata, pathlib.Path(__file__).resolve().parent / "migrations")

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

# What was refused and from which TLS peer, summarised: one row per kind, peer and window
# (clearinghouse.security); evidence is a split-view claim's signed header.
security_events = Table(
    "security_events",
    metadata,
    Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("peer", String(64), nullable=False),
    Column("window_start_micros", BigInteger, nullable=False),
    Column("first_at_micros", BigInteger, nullable=False),
    Column("last_at_micros", BigInteger, nullable=False),
    Column("occurrences", BigInteger, nullable=False),
    Column("detail", Text, nullable=False),
    Column("evidence", BYTES, nullable=True),
    Index("ux_security_events_window", "kind", "peer", "window_start_micros", unique=True),
    Index("ix_security_events_first_at", "first_at_micros"),
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

registry_events = Table(
    "registry_events",
    metadata,
    Column("sequence", SEQUENCE, primary_key=True, autoincrement=True),
    Column("at_micros", BigInteger, nullable=False),
    Column("action", String(16), nullable=False),
    Column("node_id", PARTY, nullable=False),
    Column("detail", Text, nullable=False),
)

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


# Each node's latest supervision report (its aggregate figures and open alerts, as sent).
node_reports = Table(
    "node_reports",
    metadata,
    Column("node_id", PARTY, primary_key=True),
    Column("as_of_micros", BigInteger, nullable=False),
    Column("received_at_micros", BigInteger, nullable=False),
    Column("report", BYTES, nullable=False),  # SupervisionReport bytes
)

# The bureau's acknowledgements of nodes' alerts, each sent to its node as an item (item_id).
alert_acknowledgements = Table(
    "alert_acknowledgements",
    metadata,
    Column("node_id", PARTY, primary_key=True),
    Column("alert_id", BigInteger, primary_key=True),
    Column("account", String(64), nullable=False),
    Column("note", Text, nullable=False),
    Column("acknowledged_at_micros", BigInteger, nullable=False),
    Column("item_id", ID, nullable=False),
)

# Which clearinghouse process is the active one (one row, `singleton` = 1): the holder's
# instance name and address, its fencing term (raised at each takeover and checked in the
# same transaction as every write, so a write under an older term fails) and its lease.
leadership = Table(
    "leadership",
    metadata,
    Column("singleton", BigInteger, primary_key=True, autoincrement=False),
    Column("term", BigInteger, nullable=False),
    Column("holder", String(128), nullable=False),
    Column("address", String(256), nullable=False),
    Column("since_micros", BigInteger, nullable=False),
    Column("lease_expires_at_micros", BigInteger, nullable=False),
)

# The bureau's staff who run the clearinghouse from its console (administrators, supervisors,
# auditors): accounts, sessions and the trail, in the shape every party shares.
OPERATOR_TABLES = define_operator_tables(metadata)
