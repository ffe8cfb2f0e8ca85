"""Cross-node protocol: outbox, inbox, remote transfers, consents; clearinghouse records and registry.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 07:16:49.135889
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cross_transfers',
    sa.Column('transfer_id', sa.String(length=32), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('debit_node_id', sa.String(length=32), nullable=False),
    sa.Column('credit_node_id', sa.String(length=32), nullable=False),
    sa.Column('originator_node_id', sa.String(length=32), nullable=False),
    sa.Column('amount_minutes', sa.BigInteger(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('prepared_at_micros', sa.BigInteger(), nullable=False),
    sa.Column('expires_at_micros', sa.BigInteger(), nullable=False),
    sa.Column('decided_at_micros', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('transfer_id', name=op.f('pk_cross_transfers'))
    )
    with op.batch_alter_table('cross_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_cross_transfers_state_expiry', ['state', 'expires_at_micros'], unique=False)

    op.create_table('inbox',
    sa.Column('sender_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('processed_at_micros', sa.BigInteger(), nullable=False),
    sa.Column('answer', sa.LargeBinary(), nullable=True),
    sa.PrimaryKeyConstraint('sender_id', 'item_id', name=op.f('pk_inbox'))
    )
    op.create_table('outbox',
    sa.Column('sequence', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('recipient_id', sa.String(length=32), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('item', sa.LargeBinary(), nullable=False),
    sa.Column('created_at_micros', sa.BigInteger(), nullable=False),
    sa.Column('acknowledged_at_micros', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('sequence', name=op.f('pk_outbox')),
    sa.UniqueConstraint('recipient_id', 'item_id', name=op.f('uq_outbox_recipient_id_item_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_recipient_open', ['recipient_id', 'acknowledged_at_micros', 'sequence'], unique=False)

    op.create_table('registry_events',
    sa.Column('sequence', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at_micros', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('node_id', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('sequence', name=op.f('pk_registry_events'))
    )
    op.create_table('registry_keys',
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('party_id', sa.String(length=32), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('valid_from_micros', sa.BigInteger(), nullable=False),
    sa.Column('valid_until_micros', sa.BigInteger(), nullable=True),
    sa.Column('revoked_at_micros', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_registry_keys'))
    )
    op.create_table('registry_nodes',
    sa.Column('node_id', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('net_debit_cap_minutes', sa.BigInteger(), nullable=False),
    sa.Column('pending_cap_minutes', sa.BigInteger(), nullable=False),
    sa.Column('admitted_at_micros', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('node_id', name=op.f('pk_registry_nodes'))
    )
    op.create_table('remote_transfers',
    sa.Column('transfer_id', sa.String(length=32), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('originator', sa.Boolean(), nullable=False),
    sa.Column('counterparty_node_id', sa.String(length=32), nullable=False),
    sa.Column('local_account_id', sa.String(length=32), nullable=False),
    sa.Column('remote_account_id', sa.String(length=32), nullable=False),
    sa.Column('amount_minutes', sa.BigInteger(), nullable=False),
    sa.Column('memo', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at_micros', sa.BigInteger(), nullable=False),
    sa.Column('decided_at_micros', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('transfer_id', name=op.f('pk_remote_transfers'))
    )
    with op.batch_alter_table('remote_transfers', schema=None) as batch_op:
        batch_op.create_index('ix_remote_transfers_state', ['state', 'created_at_micros'], unique=False)

    op.create_table('seen_batches',
    sa.Column('batch_id', sa.String(length=32), nullable=False),
    sa.Column('sender_id', sa.String(length=32), nullable=False),
    sa.Column('created_at_micros', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('batch_id', name=op.f('pk_seen_batches'))
    )
    op.create_table('consents',
    sa.Column('consent_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('holder_account_id', sa.String(length=32), nullable=False),
    sa.Column('beneficiary_node_id', sa.String(length=32), nullable=False),
    sa.Column('limit_minutes', sa.BigInteger(), nullable=False),
    sa.Column('used_minutes', sa.BigInteger(), nullable=False),
    sa.Column('expires_at_micros', sa.BigInteger(), nullable=False),
    sa.Column('created_at_micros', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('used_minutes >= 0 AND used_minutes <= limit_minutes', name=op.f('ck_consents_within_limit')),
    sa.ForeignKeyConstraint(['holder_account_id'], ['accounts.id'], name=op.f('fk_consents_holder_account_id_accounts')),
    sa.PrimaryKeyConstraint('consent_id', name=op.f('pk_consents'))
    )


def downgrade() -> None:
    op.drop_table('consents')
    op.drop_table('seen_batches')
    with op.batch_alter_table('remote_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_remote_transfers_state')

    op.drop_table('remote_transfers')
    op.drop_table('registry_nodes')
    op.drop_table('registry_keys')
    op.drop_table('registry_events')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_recipient_open')

    op.drop_table('outbox')
    op.drop_table('inbox')
    with op.batch_alter_table('cross_transfers', schema=None) as batch_op:
        batch_op.drop_index('ix_cross_transfers_state_expiry')

    op.drop_table('cross_transfers')
