"""plan summaries, the read model of each plan's size a release sums

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 08:46:51.703741

The table starts empty: a plan is computed by the rules in Python, which SQL
cannot do. The release summarises any assessed learner who has no row yet
before it sums, and ``flask --app pwa plans summarise`` fills it for everyone
at once.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plan_summaries',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('fee_cents', sa.Integer(), nullable=False),
        sa.Column('covered', sa.Integer(), nullable=False),
        sa.Column('uncovered', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_plan_summaries_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_plan_summaries')),
    )


def downgrade():
    op.drop_table('plan_summaries')
