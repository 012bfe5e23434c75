"""daily practice: practice cards, reviews, lesson completions; practice settings

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 11:55:00

Expand only: three new tables and two nullable columns of plan_settings (NULL
means the default), so code from before this revision runs against it unchanged.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _person(table):
    return sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                   name=op.f(f'fk_{table}_person_id_people'), ondelete='CASCADE')


def _item(table):
    return sa.ForeignKeyConstraint(['item_id'], ['items.id'],
                                   name=op.f(f'fk_{table}_item_id_items'), ondelete='CASCADE')


def upgrade():
    op.create_table(
        'practice_cards',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('question', sa.Integer(), nullable=False),
        sa.Column('state', sa.SmallInteger(), nullable=False),
        sa.Column('step', sa.Integer(), nullable=True),
        sa.Column('stability', sa.Float(), nullable=True),
        sa.Column('difficulty', sa.Float(), nullable=True),
        sa.Column('due', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_review', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reps', sa.Integer(), nullable=False),
        sa.Column('lapses', sa.Integer(), nullable=False),
        _person('practice_cards'), _item('practice_cards'),
        sa.PrimaryKeyConstraint('person_id', 'item_id', 'question',
                                name=op.f('pk_practice_cards')),
    )
    op.create_index('ix_practice_cards_person_due', 'practice_cards', ['person_id', 'due'])
    op.create_table(
        'practice_reviews',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('question', sa.Integer(), nullable=False),
        sa.Column('answer', sa.JSON(), nullable=False),
        sa.Column('correct', sa.Boolean(), nullable=False),
        sa.Column('hinted', sa.Boolean(), nullable=False),
        sa.Column('grade', sa.SmallInteger(), nullable=False),
        sa.Column('response_ms', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        _person('practice_reviews'), _item('practice_reviews'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_reviews')),
    )
    op.create_index('ix_practice_reviews_card', 'practice_reviews',
                    ['person_id', 'item_id', 'question', 'occurred_at'])
    op.create_index('ix_practice_reviews_item', 'practice_reviews', ['item_id', 'question'])
    op.create_table(
        'lesson_completions',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        _person('lesson_completions'), _item('lesson_completions'),
        sa.PrimaryKeyConstraint('person_id', 'item_id', name=op.f('pk_lesson_completions')),
    )
    with op.batch_alter_table('plan_settings') as batch:
        batch.add_column(sa.Column('daily_minutes', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('weekly_goal', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('plan_settings') as batch:
        batch.drop_column('weekly_goal')
        batch.drop_column('daily_minutes')
    op.drop_table('lesson_completions')
    op.drop_index('ix_practice_reviews_item', table_name='practice_reviews')
    op.drop_index('ix_practice_reviews_card', table_name='practice_reviews')
    op.drop_table('practice_reviews')
    op.drop_index('ix_practice_cards_person_due', table_name='practice_cards')
    op.drop_table('practice_cards')
