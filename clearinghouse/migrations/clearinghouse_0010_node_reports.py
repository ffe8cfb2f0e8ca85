"""Each node's latest supervision report

Revision ID: clearinghouse_0010
Revises: clearinghouse_0009
Create Date: 2026-12-04 20:00:00.000000

A node sends its aggregate figures (people by role, hours by month and by category, the
hours its members hold) and its open alerts, with no person's name or id, when they
change; the clearinghouse keeps the latest of each node for the bureau.
"""

import sqlalchemy as sa
from alembic import op

revision = "clearinghouse_0010"
down_revision = "clearinghouse_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "node_reports",
        sa.Column("node_id", sa.String(length=32), nullable=False),
        sa.Column("as_of_micros", sa.BigInteger(), nullable=False),
        sa.Column("received_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("report", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("node_id", name=op.f("pk_node_reports")),
    )


def downgrade() -> None:
    op.drop_table("node_reports")
