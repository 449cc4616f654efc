"""seclimits: refusal counters and web sessions

Revision ID: 0002_seclimits
Revises: 0001
Create Date: 2026-12-05 03:22:01.323843
"""
import sqlalchemy as sa
from alembic import op

import fts_share.storage.base

revision = '0002_seclimits'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refusal_counts',
    sa.Column('source', sa.String(length=64), nullable=False),
    sa.Column('minute', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=120), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'minute', 'reason', name=op.f('pk_refusal_counts'))
    )
    with op.batch_alter_table('refusal_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refusal_counts_minute'), ['minute'], unique=False)

    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_id', sa.Integer(), nullable=False),
    sa.Column('created', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended', fts_share.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['token_id'], ['tokens.id'], name=op.f('fk_web_sessions_token_id_tokens')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_web_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_created'), ['created'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_sessions_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_web_sessions_created'))

    op.drop_table('web_sessions')
    with op.batch_alter_table('refusal_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refusal_counts_minute'))

    op.drop_table('refusal_counts')
