"""academies: `active`, so a site admin can close an academy without deleting its history

Revision ID: ac5ee72cdb39
Revises: c6c991b8f2f6
Create Date: 2026-12-06 02:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'ac5ee72cdb39'
down_revision = 'c6c991b8f2f6'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (not batch mode): SQLite adds a NOT NULL column with a default in
    # place, where batch mode would copy the table and trip the foreign keys pointing at it.
    op.add_column(
        'academies', sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False)
    )


def downgrade():
    op.drop_column('academies', 'active')  # SQLite 3.35+ drops a plain column in place
