"""Sharing: streets an officer shares with their team as priorities.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('shared_priorities',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('team_id', sa.String(length=40), nullable=False),
    sa.Column('shared_by', sa.String(length=40), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ward_code', sa.String(length=9), nullable=False),
    sa.Column('lsoa21_code', sa.String(length=9), nullable=False),
    sa.Column('street_name', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['teams.team_id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('shared_priorities', schema=None) as batch_op:
        batch_op.create_index('ix_shared_priorities_team', ['team_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('shared_priorities', schema=None) as batch_op:
        batch_op.drop_index('ix_shared_priorities_team')

    op.drop_table('shared_priorities')
