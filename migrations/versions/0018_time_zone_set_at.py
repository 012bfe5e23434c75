"""people.time_zone_set_at: when a person's time zone was last chosen

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 19:50:00

Expand only: one nullable column, which code from before this revision never reads.
A zone set before it reads as never chosen, so the next change of it wins.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has ADD and DROP COLUMN): a batch copy of
# ``people`` would drop the table, and with it, through ON DELETE CASCADE, everything
# that belongs to a person.
def upgrade():
    op.add_column('people', sa.Column('time_zone_set_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    op.drop_column('people', 'time_zone_set_at')
