"""question results: one covering index for question statistics and common mistakes' sums

`ix_question_results_version_score` replaces `ix_question_results_version_question` (same
leading columns, so question statistics use it as before) and also covers common mistakes'
per-question sums, which it yields in group order: SQLite no longer sorts every answer
(services/authoring/insight.py; bench/README.md has the figures).

Revision ID: b3c4d5e6f7a8
Revises: a9c8e7d6f5b4
Create Date: 2026-11-24 01:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b3c4d5e6f7a8'
down_revision = 'a9c8e7d6f5b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question_results', schema=None) as batch_op:
        batch_op.create_index(
            'ix_question_results_version_score',
            ['module_version_id', 'question_id', 'topic', 'score', 'attempt_id'],
            unique=False,
        )
        batch_op.drop_index('ix_question_results_version_question')


def downgrade():
    with op.batch_alter_table('question_results', schema=None) as batch_op:
        batch_op.create_index(
            'ix_question_results_version_question',
            ['module_version_id', 'question_id'],
            unique=False,
        )
        batch_op.drop_index('ix_question_results_version_score')
