"""The bureau's staff accounts at the clearinghouse, their sessions and their trail

Revision ID: clearinghouse_0009
Revises: clearinghouse_0008
Create Date: 2026-12-04 19:00:00.000000

The people who run the clearinghouse from the bureau's console (administrators,
supervisors, auditors) get accounts in the same shape as a node's office staff: a
memory-hard password hash and their roles, sessions kept by the SHA-256 of their token
only, and a row of the trail for every login, failed login and action.
"""

import sqlalchemy as sa
from alembic import op

revision = "clearinghouse_0009"
down_revision = "clearinghouse_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_accounts",
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("display_name", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=64), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until_micros", sa.BigInteger(), nullable=False),
        sa.Column("created_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("password_changed_at_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_operator_accounts")),
    )
    op.create_table(
        "operator_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("created_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_micros", sa.BigInteger(), nullable=False),
        sa.Column("ended_at_micros", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["username"],
            ["operator_accounts.username"],
            name=op.f("fk_operator_sessions_username_operator_accounts"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_operator_sessions")),
    )
    with op.batch_alter_table("operator_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_operator_sessions_username", ["username"], unique=False)
    op.create_table(
        "operator_trail",
        sa.Column("sequence", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at_micros", sa.BigInteger(), nullable=False),
        sa.Column("username", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_operator_trail")),
    )
    with op.batch_alter_table("operator_trail", schema=None) as batch_op:
        batch_op.create_index("ix_operator_trail_at", ["at_micros"], unique=False)


def downgrade() -> None:
    op.drop_table("operator_trail")
    op.drop_table("operator_sessions")
    op.drop_table("operator_accounts")
