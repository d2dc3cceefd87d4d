"""academy credentials: signing keys (one Ed25519 key in use per academy, kept encrypted;
retired keys stay), and the certificate logo and signatory

Credentials are signed with the academy's key (docs/certificates.md); the issuer profile
publishes every key, retired ones too, so what they signed keeps verifying. Certificate PDFs
show the academy's logo and its signatory's name and title, set by its admins.

Revision ID: 78c01495ceac
Revises: ac5ee72cdb39
Create Date: 2026-12-06 02:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '78c01495ceac'
down_revision = 'ac5ee72cdb39'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'academy_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('academy_id', sa.Integer(), nullable=False),
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('public_key', sa.String(length=128), nullable=False),
        sa.Column('private_key_sealed', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['academy_id'], ['academies.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_id'),
    )
    with op.batch_alter_table('academy_keys', schema=None) as batch_op:
        batch_op.create_index('ix_academy_keys_academy_id', ['academy_id'], unique=False)
        batch_op.create_index(
            'uq_academy_keys_current',
            ['academy_id'],
            unique=True,
            sqlite_where=sa.text('retired_at IS NULL'),
            postgresql_where=sa.text('retired_at IS NULL'),
        )


    with op.batch_alter_table('academies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate_logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column('signatory_name', sa.String(length=120), server_default='', nullable=False)
        )
        batch_op.add_column(
            sa.Column('signatory_title', sa.String(length=120), server_default='', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('academies', schema=None) as batch_op:
        batch_op.drop_column('signatory_title')
        batch_op.drop_column('signatory_name')
        batch_op.drop_column('certificate_logo')
    op.drop_table('academy_keys')
