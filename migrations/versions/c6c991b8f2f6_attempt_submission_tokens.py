"""attempts: the submitting form's token, unique, so a retried submission returns the stored result

Revision ID: c6c991b8f2f6
Revises: b3c4d5e6f7a8
Create Date: 2026-12-06 01:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c6c991b8f2f6'
down_revision = 'b3c4d5e6f7a8'
branch_labels = None
depends_on = None

TABLES = ('quiz_attempts', 'case_attempts')


def upgrade():
    # A unique index rather than a constraint: SQLite adds both without copying the table (a
    # copy would cascade-delete the attempts' result rows).
    for table in TABLES:
        op.add_column(table, sa.Column('submission_token', sa.String(length=64), nullable=True))
        op.create_index(
            f'ix_{table}_submission_token', table, ['submission_token'], unique=True
        )


def downgrade():
    for table in TABLES:
        op.drop_index(f'ix_{table}_submission_token', table_name=table)
        op.drop_column(table, 'submission_token')  # in place: SQLite 3.35 and later
