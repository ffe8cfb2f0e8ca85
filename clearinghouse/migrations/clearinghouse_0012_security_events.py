"""The clearinghouse's security events

Revision ID: clearinghouse_0012
Revises: clearinghouse_0011
Create Date: 2026-12-05 07:30:00.000000

What the clearinghouse refused and from which TLS peer (refused batches, replays, uses of
revoked or expired keys, suspended nodes' calls, split-view claims, calls over a peer's
share), summarised: one row per kind, peer and window, with a count.
"""

import sqlalchemy as sa
from alembic import op

revision = "clearinghouse_0012"
down_revision = "clearinghouse_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "security_events",
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("window_start_micros", sa.BigInteger(), nullable=False),
        sa.Column("first_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("last_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("occurrences", sa.BigInteger(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("evidence", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_security_events")),
    )
    op.create_index(
        "ux_security_events_window", "security_events", ["kind", "peer", "window_start_micros"], unique=True
    )
    op.create_index("ix_security_events_first_at", "security_events", ["first_at_micros"])


def downgrade() -> None:
    op.drop_index("ix_security_events_first_at", table_name="security_events")
    op.drop_index("ux_security_events_window", table_name="security_events")
    op.drop_table("security_events")
