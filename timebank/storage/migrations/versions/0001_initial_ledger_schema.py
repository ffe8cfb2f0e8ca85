"""Initial ledger schema: accounts, transfers, pending resolutions, refusals.

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 06:50:50.497135
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.SmallInteger(), nullable=False),
    sa.Column('holder', sa.String(length=64), nullable=False),
    sa.Column('no_floor', sa.Boolean(), nullable=False),
    sa.Column('floor_minutes', sa.BigInteger(), nullable=False),
    sa.Column('cap_minutes', sa.BigInteger(), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('debits_posted_minutes', sa.BigInteger(), nullable=False),
    sa.Column('credits_posted_minutes', sa.BigInteger(), nullable=False),
    sa.Column('debits_pending_minutes', sa.BigInteger(), nullable=False),
    sa.Column('credits_pending_minutes', sa.BigInteger(), nullable=False),
    sa.Column('created_at_micros', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('cap_minutes = 0 OR credits_posted_minutes + credits_pending_minutes - debits_posted_minutes <= cap_minutes', name=op.f('ck_accounts_cap')),
    sa.CheckConstraint('debits_posted_minutes >= 0 AND credits_posted_minutes >= 0 AND debits_pending_minutes >= 0 AND credits_pending_minutes >= 0', name=op.f('ck_accounts_totals_not_negative')),
    sa.CheckConstraint('no_floor OR credits_posted_minutes - debits_posted_minutes - debits_pending_minutes >= floor_minutes', name=op.f('ck_accounts_floor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts'))
    )
    op.create_table('refusals',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.SmallInteger(), nullable=False),
    sa.Column('debit_account_id', sa.String(length=32), nullable=False),
    sa.Column('credit_account_id', sa.String(length=32), nullable=False),
    sa.Column('amount_minutes', sa.BigInteger(), nullable=False),
    sa.Column('pending_id', sa.String(length=32), nullable=True),
    sa.Column('reverses_id', sa.String(length=32), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('outcome', sa.SmallInteger(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at_micros', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refusals'))
    )
    op.create_table('transfers',
    sa.Column('sequence', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.SmallInteger(), nullable=False),
    sa.Column('debit_account_id', sa.String(length=32), nullable=False),
    sa.Column('credit_account_id', sa.String(length=32), nullable=False),
    sa.Column('amount_minutes', sa.BigInteger(), nullable=False),
    sa.Column('pending_id', sa.String(length=32), nullable=True),
    sa.Column('reverses_id', sa.String(length=32), nullable=True),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('created_at_micros', sa.BigInteger(), nullable=False),
    sa.Column('debit_balance_after_minutes', sa.BigInteger(), nullable=False),
    sa.Column('credit_balance_after_minutes', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_minutes >= 0', name=op.f('ck_transfers_amount_not_negative')),
    sa.CheckConstraint('debit_account_id <> credit_account_id', name=op.f('ck_transfers_two_accounts')),
    sa.ForeignKeyConstraint(['credit_account_id'], ['accounts.id'], name=op.f('fk_transfers_credit_account_id_accounts')),
    sa.ForeignKeyConstraint(['debit_account_id'], ['accounts.id'], name=op.f('fk_transfers_debit_account_id_accounts')),
    sa.PrimaryKeyConstraint('sequence', name=op.f('pk_transfers')),
    sa.UniqueConstraint('id', name=op.f('uq_transfers_id'))
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index('ix_transfers_credit_account_sequence', ['credit_account_id', 'sequence'], unique=False)
        batch_op.create_index('ix_transfers_debit_account_sequence', ['debit_account_id', 'sequence'], unique=False)
        batch_op.create_index('ix_transfers_reverses_id', ['reverses_id'], unique=False)

    op.create_table('pending_resolutions',
    sa.Column('pending_id', sa.String(length=32), nullable=False),
    sa.Column('resolved_by_id', sa.String(length=32), nullable=False),
    sa.Column('state', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['pending_id'], ['transfers.id'], name=op.f('fk_pending_resolutions_pending_id_transfers')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['transfers.id'], name=op.f('fk_pending_resolutions_resolved_by_id_transfers')),
    sa.PrimaryKeyConstraint('pending_id', name=op.f('pk_pending_resolutions')),
    sa.UniqueConstraint('resolved_by_id', name=op.f('uq_pending_resolutions_resolved_by_id'))
    )


def downgrade() -> None:
    op.drop_table('pending_resolutions')
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_transfers_reverses_id')
        batch_op.drop_index('ix_transfers_debit_account_sequence')
        batch_op.drop_index('ix_transfers_credit_account_sequence')

    op.drop_table('transfers')
    op.drop_table('refusals')
    op.drop_table('accounts')
