"""job rows: a batch screening's rows and results in a table of their own

Revision ID: 0015_jobrows
Revises: 0014_jobqueue

Each chunk used to rewrite the job's whole result list (JSON in the job row), so a
batch cost more per row as it grew. Existing jobs are moved over: a running job's
rows (from ``request``) with the results it has so far; a done job's results; a
failed job keeps none (its page shows none). A screened row keeps its result only (the
ref and name are in it): its input is cleared, as each chunk now does.
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0015_jobrows'
down_revision = '0014_jobqueue'
branch_labels = None
depends_on = None

_jobs = sa.table('screening_jobs', sa.column('id', sa.String), sa.column('status', sa.String),
                 sa.column('request', sa.Text), sa.column('results', sa.Text),
                 sa.column('summary', sa.Text))
_rows = sa.table('screening_job_rows', sa.column('job_id', sa.String),
                 sa.column('row', sa.Integer), sa.column('input', sa.Text),
                 sa.column('result', sa.Text))


def _summary(results: list[dict[str, Any]]) -> str:
    measures = sorted({m for r in results for h in r.get('hits', [])
                       for m in h.get('measures') or []})
    return json.dumps({'with_hits': sum(1 for r in results if r.get('hit')),
                       'measures': measures})


def _move(conn: sa.Connection, job: Any) -> None:
    """One job's rows and results into the new table; its request keeps the rest."""
    results = json.loads(job.results or '[]') if job.status != 'failed' else []
    request = json.loads(job.request) if job.request else None
    inputs = request.pop('rows', []) if request else [None] * len(results)
    values = [{'job_id': job.id, 'row': i,  # a screened row keeps its result only
               'input': json.dumps(row, default=str) if i >= len(results) else None,
               'result': json.dumps(results[i]) if i < len(results) else None}
              for i, row in enumerate(inputs)]
    if values:
        conn.execute(_rows.insert(), values)
    conn.execute(_jobs.update().where(_jobs.c.id == job.id).values(
        request=json.dumps(request) if request is not None else None,
        summary=_summary(results)))


def upgrade() -> None:
    conn = op.get_bind()
    # read first: on SQLite the batch alter copies the table, and dropping the old one
    # would cascade to rows already moved
    jobs = conn.execute(sa.select(_jobs.c.id, _jobs.c.status, _jobs.c.request,
                                  _jobs.c.results)).all()
    with op.batch_alter_table('screening_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=True))
        batch_op.drop_column('results')
    op.create_table('screening_job_rows',
    sa.Column('job_id', sa.String(length=32), nullable=False),
    sa.Column('row', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('input', sa.Text(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['screening_jobs.id'],
                            name=op.f('fk_screening_job_rows_job_id_screening_jobs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'row', name=op.f('pk_screening_job_rows'))
    )
    for job in jobs:
        _move(conn, job)


def downgrade() -> None:
    conn = op.get_bind()
    saved = []
    for job in conn.execute(sa.select(_jobs.c.id, _jobs.c.request)).all():
        rows = conn.execute(sa.select(_rows.c.input, _rows.c.result)
                            .where(_rows.c.job_id == job.id).order_by(_rows.c.row)).all()
        request = json.loads(job.request) if job.request else None
        if request is not None:
            request['rows'] = [json.loads(r.input) if r.input else
                               {'ref': json.loads(r.result).get('ref'),
                                'name': json.loads(r.result).get('name')} for r in rows]
        saved.append((job.id, [json.loads(r.result) for r in rows if r.result is not None],
                      request))
    op.drop_table('screening_job_rows')
    with op.batch_alter_table('screening_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('results', sa.Text(), nullable=False,
                                      server_default='[]'))
        batch_op.drop_column('summary')
    for job_id, results, request in saved:
        conn.execute(_jobs.update().where(_jobs.c.id == job_id).values(
            results=json.dumps(results),
            request=json.dumps(request) if request is not None else None))
