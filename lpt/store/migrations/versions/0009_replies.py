"""Replies: residents' used links (token_uses) and their replies with the officers' answers.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('token_uses',
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=12), nullable=False),
    sa.Column('delivery_id', ID, nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ),
    sa.PrimaryKeyConstraint('token_sha256')
    )
    with op.batch_alter_table('token_uses', schema=None) as batch_op:
        batch_op.create_index('ix_token_uses_delivery', ['delivery_id'], unique=False)

    op.create_table('replies',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('delivery_id', ID, nullable=False),
    sa.Column('message_id', ID, nullable=False),
    sa.Column('member_id', sa.String(length=40), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_by', sa.String(length=40), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_message_id', ID, nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ),
    sa.ForeignKeyConstraint(['answer_message_id'], ['messages.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.create_index('ix_replies_delivery', ['delivery_id'], unique=False)
        batch_op.create_index('ix_replies_member', ['member_id'], unique=False)
        batch_op.create_index('ix_replies_message', ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_index('ix_replies_message')
        batch_op.drop_index('ix_replies_member')
        batch_op.drop_index('ix_replies_delivery')

    op.drop_table('replies')
    with op.batch_alter_table('token_uses', schema=None) as batch_op:
        batch_op.drop_index('ix_token_uses_delivery')

    op.drop_table('token_uses')
