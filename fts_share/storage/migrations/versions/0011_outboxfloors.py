"""outbox floors: sequence and link positions continue past a restore

Revision ID: 0011_outboxfloors
Revises: 0010_alertgroups
"""
import sqlalchemy as sa
from alembic import op

revision = '0011_outboxfloors'
down_revision = '0010_alertgroups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_floors',
    sa.Column('recipient', sa.String(length=16), nullable=False),
    sa.Column('floor', sa.BigInteger(), nullable=False),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('recipient', name=op.f('pk_outbox_floors'))
    )


def downgrade() -> None:
    op.drop_table('outbox_floors')
