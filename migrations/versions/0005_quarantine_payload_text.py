"""the quarantine keeps each payload as escaped JSON text

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 15:10:00

A phone can send values no JSON column takes on every database (a NUL or NaN
on PostgreSQL, a lone surrogate): the quarantine keeps what arrived as ASCII
JSON text instead (``pwa.sync.quarantine``).
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quarantined_events', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.JSON(), type_=sa.Text(),
                              existing_nullable=False, postgresql_using='payload::text')


def downgrade():
    with op.batch_alter_table('quarantined_events', schema=None) as batch_op:
        batch_op.alter_column('payload', existing_type=sa.Text(), type_=sa.JSON(),
                              existing_nullable=False, postgresql_using='payload::json')
