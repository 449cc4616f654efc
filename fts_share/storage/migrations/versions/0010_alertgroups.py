"""alert groups: every match an alert holds and every sighting of its subject

Revision ID: 0010_alertgroups
Revises: 0009_changeseq
"""
import sqlalchemy as sa
from alembic import op

import fts_share.storage.base

revision = '0010_alertgroups'
down_revision = '0009_changeseq'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_matches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('created', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notice_id', sa.String(length=36), nullable=False),
    sa.Column('notice_version', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('measures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'],
                            name=op.f('fk_alert_matches_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_matches'))
    )
    with op.batch_alter_table('alert_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_matches_alert_id'), ['alert_id'],
                              unique=False)
    op.create_table('alert_sightings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('created', fts_share.storage.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('notice_id', sa.String(length=36), nullable=False),
    sa.Column('notice_version', sa.Integer(), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('record_id', sa.String(length=80), nullable=False),
    sa.Column('linked_by', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'],
                            name=op.f('fk_alert_sightings_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_sightings'))
    )
    with op.batch_alter_table('alert_sightings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_sightings_alert_id'), ['alert_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_alert_sightings_record_id'), ['record_id'],
                              unique=False)
    # Alerts raised before grouping: each its own group of one match and one sighting.
    op.execute(
        "INSERT INTO alert_matches (alert_id, created, notice_id, notice_version, record_id,"
        " source, kind, score, explanation, measures) SELECT id, created, notice_id,"
        " notice_version, record_id, source, kind, score, explanation, measures FROM alerts")
    op.execute(
        "INSERT INTO alert_sightings (alert_id, created, notice_id, notice_version, origin,"
        " record_id, linked_by) SELECT a.id, a.created, a.notice_id, a.notice_version,"
        " n.origin, 'notice:' || n.origin || ':' || a.notice_id, 'opened' FROM alerts a"
        " JOIN notices n ON n.notice_id = a.notice_id AND n.version = a.notice_version")


def downgrade() -> None:
    with op.batch_alter_table('alert_sightings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_sightings_record_id'))
        batch_op.drop_index(batch_op.f('ix_alert_sightings_alert_id'))
    op.drop_table('alert_sightings')
    with op.batch_alter_table('alert_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_matches_alert_id'))
    op.drop_table('alert_matches')
