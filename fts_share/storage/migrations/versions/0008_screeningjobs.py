"""screening jobs: batch screenings stored, resumable, removed after retention

Revision ID: 0008_screeningjobs
Revises: 0003_alertdecisions
"""
import sqlalchemy as sa
from alembic import op

import fts_share.storage.base

revision = '0008_screeningjobs'
down_revision = '0003_alertdecisions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('screening_jobs',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('owner', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('created', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('heartbeat', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished', fts_share.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('request', sa.Text(), nullable=True),
    sa.Column('results', sa.Text(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['owner'], ['users.id'],
                            name=op.f('fk_screening_jobs_owner_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_jobs'))
    )
    with op.batch_alter_table('screening_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_jobs_owner'), ['owner'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_jobs_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_screening_jobs_expires'), ['expires'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screening_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_jobs_expires'))
        batch_op.drop_index(batch_op.f('ix_screening_jobs_status'))
        batch_op.drop_index(batch_op.f('ix_screening_jobs_owner'))
    op.drop_table('screening_jobs')
