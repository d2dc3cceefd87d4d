"""narrow index for the quiz attempts' fingerprint and open attempts

The aggregate cache (services/infra/aggcache.py) reads, on every report and common-mistakes request,
a fingerprint of the academy's quiz attempts per status, and on a change the open attempts, to
refresh its figures from what changed: `ix_quiz_attempts_fingerprint` answers both from the
index alone, as `ix_case_attempts_fingerprint` does for case attempts.

Revision ID: f2a3b4c5d6e7
Revises: e1f2a3b4c5d6
Create Date: 2026-11-24 00:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f2a3b4c5d6e7'
down_revision = 'e1f2a3b4c5d6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_quiz_attempts_fingerprint',
            ['academy_id', 'status', 'id', 'submitted_at'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_fingerprint')
