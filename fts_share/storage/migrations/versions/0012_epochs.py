"""peer epochs: the restore epochs partners announced

Revision ID: 0012_epochs
Revises: 0011_outboxfloors
"""
import sqlalchemy as sa
from alembic import op

import fts_share.storage.base

revision = '0012_epochs'
down_revision = '0011_outboxfloors'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('peer_epochs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('peer', sa.String(length=32), nullable=False),
    sa.Column('epoch', sa.Integer(), nullable=False),
    sa.Column('audit_seq', sa.BigInteger(), nullable=False),
    sa.Column('snapshot_size', sa.BigInteger(), nullable=False),
    sa.Column('before_head', sa.Integer(), nullable=False),
    sa.Column('recorded_at', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('checked_at', fts_share.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peer_epochs')),
    sa.UniqueConstraint('peer', 'epoch', name='uq_peer_epochs_peer_epoch')
    )
    op.create_index(op.f('ix_peer_epochs_peer'), 'peer_epochs', ['peer'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_peer_epochs_peer'), table_name='peer_epochs')
    op.drop_table('peer_epochs')
