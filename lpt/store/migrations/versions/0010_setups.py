"""Setups: targeted door-knocking setups (and the force-wide 'every door' one) and their doorstep visits.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('setups',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('team_id', sa.String(length=40), nullable=True),
    sa.Column('owner', sa.String(length=40), nullable=False),
    sa.Column('area', sa.Text(), nullable=False),
    sa.Column('criteria', sa.Text(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('revisit', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['teams.team_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('setups', schema=None) as batch_op:
        batch_op.create_index('ix_setups_status', ['status'], unique=False)
        batch_op.create_index('ux_setups_every_door', ['kind'], unique=True,
                              sqlite_where=sa.text("kind = 'every_door' AND status = 'active'"),
                              postgresql_where=sa.text("kind = 'every_door' AND status = 'active'"))

    op.create_table('setup_visits',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('setup_id', ID, nullable=False),
    sa.Column('address_id', sa.String(length=40), nullable=False),
    sa.Column('officer_id', sa.String(length=40), nullable=False),
    sa.Column('visited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('survey', sa.Text(), nullable=True),
    sa.Column('member_id', sa.String(length=40), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['setup_id'], ['setups.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('setup_visits', schema=None) as batch_op:
        batch_op.create_index('ix_setup_visits_setup_address_at', ['setup_id', 'address_id', 'visited_at'], unique=False)
        batch_op.create_index('ix_setup_visits_address_at', ['address_id', 'visited_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('setup_visits', schema=None) as batch_op:
        batch_op.drop_index('ix_setup_visits_address_at')
        batch_op.drop_index('ix_setup_visits_setup_address_at')

    op.drop_table('setup_visits')
    with op.batch_alter_table('setups', schema=None) as batch_op:
        batch_op.drop_index('ux_setups_every_door')
        batch_op.drop_index('ix_setups_status')

    op.drop_table('setups')
