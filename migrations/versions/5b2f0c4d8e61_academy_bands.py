"""academy bands: per academy, the submitted case attempts per band of the learners the academy
report counts, kept with each case submission and each change to who is counted (issue 21, B3;
models/summaries.py, services/learning/standings.py). Filled from the learner standings and
case summaries.

Revision ID: 5b2f0c4d8e61
Revises: 5d2e7a1c9f30
Create Date: 2026-12-06 09:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b2f0c4d8e61'
down_revision = '5d2e7a1c9f30'
branch_labels = None
depends_on = None

BANDS = ('under_treated', 'conservative', 'natural', 'overdone', 'overfilled', 'unsafe')


def upgrade():
    table = op.create_table('academy_bands',
    sa.Column('academy_id', sa.Integer(), nullable=False),
    *(sa.Column(band, sa.Integer(), nullable=False) for band in BANDS),
    sa.ForeignKeyConstraint(['academy_id'], ['academies.id'], name=op.f('fk_academy_bands_academy_id_academies')),
    sa.PrimaryKeyConstraint('academy_id', name=op.f('pk_academy_bands'))
    )
    from quizapp.services.learning import standings

    rows = standings.band_rows(op.get_bind(), None)
    if rows:
        op.bulk_insert(
            table,
            [dict(zip(('academy_id', *BANDS), (*key, *values))) for key, values in rows.items()],
        )


def downgrade():
    op.drop_table('academy_bands')
