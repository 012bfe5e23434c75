"""mentor changes: whom the next mentor assignment must look at again

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 03:30:00.000000

Expand only: a new table, which code from before this revision never reads. It starts
empty; the suggestions already stored are a whole organisation's assignment, which the
next run after one person's change keeps and corrects.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mentor_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_mentor_changes_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_mentor_changes_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_changes')),
    )
    op.create_index(op.f('ix_mentor_changes_organisation_id'), 'mentor_changes',
                    ['organisation_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_mentor_changes_organisation_id'), table_name='mentor_changes')
    op.drop_table('mentor_changes')
