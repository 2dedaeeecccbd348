"""community data: households, members, surveys, visits

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('community_batches',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('source_path', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_stored', sa.Integer(), nullable=False),
    sa.Column('rows_duplicate', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('rows_replaced', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('community_batches', schema=None) as batch_op:
        batch_op.create_index('ix_community_batches_kind_fingerprint', ['kind', 'fingerprint'], unique=False)

    op.create_table('community_rejects',
    sa.Column('id', ID, autoincrement=True, nullable=False),
    sa.Column('batch_id', ID, nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('raw_values', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['community_batches.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('community_rejects', schema=None) as batch_op:
        batch_op.create_index('ix_community_rejects_batch', ['batch_id'], unique=False)

    op.create_table('households',
    sa.Column('address_id', sa.String(length=40), nullable=False),
    sa.Column('house_number', sa.String(length=20), nullable=True),
    sa.Column('house_name', sa.Text(), nullable=True),
    sa.Column('street', sa.Text(), nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.Column('batch_id', ID, nullable=False),
    sa.Column('row_hash', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['community_batches.id'], ),
    sa.PrimaryKeyConstraint('address_id')
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_postcode', ['postcode'], unique=False)

    op.create_table('members',
    sa.Column('member_id', sa.String(length=40), nullable=False),
    sa.Column('first_name', sa.Text(), nullable=False),
    sa.Column('last_name', sa.Text(), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('address_id', sa.String(length=40), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.Column('age_band', sa.String(length=10), nullable=True),
    sa.Column('sex', sa.String(length=10), nullable=True),
    sa.Column('ethnic_group', sa.String(length=20), nullable=True),
    sa.Column('religion', sa.String(length=40), nullable=True),
    sa.Column('first_language', sa.String(length=40), nullable=True),
    sa.Column('groups', sa.Text(), nullable=True),
    sa.Column('opted_in', sa.Date(), nullable=False),
    sa.Column('opted_out', sa.Date(), nullable=True),
    sa.Column('batch_id', ID, nullable=False),
    sa.Column('row_hash', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['community_batches.id'], ),
    sa.PrimaryKeyConstraint('member_id')
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index('ix_members_address', ['address_id'], unique=False)
        batch_op.create_index('ix_members_postcode', ['postcode'], unique=False)

    op.create_table('survey_responses',
    sa.Column('response_id', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.String(length=40), nullable=True),
    sa.Column('wave', sa.String(length=6), nullable=False),
    sa.Column('responded_on', sa.Date(), nullable=False),
    sa.Column('trust', sa.SmallInteger(), nullable=False),
    sa.Column('confidence', sa.SmallInteger(), nullable=False),
    sa.Column('understands_issues', sa.SmallInteger(), nullable=False),
    sa.Column('deals_with_concerns', sa.SmallInteger(), nullable=False),
    sa.Column('priority_1', sa.String(length=40), nullable=True),
    sa.Column('priority_2', sa.String(length=40), nullable=True),
    sa.Column('priority_3', sa.String(length=40), nullable=True),
    sa.Column('concern', sa.Text(), nullable=True),
    sa.Column('batch_id', ID, nullable=False),
    sa.Column('row_hash', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['community_batches.id'], ),
    sa.PrimaryKeyConstraint('response_id')
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_member', ['member_id'], unique=False)
        batch_op.create_index('ix_survey_responses_wave', ['wave'], unique=False)

    op.create_table('visits',
    sa.Column('visit_id', sa.String(length=40), nullable=False),
    sa.Column('address_id', sa.String(length=40), nullable=False),
    sa.Column('postcode', sa.String(length=8), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('officer_id', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('batch_id', ID, nullable=False),
    sa.Column('row_hash', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['community_batches.id'], ),
    sa.PrimaryKeyConstraint('visit_id')
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index('ix_visits_address', ['address_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index('ix_visits_address')

    op.drop_table('visits')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_wave')
        batch_op.drop_index('ix_survey_responses_member')

    op.drop_table('survey_responses')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index('ix_members_postcode')
        batch_op.drop_index('ix_members_address')

    op.drop_table('members')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_postcode')

    op.drop_table('households')
    with op.batch_alter_table('community_rejects', schema=None) as batch_op:
        batch_op.drop_index('ix_community_rejects_batch')

    op.drop_table('community_rejects')
    with op.batch_alter_table('community_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_community_batches_kind_fingerprint')

    op.drop_table('community_batches')
