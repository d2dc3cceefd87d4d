"""logbook entries: each entry's share of the practice tendency (zones judged, deviations in
billionths, zones above and below the reference), written with its facts so the dashboard sums
them instead of scoring every entry on each view (issue 21). Existing entries are scored here
by the domain engine, as services/portfolio/practice.py does (and `flask summaries rebuild`).

Revision ID: 5d2e7a1c9f30
Revises: 196588972600
Create Date: 2026-12-06 09:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5d2e7a1c9f30'
down_revision = '196588972600'
branch_labels = None
depends_on = None

FIGURES = (
    ('zones_judged', sa.Integer()),
    ('deviation_nano', sa.BigInteger()),
    ('zones_above', sa.Integer()),
    ('zones_below', sa.Integer()),
)


def upgrade():
    # Plain ADD COLUMN (not batch mode): SQLite adds a NOT NULL column with a default in place,
    # where batch mode would copy the table and trip the foreign keys pointing at it.
    for name, type_ in FIGURES:
        op.add_column(
            'logbook_entries', sa.Column(name, type_, server_default='0', nullable=False)
        )
    from quizapp.services.portfolio import practice

    practice.rescore_entries(executor=op.get_bind())


def downgrade():
    for name, _ in reversed(FIGURES):
        op.drop_column('logbook_entries', name)  # SQLite 3.35+ drops a plain column in place
