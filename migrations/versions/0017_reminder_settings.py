"""reminder settings: a learner's reminder time, days, quiet hours and kinds

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 16:30:00

Expand only: one new table, which code from before this revision never reads.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_settings',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('remind_at', sa.Time(), nullable=False),
        sa.Column('days', sa.JSON(), nullable=False),
        sa.Column('quiet_start', sa.Time(), nullable=True),
        sa.Column('quiet_end', sa.Time(), nullable=True),
        sa.Column('kinds', sa.JSON(), nullable=False),
        sa.Column('usual_practice', sa.Time(), nullable=True),
        sa.Column('usual_confirmed', sa.Boolean(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'],
                                name=op.f('fk_reminder_settings_person_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_reminder_settings')),
    )


def downgrade():
    op.drop_table('reminder_settings')
