"""Hours imported from the volunteer platforms the city already runs

Revision ID: node_0011
Revises: node_0010
Create Date: 2026-12-04 19:30:00.000000

A file of volunteer records (志愿中山, i志愿, 全国志愿服务信息系统) becomes a batch, pending until
a reviewer other than its submitter approves it; every row is kept with what the node
found; every record deposited is kept by (platform, source record id), so that no record
is deposited twice.
"""

import sqlalchemy as sa
from alembic import op

revision = "node_0011"
down_revision = "node_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_imports",
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("submitted_by", sa.String(length=48), nullable=False),
        sa.Column("submitted_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=48), nullable=False),
        sa.Column("reviewed_at_micros", sa.BigInteger(), nullable=False),
        sa.Column("review_note", sa.String(length=200), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("accepted_minutes", sa.BigInteger(), nullable=False),
        sa.Column("applied_count", sa.Integer(), nullable=False),
        sa.Column("applied_minutes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_care_imports")),
    )
    with op.batch_alter_table("care_imports", schema=None) as batch_op:
        batch_op.create_index("ix_care_imports_state", ["state", "submitted_at_micros"], unique=False)
    op.create_table(
        "care_import_rows",
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("row_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("source_record_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("service_date", sa.String(length=10), nullable=False),
        sa.Column("activity", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=100), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("start_micros", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["care_imports.batch_id"], name=op.f("fk_care_import_rows_batch_id_care_imports")
        ),
        sa.PrimaryKeyConstraint("batch_id", "row_number", name=op.f("pk_care_import_rows")),
    )
    op.create_table(
        "care_imported_records",
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("source_record_id", sa.String(length=64), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("transfer_id", sa.String(length=32), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "source_record_id", name=op.f("pk_care_imported_records")),
    )


def downgrade() -> None:
    op.drop_table("care_imported_records")
    op.drop_table("care_import_rows")
    with op.batch_alter_table("care_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_care_imports_state")
    op.drop_table("care_imports")
