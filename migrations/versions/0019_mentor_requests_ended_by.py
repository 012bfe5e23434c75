"""mentor requests: who ended a mentoring, so that the other one hears of it

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 10:00:00

Expand only: one nullable column, which code from before this revision never reads.
Mentorings ended before it keep NULL (who ended them is not known, and nobody is told
of them now). On SQLite the column and its foreign key are added by copying
``mentor_requests``: a child table, so dropping its old copy takes no rows elsewhere.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mentor_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mentor_requests_ended_by_id_people'),
                                    'people', ['ended_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('mentor_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mentor_requests_ended_by_id_people'),
                                 type_='foreignkey')
        batch_op.drop_column('ended_by_id')
