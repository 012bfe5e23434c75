"""an item's format holds the longest format name (supervisor_instruction)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('item_revisions', schema=None) as batch_op:
        batch_op.alter_column('format', existing_type=sa.String(length=20),
                              type_=sa.String(length=40), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('item_revisions', schema=None) as batch_op:
        batch_op.alter_column('format', existing_type=sa.String(length=40),
                              type_=sa.String(length=20), existing_nullable=False)
