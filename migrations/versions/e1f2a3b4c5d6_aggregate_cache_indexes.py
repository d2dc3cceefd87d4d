"""narrow indexes for the aggregate cache's fingerprint and common mistakes

The academy report and common mistakes are cached under a fingerprint of the academy's
attempts (services/infra/aggcache.py), read on every request: `ix_case_attempts_fingerprint` answers
it from a narrow index, which also covers common mistakes' per-case bands. Common mistakes'
zone and red-flag tables are answered from `ix_case_zone_results_attempt_verdict` and
`ix_case_flag_results_attempt_missed` without reading the rows (bench/README.md has the figures).

Revision ID: e1f2a3b4c5d6
Revises: d8a4f6b2c317
Create Date: 2026-11-23 23:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e1f2a3b4c5d6'
down_revision = 'd8a4f6b2c317'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_attempts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_case_attempts_fingerprint',
            ['academy_id', 'status', 'id', 'submitted_at', 'updated_at', 'case_id', 'band'],
            unique=False,
        )
    with op.batch_alter_table('case_zone_results', schema=None) as batch_op:
        batch_op.create_index(
            'ix_case_zone_results_attempt_verdict',
            ['attempt_id', 'zone', 'verdict', 'deviation'],
            unique=False,
        )
    with op.batch_alter_table('case_flag_results', schema=None) as batch_op:
        batch_op.create_index(
            'ix_case_flag_results_attempt_missed',
            ['attempt_id', 'flag', 'missed'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('case_flag_results', schema=None) as batch_op:
        batch_op.drop_index('ix_case_flag_results_attempt_missed')
    with op.batch_alter_table('case_zone_results', schema=None) as batch_op:
        batch_op.drop_index('ix_case_zone_results_attempt_verdict')
    with op.batch_alter_table('case_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_case_attempts_fingerprint')
