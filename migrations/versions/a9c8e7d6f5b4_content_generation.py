"""content_generation: one row whose token changes with every content change

Content lists (published modules and cases) are cached per worker under this token
(services/learning/catalogue.py); models/content.py changes it in the same transaction as any change to
a module, a case or one of their versions.

Revision ID: a9c8e7d6f5b4
Revises: f2a3b4c5d6e7
Create Date: 2026-11-24 01:00:00.000000

"""
import secrets

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a9c8e7d6f5b4'
down_revision = 'f2a3b4c5d6e7'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'content_generation',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_generation')),
    )
    # Without the row nothing is cached (and the first content change adds it); with it, from now.
    op.bulk_insert(table, [{'id': 1, 'token': secrets.randbits(62)}])


def downgrade():
    op.drop_table('content_generation')
