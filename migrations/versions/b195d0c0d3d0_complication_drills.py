"""complication drills: drill content versions, attempts on a server clock, steps, judged actions

Drill attempts reuse the attempt_status enum and drill versions the content_status enum;
both types exist already on PostgreSQL, so they are not created again here.

Revision ID: b195d0c0d3d0
Revises: 78c01495ceac
Create Date: 2026-12-06 02:28:36.205182

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = 'b195d0c0d3d0'
down_revision = '78c01495ceac'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('drills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('academy_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['academy_id'], ['academies.id'], name=op.f('fk_drills_academy_id_academies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drills')),
    sa.UniqueConstraint('academy_id', 'slug', name=op.f('uq_drills_academy_id_slug'))
    )
    with op.batch_alter_table('drills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drills_academy_id'), ['academy_id'], unique=False)
        batch_op.create_index('uq_drills_bank_slug', ['slug'], unique=True, sqlite_where=sa.text('academy_id IS NULL'), postgresql_where=sa.text('academy_id IS NULL'))

    op.create_table('drill_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', postgresql.ENUM('draft', 'published', 'retired', name='content_status', create_type=False), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_drill_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_versions_drill_id_drills'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_versions')),
    sa.UniqueConstraint('drill_id', 'number', name=op.f('uq_drill_versions_drill_id_number'))
    )
    with op.batch_alter_table('drill_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_versions_drill_id'), ['drill_id'], unique=False)

    op.create_table('drill_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('academy_id', sa.Integer(), nullable=False),
    sa.Column('drill_id', sa.Integer(), nullable=False),
    sa.Column('drill_version_id', sa.Integer(), nullable=False),
    sa.Column('status', postgresql.ENUM('in_progress', 'submitted', name='attempt_status', create_type=False), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['academy_id'], ['academies.id'], name=op.f('fk_drill_attempts_academy_id_academies')),
    sa.ForeignKeyConstraint(['drill_id'], ['drills.id'], name=op.f('fk_drill_attempts_drill_id_drills')),
    sa.ForeignKeyConstraint(['drill_version_id'], ['drill_versions.id'], name=op.f('fk_drill_attempts_drill_version_id_drill_versions')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_drill_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_attempts'))
    )
    with op.batch_alter_table('drill_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_attempts_academy_id'), ['academy_id'], unique=False)
        batch_op.create_index('ix_drill_attempts_academy_status', ['academy_id', 'status', 'drill_id', 'outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_attempts_drill_id'), ['drill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_attempts_drill_version_id'), ['drill_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drill_attempts_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_drill_attempts_open', ['user_id', 'drill_id'], unique=True, sqlite_where=sa.text("status = 'in_progress'"), postgresql_where=sa.text("status = 'in_progress'"))

    op.create_table('drill_action_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('drill_version_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['drill_attempts.id'], name=op.f('fk_drill_action_results_attempt_id_drill_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['drill_version_id'], ['drill_versions.id'], name=op.f('fk_drill_action_results_drill_version_id_drill_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_action_results')),
    sa.UniqueConstraint('attempt_id', 'action', name=op.f('uq_drill_action_results_attempt_id_action'))
    )
    with op.batch_alter_table('drill_action_results', schema=None) as batch_op:
        batch_op.create_index('ix_drill_action_results_version_verdict', ['drill_version_id', 'action', 'verdict'], unique=False)

    op.create_table('drill_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('dose', sa.JSON(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['drill_attempts.id'], name=op.f('fk_drill_steps_attempt_id_drill_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drill_steps'))
    )
    with op.batch_alter_table('drill_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drill_steps_attempt_id'), ['attempt_id'], unique=False)



def downgrade():
    with op.batch_alter_table('drill_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_steps_attempt_id'))

    op.drop_table('drill_steps')
    with op.batch_alter_table('drill_action_results', schema=None) as batch_op:
        batch_op.drop_index('ix_drill_action_results_version_verdict')

    op.drop_table('drill_action_results')
    with op.batch_alter_table('drill_attempts', schema=None) as batch_op:
        batch_op.drop_index('uq_drill_attempts_open', sqlite_where=sa.text("status = 'in_progress'"), postgresql_where=sa.text("status = 'in_progress'"))
        batch_op.drop_index(batch_op.f('ix_drill_attempts_user_id'))
        batch_op.drop_index(batch_op.f('ix_drill_attempts_drill_version_id'))
        batch_op.drop_index(batch_op.f('ix_drill_attempts_drill_id'))
        batch_op.drop_index('ix_drill_attempts_academy_status')
        batch_op.drop_index(batch_op.f('ix_drill_attempts_academy_id'))

    op.drop_table('drill_attempts')
    with op.batch_alter_table('drill_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drill_versions_drill_id'))

    op.drop_table('drill_versions')
    with op.batch_alter_table('drills', schema=None) as batch_op:
        batch_op.drop_index('uq_drills_bank_slug', sqlite_where=sa.text('academy_id IS NULL'), postgresql_where=sa.text('academy_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_drills_academy_id'))

    op.drop_table('drills')
