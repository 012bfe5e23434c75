"""item_translations: a catalogue item revision's text in another language, written by
L&D, with the original's words it was made from

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 15:00:00

Expand only: a new table. A translation is not a revision, so nothing that practice,
plans or reviews key on (items, item_revisions, practice_cards) changes; code from before
this revision never reads the table and serves every item in its original words.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'item_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_revision_id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=160), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('cards', sa.JSON(), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('source', sa.JSON(), nullable=False),
        sa.Column('made_from_revision', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['item_revision_id'], ['item_revisions.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['people.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('item_revision_id', 'locale'),
    )
    op.create_index(op.f('ix_item_translations_item_revision_id'), 'item_translations',
                    ['item_revision_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_item_translations_item_revision_id'),
                  table_name='item_translations')
    op.drop_table('item_translations')
