"""practice fits: FSRS parameters fitted to an organisation's answers, and their judgement

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:30:00

Expand only: one new table, which code from before this revision never reads.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'practice_fits',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('fitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('logs', sa.Integer(), nullable=False),
        sa.Column('train', sa.Integer(), nullable=False),
        sa.Column('test', sa.Integer(), nullable=False),
        sa.Column('old_parameters', sa.JSON(), nullable=False),
        sa.Column('new_parameters', sa.JSON(), nullable=True),
        sa.Column('old_metrics', sa.JSON(), nullable=True),
        sa.Column('new_metrics', sa.JSON(), nullable=True),
        sa.Column('adopted', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.Column('reason_params', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_practice_fits_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_fits')),
    )
    op.create_index('ix_practice_fits_organisation_fitted', 'practice_fits',
                    ['organisation_id', 'fitted_at'])


def downgrade():
    op.drop_index('ix_practice_fits_organisation_fitted', table_name='practice_fits')
    op.drop_table('practice_fits')
