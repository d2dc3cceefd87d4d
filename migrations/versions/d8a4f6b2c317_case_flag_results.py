"""case_flag_results: one narrow row per red flag of a submitted case attempt

Insight counted found and missed red flags by reading each attempt's result document (several
kilobytes of JSON); on a million attempts that took 10-20 s. This table holds just the flag and
whether it was missed, written at submission. Existing attempts are backfilled from their
result documents.

Revision ID: d8a4f6b2c317
Revises: c5e8f3a2b111
Create Date: 2026-11-23 23:20:00.000000

"""
import json

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd8a4f6b2c317'
down_revision = 'c5e8f3a2b111'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    op.create_table('case_flag_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=60), nullable=False),
    sa.Column('missed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['case_attempts.id'], name=op.f('fk_case_flag_results_attempt_id_case_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_flag_results')),
    sa.UniqueConstraint('attempt_id', 'flag', name=op.f('uq_case_flag_results_attempt_id_flag'))
    )
    _backfill()


def _backfill():
    connection = op.get_bind()
    flags = sa.table(
        'case_flag_results',
        sa.column('attempt_id', sa.Integer),
        sa.column('flag', sa.String),
        sa.column('missed', sa.Boolean),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, result FROM case_attempts WHERE status = 'submitted' "
                "AND result IS NOT NULL AND id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last_id, "n": BATCH},
        ).all()
        if not rows:
            return
        values = []
        for attempt_id, raw in rows:
            result = json.loads(raw) if isinstance(raw, str) else raw
            red_flags = (result or {}).get("red_flags") or {}
            missed = set(red_flags.get("missed") or [])
            for flag in sorted(set(red_flags.get("found") or []) | missed):
                values.append({"attempt_id": attempt_id, "flag": flag, "missed": flag in missed})
        if values:
            connection.execute(flags.insert(), values)
        last_id = rows[-1][0]


def downgrade():
    op.drop_table('case_flag_results')
