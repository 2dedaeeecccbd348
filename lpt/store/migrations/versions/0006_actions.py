"""Actions: recommended actions on streets and their life (proposed, accepted or dismissed, done).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('actions',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('ward_code', sa.String(length=9), nullable=False),
    sa.Column('lsoa21_code', sa.String(length=9), nullable=False),
    sa.Column('street_name', sa.Text(), nullable=False),
    sa.Column('rule_id', sa.String(length=60), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('who', sa.String(length=40), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('done_note', sa.Text(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_ward_status', ['ward_code', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_ward_status')

    op.drop_table('actions')
