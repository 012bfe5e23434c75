"""people.external_id and roster_uploads: people brought in from an HR system's file

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 00:00:00

Expand only: a nullable column, which code from before this revision never reads, its
unique index per organisation (NULLs are distinct on both databases: people made by an
invite have none), and a new table. Besides, an index on ``invites.created_by_id``:
ending an account sets it to NULL, which without one reads every invite of a roster.
Plain ALTER TABLE and CREATE INDEX on both
databases: a batch copy of ``people`` would drop the table, and with it, through ON
DELETE CASCADE, everything that belongs to a person.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('people', sa.Column('external_id', sa.String(length=64), nullable=True))
    op.create_index('ix_people_organisation_id_external_id', 'people',
                    ['organisation_id', 'external_id'], unique=True)
    op.create_index('ix_invites_created_by_id', 'invites', ['created_by_id'], unique=False)
    op.create_table(
        'roster_uploads',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_roster_uploads_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['people.id'],
                                name=op.f('fk_roster_uploads_uploaded_by_id_people'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_uploads')),
    )
    with op.batch_alter_table('roster_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_uploads_organisation_id'),
                              ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roster_uploads_uploaded_by_id'),
                              ['uploaded_by_id'], unique=False)


def downgrade():
    op.drop_table('roster_uploads')
    op.drop_index('ix_invites_created_by_id', table_name='invites')
    op.drop_index('ix_people_organisation_id_external_id', table_name='people')
    op.drop_column('people', 'external_id')
