"""The bureau's acknowledgements of nodes' alerts

Revision ID: clearinghouse_0011
Revises: clearinghouse_0010
Create Date: 2026-12-04 22:00:00.000000

The bureau acknowledges one of a node's open alerts from its console; the clearinghouse
keeps who did, when and with what note, and sends it to the node as an item.
"""

import sqlalchemy as sa
from alembic import op

revision = "clearinghouse_0011"
down_revision = "clearinghouse_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_acknowledgements",
        sa.Column("node_id", sa.String(length=32), nullable=False),
        sa.Column("alert_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("acknowledged_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("item_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "alert_id", name=op.f("pk_alert_acknowledgements")),
    )


def downgrade() -> None:
    op.drop_table("alert_acknowledgements")
