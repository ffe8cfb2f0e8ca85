"""A node's tables only: the clearinghouse's tables leave a node's database

Revision ID: node_0008
Revises: 0007
Create Date: 2026-12-02 23:00:00.000000

Until 0007 every party's database held every party's tables. A node never writes the
clearinghouse's (its cross-node record, seen batches, registry, cycles and their
positions, the city's home nodes), so they are empty here and dropped; a database where
one holds rows is refused (it is a clearinghouse's), and nothing changes.
"""

from timebank.storage.migrate import drop_other_partys_tables

revision = "node_0008"
down_revision = "0007"
branch_labels = None
depends_on = None

CLEARINGHOUSE_TABLES = [
    "cross_transfers",
    "seen_batches",
    "registry_nodes",
    "registry_events",
    "cycles",
    "cycle_positions",
    "person_homes",
]


def upgrade() -> None:
    drop_other_partys_tables("node", "clearinghouse", CLEARINGHOUSE_TABLES)


def downgrade() -> None:
    raise NotImplementedError("the clearinghouse's tables are not brought back into a node's database")
