"""Action review: supervisors' sign-off of done actions, and a comment thread per action.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_off_by', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sign_off_note', sa.Text(), nullable=True))

    op.create_table('action_comments',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('action_id', ID, nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('action_comments', schema=None) as batch_op:
        batch_op.create_index('ix_action_comments_action_at', ['action_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('action_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_action_comments_action_at')

    op.drop_table('action_comments')
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('sign_off_note')
        batch_op.drop_column('signed_off_at')
        batch_op.drop_column('signed_off_by')
