"""The clearinghouse's tables only: the nodes' tables leave the clearinghouse's database

Revision ID: clearinghouse_0008
Revises: 0007
Create Date: 2026-12-02 23:00:00.000000

Until 0007 every party's database held every party's tables. The clearinghouse never
writes a node's (legs of cross-node transfers, consents, recalls, the clearinghouse
checkpoint a node witnessed, home claims, the time-bank services' care_* tables), so
they are empty here and dropped; a database where one holds rows is refused (it is a
node's), and nothing changes.
"""

from timebank.storage.migrate import drop_other_partys_tables

revision = "clearinghouse_0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NODE_TABLES = [
    "remote_transfers",
    "consents",
    "recalls",
    "peer_checkpoints",
    "home_claims",
    "care_people",
    "care_relationships",
    "care_catalogue",
    "care_qualifications",
    "care_orders",
    "care_codes_used",
    "care_ratings",
    "care_followups",
    "care_disputes",
    "care_movements",
    "care_mall_items",
    "care_redemptions",
    "care_teams",
    "care_team_members",
    "care_alerts",
]


def upgrade() -> None:
    drop_other_partys_tables("clearinghouse", "node", NODE_TABLES)


def downgrade() -> None:
    raise NotImplementedError("the nodes' tables are not brought back into the clearinghouse's database")
