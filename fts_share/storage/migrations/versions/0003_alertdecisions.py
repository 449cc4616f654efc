"""alert decisions: each decision on an alert with its reason, revisions kept

Revision ID: 0003_alertdecisions
Revises: 0002_seclimits
"""
import sqlalchemy as sa
from alembic import op

import fts_share.storage.base

revision = '0003_alertdecisions'
down_revision = '0002_seclimits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('at', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('previous', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'],
                            name=op.f('fk_alert_decisions_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_decisions'))
    )
    with op.batch_alter_table('alert_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_decisions_alert_id'), ['alert_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_decisions_alert_id'))
    op.drop_table('alert_decisions')
