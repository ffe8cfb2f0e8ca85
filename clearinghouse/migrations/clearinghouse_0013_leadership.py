"""Which clearinghouse process is active: the leadership row with its fencing term and lease

Revision ID: clearinghouse_0013
Revises: clearinghouse_0012
Create Date: 2026-12-07 23:30:00.000000

One row: the active process's instance name and address, its fencing term (raised at each
takeover, checked in the same transaction as every write) and when its lease ends. A
database migrated from before has no row; the first process to start takes term 1.
"""

import sqlalchemy as sa
from alembic import op

revision = "clearinghouse_0013"
down_revision = "clearinghouse_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leadership",
        sa.Column("singleton", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("term", sa.BigInteger(), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=False),
        sa.Column("since_micros", sa.BigInteger(), nullable=False),
        sa.Column("lease_expires_at_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("singleton", name=op.f("pk_leadership")),
    )


def downgrade() -> None:
    op.drop_table("leadership")
