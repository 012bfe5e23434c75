"""uncovered gaps, the read model of each learner's gaps no catalogue item covers

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 23:20:00.000000

The table starts empty: a plan is computed by the rules in Python, which SQL
cannot do. ``flask --app pwa plans summarise`` fills it for everyone at once (a
deployment that starts with data runs it once after this upgrade); from then on
the change that moves a learner's gaps refreshes their rows in its own transaction.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'uncovered_gaps',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('competency', sa.String(length=100), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('needed', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_uncovered_gaps_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', 'competency', name=op.f('pk_uncovered_gaps')),
    )


def downgrade():
    op.drop_table('uncovered_gaps')
