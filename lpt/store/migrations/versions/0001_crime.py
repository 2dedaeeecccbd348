"""police.uk street crime: batches, records and rejected rows.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "crime_batches",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("force", sa.String(200), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("source_path", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_stored", sa.Integer, nullable=False),
        sa.Column("rows_duplicate", sa.Integer, nullable=False),
        sa.Column("rows_rejected", sa.Integer, nullable=False),
        sa.Column("rows_replaced", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("superseded_by", ID, sa.ForeignKey("crime_batches.id"), nullable=True),
    )
    op.create_index(
        "ux_crime_batches_active",
        "crime_batches",
        ["force", "month"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "crimes",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("batch_id", ID, sa.ForeignKey("crime_batches.id"), nullable=False),
        sa.Column("force", sa.String(200), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("crime_id", sa.String(200), nullable=True),
        sa.Column("reported_by", sa.String(200), nullable=False),
        sa.Column("falls_within", sa.String(200), nullable=False),
        sa.Column("longitude", sa.Float, nullable=True),
        sa.Column("latitude", sa.Float, nullable=True),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("lsoa_code", sa.String(9), nullable=True),
        sa.Column("lsoa_name", sa.Text, nullable=True),
        sa.Column("crime_type", sa.String(100), nullable=False),
        sa.Column("last_outcome_category", sa.Text, nullable=True),
        sa.Column("context", sa.Text, nullable=True),
        sa.Column("source_line", sa.Integer, nullable=False),
        sa.Column("row_hash", sa.String(40), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("has_location", sa.Boolean, nullable=False),
        sa.Column("shared_crime_id", sa.Boolean, nullable=False),
        sa.UniqueConstraint("force", "month", "row_hash", "ordinal", name="uq_crimes_identity"),
    )
    op.create_index("ix_crimes_batch", "crimes", ["batch_id"])
    op.create_index("ix_crimes_month_force", "crimes", ["month", "force"])
    op.create_index("ix_crimes_lsoa", "crimes", ["lsoa_code"])
    op.create_table(
        "crime_rejects",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("batch_id", ID, sa.ForeignKey("crime_batches.id"), nullable=False),
        sa.Column("source_path", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw_values", sa.Text, nullable=False),
    )
    op.create_index("ix_crime_rejects_batch", "crime_rejects", ["batch_id"])


def downgrade() -> None:
    op.drop_table("crime_rejects")
    op.drop_table("crimes")
    op.drop_table("crime_batches")
