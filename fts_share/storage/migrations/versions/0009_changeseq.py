"""watchlist change sequence: every worker's screening index replays it

Revision ID: 0009_changeseq
Revises: 0008_screeningjobs
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_changeseq'
down_revision = '0008_screeningjobs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('watchlist_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True,
              nullable=False),
    sa.Column('entry_id', sa.String(length=80), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watchlist_changes'))
    )


def downgrade() -> None:
    op.drop_table('watchlist_changes')
