"""job_failures: background jobs that failed on their last try, for L&D to see

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 03:00:00

Expand only: a new table that code from before this revision never reads.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job', sa.String(length=60), nullable=False),
        sa.Column('arguments', sa.String(length=200), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('job_id', sa.String(length=120), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('message', sa.String(length=300), nullable=False),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_job_failures_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_job_failures')),
    )
    op.create_index('ix_job_failures_organisation_id_failed_at', 'job_failures',
                    ['organisation_id', 'failed_at'], unique=False)
    op.create_index('ix_job_failures_job_arguments_resolved_at', 'job_failures',
                    ['job', 'arguments', 'resolved_at'], unique=False)


def downgrade():
    op.drop_table('job_failures')
