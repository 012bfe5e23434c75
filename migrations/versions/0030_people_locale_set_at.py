"""people.locale_set_at: when the person's language was last chosen, so that a change made
offline and synced late does not undo a newer one

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 15:10:00

Expand only: a nullable column that code from before this revision never reads nor
writes (it sets the language from the account page alone). Plain ALTER TABLE on both
databases: a batch copy of ``people`` would drop the table, and with it, through ON
DELETE CASCADE, everything that belongs to a person.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('people', sa.Column('locale_set_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade():
    op.drop_column('people', 'locale_set_at')
