"""Recalls and returns; batch ids by age; when mail was last delivered.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 08:01:55.725992
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recalls',
    sa.Column('recall_id', sa.String(length=32), nullable=False),
    sa.Column('original_id', sa.String(length=32), nullable=False),
    sa.Column('requested_here', sa.Boolean(), nullable=False),
    sa.Column('counterparty_node_id', sa.String(length=32), nullable=False),
    sa.Column('amount_minutes', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('answer_reason', sa.Text(), nullable=False),
    sa.Column('return_transfer_id', sa.String(length=32), nullable=True),
    sa.Column('created_at_micros', sa.BigInteger(), nullable=False),
    sa.Column('answered_at_micros', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('recall_id', name=op.f('pk_recalls'))
    )
    with op.batch_alter_table('recalls', schema=None) as batch_op:
        batch_op.create_index('ix_recalls_state', ['state', 'created_at_micros'], unique=False)

    with op.batch_alter_table('cross_transfers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returns_id', sa.String(length=32), nullable=True))
        batch_op.create_index('ix_cross_transfers_returns_id', ['returns_id'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at_micros', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('seen_batches', schema=None) as batch_op:
        batch_op.create_index('ix_seen_batches_created_at', ['created_at_micros'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('seen_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_seen_batches_created_at')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('delivered_at_micros')

    with op.batch_alter_table('cross_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_cross_transfers_returns_id')
        batch_op.drop_column('returns_id')

    with op.batch_alter_table('recalls', schema=None) as batch_op:
        batch_op.drop_index('ix_recalls_state')

    op.drop_table('recalls')
