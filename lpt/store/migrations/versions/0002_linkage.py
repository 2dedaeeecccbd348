"""Reference geography, deprivation, census and postcodes; crime and postcode links.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _code(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(9), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "reference_imports",
        sa.Column("dataset", sa.String(60), primary_key=True),
        sa.Column("source_paths", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "ref_boundaries",
        sa.Column("dataset", sa.String(60), nullable=False),
        _code("code"),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("geometry", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("dataset", "code", name="pk_ref_boundaries"),
    )
    op.create_table(
        "ref_lsoa21",
        sa.Column("lsoa21_code", sa.String(9), primary_key=True),
        sa.Column("lsoa21_name", sa.Text, nullable=False),
        _code("ward_code"),
        sa.Column("ward_name", sa.Text, nullable=False),
        _code("district_code"),
        sa.Column("district_name", sa.Text, nullable=False),
    )
    op.create_table(
        "ref_districts",
        _code("district_code"),
        sa.Column("district_name", sa.Text, nullable=False),
        _code("csp_code"),
        sa.Column("csp_name", sa.Text, nullable=False),
        _code("pfa_code"),
        sa.Column("pfa_name", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("district_code", "csp_code", name="pk_ref_districts"),
    )
    op.create_table(
        "ref_lsoa11_lsoa21",
        _code("lsoa11_code"),
        _code("lsoa21_code"),
        sa.Column("change_code", sa.String(1), nullable=False),
        sa.PrimaryKeyConstraint("lsoa11_code", "lsoa21_code", name="pk_ref_lsoa11_lsoa21"),
    )
    op.create_table(
        "ref_rural_urban",
        sa.Column("lsoa21_code", sa.String(9), primary_key=True),
        sa.Column("ruc21_code", sa.String(4), nullable=False),
        sa.Column("classification", sa.Text, nullable=False),
        sa.Column("ruc", sa.String(20), nullable=False),
    )
    op.create_table(
        "ref_deprivation",
        sa.Column("dataset", sa.String(60), nullable=False),
        _code("lsoa_code"),
        sa.Column("domain", sa.String(40), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("decile", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("dataset", "lsoa_code", "domain", name="pk_ref_deprivation"),
    )
    op.create_table(
        "ref_census",
        sa.Column("dataset", sa.String(60), nullable=False),
        _code("lsoa_code"),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("n", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("dataset", "lsoa_code", "category", name="pk_ref_census"),
    )
    op.create_table(
        "ref_postcodes",
        sa.Column("postcode", sa.String(8), primary_key=True),
        sa.Column("positional_quality", sa.Integer, nullable=False),
        sa.Column("easting", sa.Integer, nullable=False),
        sa.Column("northing", sa.Integer, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("latitude", sa.Float, nullable=False),
        _code("district_code", nullable=True),
        _code("lsoa11_code", nullable=True),
        sa.Column("is_large_user", sa.Boolean, nullable=True),
    )
    op.create_table(
        "crime_links",
        sa.Column("record_id", ID, sa.ForeignKey("crimes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("lsoa_vintage", sa.Integer, nullable=True),
        _code("lsoa21_code", nullable=True),
        sa.Column("lsoa_rule", sa.String(40), nullable=True),
        sa.Column("street_name", sa.Text, nullable=True),
        sa.Column("is_place", sa.Boolean, nullable=True),
        _code("ward_code", nullable=True),
        _code("district_code", nullable=True),
        _code("pfa_code", nullable=True),
        sa.Column("outside_force_area", sa.Boolean, nullable=False),
        sa.Column("unlinked_reason", sa.Text, nullable=True),
    )
    op.create_index("ix_crime_links_street", "crime_links", ["lsoa21_code", "street_name"])
    op.create_index("ix_crime_links_ward", "crime_links", ["ward_code"])
    op.create_table(
        "postcode_links",
        sa.Column("postcode", sa.String(8), primary_key=True),
        _code("lsoa21_code", nullable=True),
        sa.Column("rule", sa.String(40), nullable=False),
        _code("ward_code", nullable=True),
        _code("district_code", nullable=True),
        sa.Column("unlinked_reason", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in (
        "postcode_links",
        "crime_links",
        "ref_postcodes",
        "ref_census",
        "ref_deprivation",
        "ref_rural_urban",
        "ref_lsoa11_lsoa21",
        "ref_districts",
        "ref_lsoa21",
        "ref_boundaries",
        "reference_imports",
    ):
        op.drop_table(table)
