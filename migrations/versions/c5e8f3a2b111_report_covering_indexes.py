"""covering indexes for the academy report and common mistakes

The report and insight queries aggregate every attempt of an academy. The attempt tables keep
large JSON documents (answers, results) in the row, so a scan of the table reads most of the
database; these indexes hold just the columns those queries read, so they are answered from
the index alone (bench/README.md has the before and after figures).

Revision ID: c5e8f3a2b111
Revises: b7d41c2e9a10
Create Date: 2026-11-23 22:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c5e8f3a2b111'
down_revision = 'b7d41c2e9a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_attempts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_case_attempts_report',
            ['academy_id', 'user_id', 'status', 'submitted_at', 'id', 'band', 'case_id',
             'updated_at'],
            unique=False,
        )
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_quiz_attempts_report',
            ['academy_id', 'user_id', 'module_id', 'status', 'number', 'score_percent', 'passed',
             'submitted_at', 'started_at'],
            unique=False,
        )
    with op.batch_alter_table('question_results', schema=None) as batch_op:
        batch_op.create_index(
            'ix_question_results_attempt_score',
            ['attempt_id', 'question_id', 'topic', 'score'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('question_results', schema=None) as batch_op:
        batch_op.drop_index('ix_question_results_attempt_score')
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_attempts_report')
    with op.batch_alter_table('case_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_case_attempts_report')
