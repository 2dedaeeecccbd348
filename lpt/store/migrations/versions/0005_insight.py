"""Insight: precomputed cubes for area profiles (lpt refresh).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('insight_crime',
    sa.Column('lsoa21_code', sa.String(length=9), nullable=False),
    sa.Column('street_name', sa.Text(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('crime_type', sa.String(length=100), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False)
    )
    with op.batch_alter_table('insight_crime', schema=None) as batch_op:
        batch_op.create_index('ix_insight_crime_lsoa', ['lsoa21_code'], unique=False)

    op.create_table('insight_households',
    sa.Column('lsoa21_code', sa.String(length=9), nullable=False),
    sa.Column('street_name', sa.Text(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=False)
    )
    with op.batch_alter_table('insight_households', schema=None) as batch_op:
        batch_op.create_index('ix_insight_households_lsoa', ['lsoa21_code'], unique=False)

    op.create_table('insight_lsoa',
    sa.Column('lsoa21_code', sa.String(length=9), nullable=False),
    sa.Column('ward_code', sa.String(length=9), nullable=False),
    sa.Column('district_code', sa.String(length=9), nullable=False),
    sa.Column('pfa_code', sa.String(length=9), nullable=True),
    sa.Column('imd2019_decile', sa.Integer(), nullable=True),
    sa.Column('imd2025_decile', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('lsoa21_code')
    )
    op.create_table('insight_members',
    sa.Column('lsoa21_code', sa.String(length=9), nullable=False),
    sa.Column('street_name', sa.Text(), nullable=False),
    sa.Column('age_band', sa.String(length=10), nullable=False),
    sa.Column('sex', sa.String(length=10), nullable=False),
    sa.Column('ethnic_group', sa.String(length=20), nullable=False),
    sa.Column('groups', sa.Text(), nullable=False),
    sa.Column('joined_month', sa.String(length=7), nullable=False),
    sa.Column('left_month', sa.String(length=7), nullable=False),
    sa.Column('members', sa.Integer(), nullable=False)
    )
    with op.batch_alter_table('insight_members', schema=None) as batch_op:
        batch_op.create_index('ix_insight_members_lsoa', ['lsoa21_code'], unique=False)

    op.create_table('insight_refreshes',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('refreshed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('insight_responses',
    sa.Column('lsoa21_code', sa.String(length=9), nullable=False),
    sa.Column('street_name', sa.Text(), nullable=False),
    sa.Column('wave', sa.String(length=6), nullable=False),
    sa.Column('age_band', sa.String(length=10), nullable=False),
    sa.Column('sex', sa.String(length=10), nullable=False),
    sa.Column('ethnic_group', sa.String(length=20), nullable=False),
    sa.Column('groups', sa.Text(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('trust_sum', sa.Integer(), nullable=False),
    sa.Column('confidence_sum', sa.Integer(), nullable=False),
    sa.Column('confident', sa.Integer(), nullable=False),
    sa.Column('concerns', sa.Integer(), nullable=False),
    sa.Column('priority_drugs', sa.Integer(), nullable=False),
    sa.Column('priority_asb', sa.Integer(), nullable=False),
    sa.Column('priority_speeding', sa.Integer(), nullable=False),
    sa.Column('priority_burglary', sa.Integer(), nullable=False),
    sa.Column('priority_vehicle_crime', sa.Integer(), nullable=False),
    sa.Column('priority_violence', sa.Integer(), nullable=False),
    sa.Column('priority_litter_flytipping', sa.Integer(), nullable=False),
    sa.Column('priority_youth_nuisance', sa.Integer(), nullable=False),
    sa.Column('priority_shoplifting', sa.Integer(), nullable=False),
    sa.Column('priority_criminal_damage', sa.Integer(), nullable=False)
    )
    with op.batch_alter_table('insight_responses', schema=None) as batch_op:
        batch_op.create_index('ix_insight_responses_lsoa', ['lsoa21_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('insight_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_insight_responses_lsoa')

    op.drop_table('insight_responses')
    op.drop_table('insight_refreshes')
    with op.batch_alter_table('insight_members', schema=None) as batch_op:
        batch_op.drop_index('ix_insight_members_lsoa')

    op.drop_table('insight_members')
    op.drop_table('insight_lsoa')
    with op.batch_alter_table('insight_households', schema=None) as batch_op:
        batch_op.drop_index('ix_insight_households_lsoa')

    op.drop_table('insight_households')
    with op.batch_alter_table('insight_crime', schema=None) as batch_op:
        batch_op.drop_index('ix_insight_crime_lsoa')

    op.drop_table('insight_crime')
