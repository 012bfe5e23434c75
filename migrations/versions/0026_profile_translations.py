"""profile_translations: a profile version's competencies in another language, each field
with the original's words it was translated from

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 15:00:00

Expand only: a new table. Code from before this revision never reads it, and learners of
that code see the originals, as they did.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('profile_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('source', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_profile_translations_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['profile_versions.id'], name=op.f('fk_profile_translations_version_id_profile_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_translations')),
    sa.UniqueConstraint('version_id', 'competency_id', 'language', name=op.f('uq_profile_translations_version_id'))
    )
    with op.batch_alter_table('profile_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_translations_competency_id'), ['competency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_profile_translations_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('profile_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_translations_version_id'))
        batch_op.drop_index(batch_op.f('ix_profile_translations_competency_id'))
    op.drop_table('profile_translations')
