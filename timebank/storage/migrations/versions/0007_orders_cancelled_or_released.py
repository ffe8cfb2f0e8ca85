"""orders cancelled or released: the steps of each order

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 19:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('care_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('steps', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('care_orders', schema=None) as batch_op:
        batch_op.drop_column('steps')
