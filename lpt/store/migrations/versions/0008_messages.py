"""Messages: messages to residents, their deliveries, suspended addresses and survey invitations.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('messages',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('author', sa.String(length=40), nullable=False),
    sa.Column('team_id', sa.String(length=40), nullable=True),
    sa.Column('audience', sa.Text(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('approved_by', sa.String(length=40), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('wave', sa.String(length=6), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['teams.team_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'wave', name='uq_messages_kind_wave')
    )
    op.create_table('deliveries',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('message_id', ID, nullable=False),
    sa.Column('member_id', sa.String(length=40), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_id', 'member_id', name='uq_deliveries_message_member')
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_member_queued', ['member_id', 'queued_at'], unique=False)
        batch_op.create_index('ix_deliveries_status', ['status'], unique=False)

    op.create_table('contact_suspensions',
    sa.Column('member_id', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('member_id', 'channel', name='pk_contact_suspensions')
    )
    op.create_table('survey_invitations',
    sa.Column('member_id', sa.String(length=40), nullable=False),
    sa.Column('wave', sa.String(length=6), nullable=False),
    sa.Column('delivery_id', ID, nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ),
    sa.PrimaryKeyConstraint('member_id', 'wave', name='pk_survey_invitations')
    )
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.create_index('ix_survey_invitations_wave', ['wave'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_invitations_wave')

    op.drop_table('survey_invitations')
    op.drop_table('contact_suspensions')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_status')
        batch_op.drop_index('ix_deliveries_member_queued')

    op.drop_table('deliveries')
    op.drop_table('messages')
