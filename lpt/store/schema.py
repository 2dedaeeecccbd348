"""Tables of the LPT store, as SQLAlchemy Core metadata.

The schema is created and changed only by the Alembic migrations in
``lpt/store/migrations``; this module describes the current head for queries.
Column meanings are documented once here.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

__all__ = ["metadata", "crime_batches", "crimes", "crime_rejects", "ID"]

metadata = MetaData()

#: 64-bit identity that is still SQLite's fast rowid alias.
ID = BigInteger().with_variant(Integer(), "sqlite")

#: One row per imported version of a force-month of police.uk street data.
#: ``active`` marks the version currently in ``crimes``; a republished month
#: deactivates the earlier version and points it at its successor.
crime_batches = Table(
    "crime_batches",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("force", String(200), nullable=False),  # 'Reported by' of the file
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("source_path", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),  # sha256 of the file's data rows, order-free
    Column("rows_read", Integer, nullable=False),
    Column("rows_stored", Integer, nullable=False),
    Column("rows_duplicate", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("rows_replaced", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("superseded_by", ID, ForeignKey("crime_batches.id"), nullable=True),
    Index(
        "ux_crime_batches_active",
        "force",
        "month",
        unique=True,
        sqlite_where=text("active"),
        postgresql_where=text("active"),
    ),
)

#: Street-level crimes and ASB incidents of the active batches, one row per
#: record. Text fields are stored as published; empty optional fields are NULL.
#: A record's stable identity is (force, month, row_hash, ordinal): ``ordinal``
#: numbers identical rows without a Crime ID (separate ASB incidents).
crimes = Table(
    "crimes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("batch_id", ID, ForeignKey("crime_batches.id"), nullable=False),
    Column("force", String(200), nullable=False),
    Column("month", String(7), nullable=False),
    Column("crime_id", String(200), nullable=True),  # NULL for anti-social behaviour
    Column("reported_by", String(200), nullable=False),
    Column("falls_within", String(200), nullable=False),
    Column("longitude", Float, nullable=True),
    Column("latitude", Float, nullable=True),
    Column("location", Text, nullable=False),  # raw 'Location', e.g. 'On or near High Street'
    Column("lsoa_code", String(9), nullable=True),
    Column("lsoa_name", Text, nullable=True),
    Column("crime_type", String(100), nullable=False),
    Column("last_outcome_category", Text, nullable=True),
    Column("context", Text, nullable=True),
    Column("source_line", Integer, nullable=False),
    Column("row_hash", String(40), nullable=False),  # sha1 of the 12 raw fields
    Column("ordinal", Integer, nullable=False),
    Column("has_location", Boolean, nullable=False),
    Column("shared_crime_id", Boolean, nullable=False),  # other rows of the month share its Crime ID
    UniqueConstraint("force", "month", "row_hash", "ordinal", name="uq_crimes_identity"),
    Index("ix_crimes_batch", "batch_id"),
    Index("ix_crimes_month_force", "month", "force"),
    Index("ix_crimes_lsoa", "lsoa_code"),
)

#: Rejected rows, kept whole with the first reason, for every batch ever imported.
crime_rejects = Table(
    "crime_rejects",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("batch_id", ID, ForeignKey("crime_batches.id"), nullable=False),
    Column("source_path", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("field", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw_values", Text, nullable=False),  # JSON list of the row's fields as read
    Index("ix_crime_rejects_batch", "batch_id"),
)
