"""hit feedback: the hit messages a node sent and received

Revision ID: 0013_hits
Revises: 0012_epochs
"""
import sqlalchemy as sa
from alembic import op

import fts_share.storage.base

revision = '0013_hits'
down_revision = '0012_epochs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hit_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('message_id', sa.String(length=36), nullable=False),
    sa.Column('partner', sa.String(length=16), nullable=False),
    sa.Column('notice_id', sa.String(length=36), nullable=False),
    sa.Column('notice_version', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('decided', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hit_reports')),
    sa.UniqueConstraint('direction', 'partner', 'message_id', name='uq_hit_reports_message')
    )
    with op.batch_alter_table('hit_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hit_reports_notice_id'), ['notice_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('hit_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hit_reports_notice_id'))
    op.drop_table('hit_reports')
