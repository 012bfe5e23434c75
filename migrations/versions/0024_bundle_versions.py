"""people.bundle_version and organisations.bundle_version: what the bootstrap's ETag is made of

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 03:00:00

Expand only: two counters with a server default, which code from before this revision
never reads nor writes (it answers the bootstrap with a hash of the bundle's bytes, which
a counter left behind cannot make stale). Plain ALTER TABLE on both databases: a batch
copy of ``people`` would drop the table, and with it, through ON DELETE CASCADE,
everything that belongs to a person.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('people', sa.Column('bundle_version', sa.Integer(), nullable=False,
                                      server_default='0'))
    op.add_column('organisations', sa.Column('bundle_version', sa.Integer(), nullable=False,
                                             server_default='0'))


def downgrade():
    op.drop_column('organisations', 'bundle_version')
    op.drop_column('people', 'bundle_version')
