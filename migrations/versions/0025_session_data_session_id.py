"""session_data.session_id: the signed-in device a session's record names, so that one
joined SELECT reads the record with its ``sessions`` row, person and counters

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 08:10:00

Expand only: a nullable column and no foreign key. The record's data keeps the id it
always held, and the data decides: code from before this revision never writes the
column (a record it stores keeps a column that no longer matches its data, or none),
and code from after it uses the joined row only where the column and the data name the
same row, else it reads the row by itself as before. No foreign key, so that ending a
session writes nothing more than it did: a record whose row is gone finds none in the
join, and is signed out.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('session_data', sa.Column('session_id', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('session_data', 'session_id')
