"""A person's own PIN and the sessions of their phone; the trail names people too

Revision ID: node_0010
Revises: node_0009
Create Date: 2026-12-03 09:30:00.000000

Volunteers, elders and proxies get a personal PIN (an scrypt hash, set by the office) to
check in, confirm a service and read their own hours on their phone; their sessions are
kept by the SHA-256 of the token only. The trail's username widens to hold
`person:<person id>`.
"""

import sqlalchemy as sa
from alembic import op

revision = "node_0010"
down_revision = "node_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_credentials",
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until_micros", sa.BigInteger(), nullable=False),
        sa.Column("set_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("set_by", sa.String(length=48), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["care_people.person_id"], name=op.f("fk_person_credentials_person_id_care_people")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_person_credentials")),
    )
    op.create_table(
        "person_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("created_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_micros", sa.BigInteger(), nullable=False),
        sa.Column("ended_at_micros", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["care_people.person_id"], name=op.f("fk_person_sessions_person_id_care_people")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_person_sessions")),
    )
    with op.batch_alter_table("person_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_person_sessions_person_id", ["person_id"], unique=False)
    with op.batch_alter_table("operator_trail", schema=None) as batch_op:
        batch_op.alter_column(
            "username", existing_type=sa.String(length=32), type_=sa.String(length=48), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("operator_trail", schema=None) as batch_op:
        batch_op.alter_column(
            "username", existing_type=sa.String(length=48), type_=sa.String(length=32), existing_nullable=False
        )
    op.drop_table("person_sessions")
    op.drop_table("person_credentials")
