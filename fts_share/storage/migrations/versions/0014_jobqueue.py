"""job queue: UN list imports as jobs; procrastinate's schema on PostgreSQL

Revision ID: 0014_jobqueue
Revises: 0013_hits
"""
import sqlalchemy as sa
from alembic import op

import fts_share.storage.base
from fts_share.storage.queue_schema import apply_procrastinate_schema

revision = '0014_jobqueue'
down_revision = '0013_hits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('watchlist_imports',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('owner', sa.String(length=120), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('counts', sa.Text(), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('created', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished', fts_share.storage.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watchlist_imports'))
    )
    with op.batch_alter_table('watchlist_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watchlist_imports_status'), ['status'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_watchlist_imports_created'), ['created'],
                              unique=False)
    apply_procrastinate_schema(op.get_bind())


def downgrade() -> None:
    # procrastinate's schema stays (applying it again is a no-op): it may hold jobs.
    with op.batch_alter_table('watchlist_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watchlist_imports_created'))
        batch_op.drop_index(batch_op.f('ix_watchlist_imports_status'))
    op.drop_table('watchlist_imports')
