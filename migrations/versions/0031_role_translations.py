"""role_translations: a role's name and short description in another language, each field
with the original's words it was translated from

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 19:00:00

Expand only: a new table. Code from before this revision never reads it, and its readers
see the roles' names in the original, as they did.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('role_translations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('role_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('source', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['role_id'], ['roles.id'], name=op.f('fk_role_translations_role_id_roles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_translations')),
    sa.UniqueConstraint('role_id', 'language', name=op.f('uq_role_translations_role_id'))
    )
    with op.batch_alter_table('role_translations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_translations_role_id'), ['role_id'], unique=False)


def downgrade():
    with op.batch_alter_table('role_translations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_translations_role_id'))
    op.drop_table('role_translations')
