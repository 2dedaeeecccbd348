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
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from lpt.vocab import TOPICS

__all__ = [
    "metadata",
    "crime_batches",
    "crimes",
    "crime_rejects",
    "reference_imports",
    "ref_boundaries",
    "ref_lsoa21",
    "ref_districts",
    "ref_lsoa11_lsoa21",
    "ref_rural_urban",
    "ref_deprivation",
    "ref_census",
    "ref_postcodes",
    "crime_links",
    "postcode_links",
    "ID",
    "community_batches",
    "community_rejects",
    "households",
    "members",
    "survey_responses",
    "visits",
    "teams",
    "users",
    "user_areas",
    "audit_log",
    "insight_lsoa",
    "insight_crime",
    "insight_households",
    "insight_members",
    "insight_responses",
    "insight_refreshes",
    "actions",
    "action_comments",
    "shared_priorities",
    "messages",
    "deliveries",
    "contact_suspensions",
    "survey_invitations",
    "token_uses",
    "replies",
]

metadata = MetaData()


def _batch_columns() -> list[Column]:
    """What every import batch table records: the file's fingerprint, its counts (lpt.ingest.report) and when."""
    return [
        Column("fingerprint", String(64), nullable=False),  # sha256 of the file's data rows, order-free
        *(Column(f"rows_{count}", Integer, nullable=False) for count in ("read", "stored", "duplicate", "rejected", "replaced")),
        Column("imported_at", DateTime(timezone=True), nullable=False),
    ]

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
    *_batch_columns(),
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


# --- Reference data (``lpt ingest reference``) ------------------------------
# Each reference table is replaced as a whole, per dataset, when its source
# files change; ``dataset`` columns say which import a row came from where one
# table holds several.

#: One row per reference dataset as last imported; an unchanged fingerprint
#: means re-running the import skips the dataset.
reference_imports = Table(
    "reference_imports",
    metadata,
    Column("dataset", String(60), primary_key=True),
    Column("source_paths", Text, nullable=False),  # JSON list of the files read
    Column("fingerprint", String(64), nullable=False),  # sha256 of the files' bytes
    Column("rows", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

#: Boundary polygons; geometry lives here, as WKB in WGS84 lon/lat (EPSG:4326),
#: so neither SpatiaLite nor PostGIS is needed.
ref_boundaries = Table(
    "ref_boundaries",
    metadata,
    Column("dataset", String(60), nullable=False),  # lsoa21_boundaries, ward_boundaries
    Column("code", String(9), nullable=False),  # GSS code of the area
    Column("name", Text, nullable=False),
    Column("geometry", LargeBinary, nullable=False),
    PrimaryKeyConstraint("dataset", "code", name="pk_ref_boundaries"),
)

#: LSOA 2021 -> best-fit ward (2024) -> local authority district (2024), England and Wales.
ref_lsoa21 = Table(
    "ref_lsoa21",
    metadata,
    Column("lsoa21_code", String(9), primary_key=True),
    Column("lsoa21_name", Text, nullable=False),
    Column("ward_code", String(9), nullable=False),
    Column("ward_name", Text, nullable=False),
    Column("district_code", String(9), nullable=False),
    Column("district_name", Text, nullable=False),
)

#: District -> community safety partnership -> police force area (Dec 2024). A
#: district that was merged from several lies in several partnerships, always
#: in one force area.
ref_districts = Table(
    "ref_districts",
    metadata,
    Column("district_code", String(9), nullable=False),
    Column("district_name", Text, nullable=False),
    Column("csp_code", String(9), nullable=False),
    Column("csp_name", Text, nullable=False),
    Column("pfa_code", String(9), nullable=False),
    Column("pfa_name", Text, nullable=False),
    PrimaryKeyConstraint("district_code", "csp_code", name="pk_ref_districts"),
)

#: LSOA 2011 -> LSOA 2021; change_code U unchanged, S split, M merged, X irregular.
ref_lsoa11_lsoa21 = Table(
    "ref_lsoa11_lsoa21",
    metadata,
    Column("lsoa11_code", String(9), nullable=False),
    Column("lsoa21_code", String(9), nullable=False),
    Column("change_code", String(1), nullable=False),
    PrimaryKeyConstraint("lsoa11_code", "lsoa21_code", name="pk_ref_lsoa11_lsoa21"),
)

#: 2021 rural-urban classification of LSOAs 2021.
ref_rural_urban = Table(
    "ref_rural_urban",
    metadata,
    Column("lsoa21_code", String(9), primary_key=True),
    Column("ruc21_code", String(4), nullable=False),
    Column("classification", Text, nullable=False),
    Column("ruc", String(20), nullable=False),  # Urban or Rural
)

#: English indices of deprivation, one row per dataset, LSOA and domain
#: (``IMD`` is the overall index). Ranks and deciles count from 1, most deprived.
ref_deprivation = Table(
    "ref_deprivation",
    metadata,
    Column("dataset", String(60), nullable=False),  # imd2019 (LSOA 2011), imd2025 (LSOA 2021)
    Column("lsoa_code", String(9), nullable=False),
    Column("domain", String(40), nullable=False),
    Column("score", Float, nullable=True),  # NULL where the release gives none (IMD 2019 File 1)
    Column("rank", Integer, nullable=False),
    Column("decile", Integer, nullable=False),
    PrimaryKeyConstraint("dataset", "lsoa_code", "domain", name="pk_ref_deprivation"),
)

#: Census 2021 tables (LSOA 2021) and mid-2020 population by single year of age
#: (LSOA 2011), long format: one row per dataset, LSOA and category.
ref_census = Table(
    "ref_census",
    metadata,
    Column("dataset", String(60), nullable=False),
    Column("lsoa_code", String(9), nullable=False),
    Column("category", Text, nullable=False),
    Column("n", Integer, nullable=False),
    Column("total", Integer, nullable=False),  # residents, households or population of the LSOA
    PrimaryKeyConstraint("dataset", "lsoa_code", "category", name="pk_ref_census"),
)

#: Live postcodes: Code-Point Open position joined to the ONS postcode -> LSOA 2011 lookup.
ref_postcodes = Table(
    "ref_postcodes",
    metadata,
    Column("postcode", String(8), primary_key=True),  # 'HU1 1AA' form: outcode, space, incode
    Column("positional_quality", Integer, nullable=False),
    Column("easting", Integer, nullable=False),  # British National Grid, EPSG:27700
    Column("northing", Integer, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("latitude", Float, nullable=False),
    Column("district_code", String(9), nullable=True),  # Code-Point's own district
    Column("lsoa11_code", String(9), nullable=True),  # NULL: not in the ONS lookup (newer postcode)
    Column("is_large_user", Boolean, nullable=True),  # business postcode: holds no households
)

# --- Linkage (``lpt.linkage``), recomputed as a whole by each link run ------

#: How each stored crime record links to street, LSOA 2021, ward, district and force.
#: A record with no ward has ``unlinked_reason``; ``outside_force_area`` records
#: (LSOA outside the districts of the file's force) are left out of ward figures.
crime_links = Table(
    "crime_links",
    metadata,
    Column("record_id", ID, ForeignKey("crimes.id", ondelete="CASCADE"), primary_key=True),
    Column("lsoa_vintage", Integer, nullable=True),  # 2011 or 2021: the vintage of the file's codes
    Column("lsoa21_code", String(9), nullable=True),
    Column("lsoa_rule", String(40), nullable=True),  # how lsoa21_code was found
    Column("street_name", Text, nullable=True),  # Location without 'On or near ', spaces collapsed
    Column("is_place", Boolean, nullable=True),  # generic place (Supermarket, Parking Area...)
    Column("ward_code", String(9), nullable=True),
    Column("district_code", String(9), nullable=True),
    Column("pfa_code", String(9), nullable=True),  # force area of the file's 'Falls within'
    Column("outside_force_area", Boolean, nullable=False),
    Column("unlinked_reason", Text, nullable=True),
    Index("ix_crime_links_street", "lsoa21_code", "street_name"),
    Index("ix_crime_links_ward", "ward_code"),
)

#: Postcode -> LSOA 2021 with the rule that applied, and the LSOA's ward and district.
postcode_links = Table(
    "postcode_links",
    metadata,
    Column("postcode", String(8), primary_key=True),
    Column("lsoa21_code", String(9), nullable=True),
    Column("rule", String(40), nullable=False),  # lsoa11_unique, point_in_polygon, nearest_polygon, unlinked
    Column("ward_code", String(9), nullable=True),
    Column("district_code", String(9), nullable=True),
    Column("unlinked_reason", Text, nullable=True),
)


# --- Community data (``lpt ingest households|members|surveys|visits``) -------
# Personal data: read it only through lpt's access layer. Each record keeps
# the batch that last wrote it and ``row_hash``, the sha1 of its values as
# imported, so a repeated import can tell unchanged rows from changed ones.

#: One row per imported community data file.
community_batches = Table(
    "community_batches",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # households, members, surveys, visits
    Column("source_path", Text, nullable=False),
    *_batch_columns(),
    Index("ix_community_batches_kind_fingerprint", "kind", "fingerprint"),
)

#: Rejected rows of community data files, kept whole with the first reason.
community_rejects = Table(
    "community_rejects",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("batch_id", ID, ForeignKey("community_batches.id"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("field", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    Column("raw_values", Text, nullable=False),  # JSON object of the row's fields as read
    Index("ix_community_rejects_batch", "batch_id"),
)

#: Residential addresses (docs/DATA_SCHEMA.md, households.csv).
households = Table(
    "households",
    metadata,
    Column("address_id", String(40), primary_key=True),
    Column("house_number", String(20), nullable=True),
    Column("house_name", Text, nullable=True),
    Column("street", Text, nullable=False),
    Column("postcode", String(8), nullable=False),
    Column("batch_id", ID, ForeignKey("community_batches.id"), nullable=False),
    Column("row_hash", String(40), nullable=False),
    Index("ix_households_postcode", "postcode"),
)

#: Registered residents (members.csv). ``groups``: sorted, ';'-separated.
members = Table(
    "members",
    metadata,
    Column("member_id", String(40), primary_key=True),
    Column("first_name", Text, nullable=False),
    Column("last_name", Text, nullable=False),
    Column("email", Text, nullable=True),
    Column("phone", String(40), nullable=True),
    Column("address_id", String(40), nullable=True),
    Column("postcode", String(8), nullable=False),
    Column("age_band", String(10), nullable=True),
    Column("sex", String(10), nullable=True),
    Column("ethnic_group", String(20), nullable=True),
    Column("religion", String(40), nullable=True),
    Column("first_language", String(40), nullable=True),
    Column("groups", Text, nullable=True),
    Column("opted_in", Date, nullable=False),
    Column("opted_out", Date, nullable=True),
    Column("batch_id", ID, ForeignKey("community_batches.id"), nullable=False),
    Column("row_hash", String(40), nullable=False),
    Index("ix_members_postcode", "postcode"),
    Index("ix_members_address", "address_id"),
)

#: Quarterly survey answers (surveys.csv); 5-point answers 1 (lowest) to 5.
survey_responses = Table(
    "survey_responses",
    metadata,
    Column("response_id", String(40), primary_key=True),
    Column("member_id", String(40), nullable=True),  # NULL once the member is erased
    Column("erased_lsoa21_code", String(9), nullable=True),  # the erased member's LSOA 2021, to keep area counts
    Column("wave", String(6), nullable=False),  # YYYYQn
    Column("responded_on", Date, nullable=False),
    Column("trust", SmallInteger, nullable=False),
    Column("confidence", SmallInteger, nullable=False),
    Column("understands_issues", SmallInteger, nullable=False),
    Column("deals_with_concerns", SmallInteger, nullable=False),
    Column("priority_1", String(40), nullable=True),
    Column("priority_2", String(40), nullable=True),
    Column("priority_3", String(40), nullable=True),
    Column("concern", Text, nullable=True),
    Column("batch_id", ID, ForeignKey("community_batches.id"), nullable=False),
    Column("row_hash", String(40), nullable=False),
    Index("ix_survey_responses_member", "member_id"),
    Index("ix_survey_responses_wave", "wave"),
)

#: Door-knocking visits (visits.csv).
visits = Table(
    "visits",
    metadata,
    Column("visit_id", String(40), primary_key=True),
    Column("address_id", String(40), nullable=False),
    Column("postcode", String(8), nullable=False),
    Column("visited_on", Date, nullable=False),
    Column("officer_id", String(40), nullable=False),
    Column("outcome", String(20), nullable=False),  # not_in, visited, registered, declined
    Column("batch_id", ID, ForeignKey("community_batches.id"), nullable=False),
    Column("row_hash", String(40), nullable=False),
    Index("ix_visits_address", "address_id"),
)


# --- Access (``lpt users``, ``lpt audit``; lpt.access) -----------------------

#: Teams of officers; a supervisor's own area includes the areas of their team.
teams = Table(
    "teams",
    metadata,
    Column("team_id", String(40), primary_key=True),
    Column("name", Text, nullable=False),
)

#: People who use LPT. ``role`` is one of lpt.access.permissions.ROLES; a
#: disabled user (``active`` false) is refused everything.
users = Table(
    "users",
    metadata,
    Column("user_id", String(40), primary_key=True),
    Column("name", Text, nullable=False),
    Column("role", String(20), nullable=False),
    Column("team_id", String(40), ForeignKey("teams.team_id"), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: The areas a user covers: ``level`` ward, district or force, with the GSS code
#: (force: the police force area code, e.g. E23000012).
user_areas = Table(
    "user_areas",
    metadata,
    Column("user_id", String(40), ForeignKey("users.user_id"), nullable=False),
    Column("level", String(10), nullable=False),
    Column("code", String(9), nullable=False),
    PrimaryKeyConstraint("user_id", "level", "code", name="pk_user_areas"),
)

#: Every read of personal data and every refused attempt; append-only (database
#: triggers refuse UPDATE and DELETE).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("user_id", String(40), nullable=False),
    Column("action", String(40), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("area", Text, nullable=True),  # what was asked for, e.g. 'ward E05011529'
    Column("records", Integer, nullable=False),
    Column("outcome", String(10), nullable=False),  # allowed, refused
    Column("detail", Text, nullable=True),  # why refused, or which member
    Index("ix_audit_log_user_at", "user_id", "at"),
)


# --- Insight (``lpt refresh``; lpt.insight) -----------------------------------
# Precomputed cubes that profiles roll up at query time. Rebuilt as a whole by
# each refresh; counts here are derived from personal data, so they leave lpt
# only through the access layer and disclosure control.

#: Per LSOA 2021: its areas and deprivation. ``imd2019_decile`` is the decile of
#: its 2011 parent (the most deprived parent where several).
insight_lsoa = Table(
    "insight_lsoa",
    metadata,
    Column("lsoa21_code", String(9), primary_key=True),
    Column("ward_code", String(9), nullable=False),
    Column("district_code", String(9), nullable=False),
    Column("pfa_code", String(9), nullable=True),
    Column("imd2019_decile", Integer, nullable=True),
    Column("imd2025_decile", Integer, nullable=True),
)

#: Crime records per LSOA, street, month and type (inside the force area only).
insight_crime = Table(
    "insight_crime",
    metadata,
    Column("lsoa21_code", String(9), nullable=False),
    Column("street_name", Text, nullable=False),
    Column("month", String(7), nullable=False),
    Column("crime_type", String(100), nullable=False),
    Column("records", Integer, nullable=False),
    Index("ix_insight_crime_lsoa", "lsoa21_code"),
)

#: Households per LSOA and street (the register of addresses).
insight_households = Table(
    "insight_households",
    metadata,
    Column("lsoa21_code", String(9), nullable=False),
    Column("street_name", Text, nullable=False),
    Column("households", Integer, nullable=False),
    Index("ix_insight_households_lsoa", "lsoa21_code"),
)

#: Members per LSOA, street, demographics, groups and the months they joined and left.
insight_members = Table(
    "insight_members",
    metadata,
    Column("lsoa21_code", String(9), nullable=False),
    Column("street_name", Text, nullable=False),  # '' when the member gave no address
    Column("age_band", String(10), nullable=False),  # '' when not stated
    Column("sex", String(10), nullable=False),
    Column("ethnic_group", String(20), nullable=False),
    Column("groups", Text, nullable=False),
    Column("joined_month", String(7), nullable=False),  # YYYY-MM of opted_in
    Column("left_month", String(7), nullable=False),  # YYYY-MM of opted_out, empty while registered
    Column("members", Integer, nullable=False),
    Index("ix_insight_members_lsoa", "lsoa21_code"),
)

#: Survey answers per LSOA, street, wave and the respondent's demographics and groups:
#: counts and sums, so means and shares roll up exactly.
insight_responses = Table(
    "insight_responses",
    metadata,
    Column("lsoa21_code", String(9), nullable=False),
    Column("street_name", Text, nullable=False),
    Column("wave", String(6), nullable=False),
    Column("age_band", String(10), nullable=False),
    Column("sex", String(10), nullable=False),
    Column("ethnic_group", String(20), nullable=False),
    Column("groups", Text, nullable=False),
    Column("responses", Integer, nullable=False),
    Column("trust_sum", Integer, nullable=False),
    Column("confidence_sum", Integer, nullable=False),
    Column("confident", Integer, nullable=False),  # confidence 4 or 5
    Column("concerns", Integer, nullable=False),  # answers with a free-text concern
    *(Column(f"priority_{topic}", Integer, nullable=False) for topic in TOPICS),
    Index("ix_insight_responses_lsoa", "lsoa21_code"),
)

#: When the insight tables were last rebuilt, and from how many records.
insight_refreshes = Table(
    "insight_refreshes",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("refreshed_at", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
)


# --- Actions (``lpt actions``; lpt.priorities.lifecycle) -----------------------

#: Recommended actions on a street and their life: ``status`` proposed, then
#: accepted or dismissed (``status_reason`` says why), then done (``done_note``
#: says what was done, ``done_on`` when). ``rule_id`` is the rule of
#: lpt/priorities/actions.toml that proposed it; ``reasons`` the scorer's reasons
#: behind it (JSON list of {kind, text, strength, figures}); ``who`` the role or
#: team that should act. The done ones are "what police did" in feedback. A done
#: action's ``updated_by`` is who marked it done (nothing changes it after that);
#: a supervisor then signs it off once (``signed_off_by``, a user ID, never the
#: one who marked it done; ``signed_off_at`` in UTC; ``sign_off_note``, optional).
actions = Table(
    "actions",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("ward_code", String(9), nullable=False),
    Column("lsoa21_code", String(9), nullable=False),
    Column("street_name", Text, nullable=False),
    Column("rule_id", String(60), nullable=False),
    Column("action", Text, nullable=False),
    Column("who", String(40), nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of the reasons it answers
    Column("status", String(10), nullable=False),  # proposed, accepted, dismissed, done
    Column("status_reason", Text, nullable=True),  # why dismissed (or accepted, if given)
    Column("done_note", Text, nullable=True),  # what was done
    Column("done_on", Date, nullable=True),  # when it was done
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(40), nullable=False),  # user ID of the last change
    Column("signed_off_by", String(40), nullable=True),  # user ID of the supervisor who signed it off
    Column("signed_off_at", DateTime(timezone=True), nullable=True),
    Column("sign_off_note", Text, nullable=True),
    Index("ix_actions_ward_status", "ward_code", "status"),
)

#: Comments on an action, insert-only (a thread per action, read oldest first): who wrote it
#: (``user_id``), when (``at``, UTC) and the ``text``.
action_comments = Table(
    "action_comments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("action_id", ID, ForeignKey("actions.id"), nullable=False),
    Column("user_id", String(40), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("text", Text, nullable=False),
    Index("ix_action_comments_action_at", "action_id", "at"),
)


# --- Sharing (lpt.priorities.sharing) ------------------------------------------

#: Streets an officer shared with their team as priorities (the supervisor's view):
#: who shared it (``shared_by``, a user ID) and when, the street key with its ward,
#: and an optional ``note`` saying why.
shared_priorities = Table(
    "shared_priorities",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("team_id", String(40), ForeignKey("teams.team_id"), nullable=False),
    Column("shared_by", String(40), nullable=False),  # user ID
    Column("shared_at", DateTime(timezone=True), nullable=False),
    Column("ward_code", String(9), nullable=False),
    Column("lsoa21_code", String(9), nullable=False),
    Column("street_name", Text, nullable=False),
    Column("note", Text, nullable=True),
    Index("ix_shared_priorities_team", "team_id"),
)


# --- Messages (lpt.messaging) ---------------------------------------------------
# What officers tell residents and every copy sent. Deliveries name members (personal
# data): erasure sets their member_id and address to NULL and keeps the counts.

#: Messages to residents. ``kind`` feedback (an officer's message) or survey_invitation (the
#: quarterly survey, one per ``wave``); ``author`` the user who composed it (user ID) and their
#: ``team_id``; ``audience`` the lpt.messaging.audience.AudienceSpec as JSON, ``level`` its level
#: (force, district, ward, streets, area); ``subject`` and ``body`` the text as residents read it
#: (figures filled in when composed); ``status`` awaiting_approval, approved, rejected or sent;
#: ``approved_by`` (user ID), ``approved_at`` and ``decision_reason`` record the approval or
#: rejection; ``sent_at`` when its deliveries were queued.
messages = Table(
    "messages",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # feedback, survey_invitation, reply_answer (lpt.replies)
    Column("author", String(40), nullable=False),  # user ID
    Column("team_id", String(40), ForeignKey("teams.team_id"), nullable=True),
    Column("audience", Text, nullable=False),  # JSON of the AudienceSpec
    Column("level", String(10), nullable=False),  # force, district, ward, streets, area
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(20), nullable=False),  # awaiting_approval, approved, rejected, sent
    Column("approved_by", String(40), nullable=True),  # user ID of the approver (or rejecter)
    Column("approved_at", DateTime(timezone=True), nullable=True),
    Column("decision_reason", Text, nullable=True),  # why rejected (or a note on the approval)
    Column("wave", String(6), nullable=True),  # YYYYQn of a survey invitation
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("kind", "wave", name="uq_messages_kind_wave"),
)

#: One copy of a message to one member. ``status`` queued (to go; counts towards the caps),
#: sent (counts), bounced (the address was refused), failed (``reason`` says why) or held (the
#: member was at a frequency cap: not sent, does not count); ``channel`` email or sms and the
#: ``address`` it went to (NULL when held, and after erasure); ``queued_at`` is the moment the
#: caps count.
deliveries = Table(
    "deliveries",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("message_id", ID, ForeignKey("messages.id"), nullable=False),
    Column("member_id", String(40), nullable=True),  # NULL once the member is erased
    Column("channel", String(10), nullable=False),  # email, sms
    Column("address", Text, nullable=True),
    Column("status", String(10), nullable=False),  # queued, sent, bounced, failed, held
    Column("reason", Text, nullable=True),  # why failed or bounced
    Column("queued_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("message_id", "member_id", name="uq_deliveries_message_member"),
    Index("ix_deliveries_member_queued", "member_id", "queued_at"),
    Index("ix_deliveries_status", "status"),
)

#: Members whose address on a channel is no longer used (bounced ``lpt.settings.bounce_limit()``
#: times in a row), since when and why.
contact_suspensions = Table(
    "contact_suspensions",
    metadata,
    Column("member_id", String(40), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    PrimaryKeyConstraint("member_id", "channel", name="pk_contact_suspensions"),
)

#: Who was invited to which quarterly survey ``wave`` (YYYYQn), by which delivery and when: at
#: most once per member and wave.
survey_invitations = Table(
    "survey_invitations",
    metadata,
    Column("member_id", String(40), nullable=False),
    Column("wave", String(6), nullable=False),
    Column("delivery_id", ID, ForeignKey("deliveries.id"), nullable=False),
    Column("invited_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("member_id", "wave", name="pk_survey_invitations"),
    Index("ix_survey_invitations_wave", "wave"),
)


# --- Replies (lpt.replies: residents' links, replies, engagement) -----------

#: Residents' links that were used (lpt.messaging.links): a link works once, so its token's
#: sha256 is the key, and a second or concurrent use of the same token fails on it.
token_uses = Table(
    "token_uses",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("purpose", String(12), nullable=False),  # reply, survey, unsubscribe
    Column("delivery_id", ID, ForeignKey("deliveries.id"), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=False),
    Index("ix_token_uses_delivery", "delivery_id"),
)

#: A resident's reply to one copy of a message (through its reply link), and the officer's answer:
#: ``answered_by`` (user ID), ``answer`` (its text), ``answered_at`` and the ``answer_message_id``
#: (the message of kind reply_answer that took it to the resident). Erasure sets ``member_id``
#: NULL and ``body`` and ``answer`` to '[erased]'.
replies = Table(
    "replies",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("delivery_id", ID, ForeignKey("deliveries.id"), nullable=False),
    Column("message_id", ID, ForeignKey("messages.id"), nullable=False),
    Column("member_id", String(40), nullable=True),  # NULL once the member is erased
    Column("body", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("answered_by", String(40), nullable=True),
    Column("answer", Text, nullable=True),
    Column("answered_at", DateTime(timezone=True), nullable=True),
    Column("answer_message_id", ID, ForeignKey("messages.id"), nullable=True),
    Index("ix_replies_message", "message_id"),
    Index("ix_replies_member", "member_id"),
    Index("ix_replies_delivery", "delivery_id"),
)


# --- Setups (lpt.setups: targeted door-knocking and the 'every door' campaign) -----

__all__ += ["setups", "setup_visits"]

#: Door-knocking setups. ``kind`` targeted (a team's engagement with an area or community) or
#: every_door (the force-wide campaign: every household, at most one active); ``owner`` the user who
#: created it (user ID) and ``team_id`` the team it belongs to; ``area`` JSON of
#: lpt.setups.model.SetupArea (wards, streets as (LSOA 2021 code, street name), or a polygon as WKT in
#: WGS84; none of them: force-wide); ``criteria`` JSON of lpt.setups.model.Criteria; ``starts_on`` and
#: ``ends_on`` (NULL: open-ended) the days visits may be recorded; ``revisit`` whether registered and
#: declined households stay on its list; ``status`` active or archived (``archived_at``: when).
setups = Table(
    "setups",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),
    Column("kind", String(12), nullable=False),  # targeted, every_door
    Column("team_id", String(40), ForeignKey("teams.team_id"), nullable=True),
    Column("owner", String(40), nullable=False),  # user ID
    Column("area", Text, nullable=False),  # JSON of SetupArea
    Column("criteria", Text, nullable=False),  # JSON of Criteria
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=True),
    Column("revisit", Boolean, nullable=False),
    Column("status", String(10), nullable=False),  # active, archived
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("archived_at", DateTime(timezone=True), nullable=True),
    Index("ix_setups_status", "status"),
    Index(
        "ux_setups_every_door",
        "kind",
        unique=True,
        sqlite_where=text("kind = 'every_door' AND status = 'active'"),
        postgresql_where=text("kind = 'every_door' AND status = 'active'"),
    ),
)

#: One call at a household for a setup, insert-only (several officers record at once and nothing is
#: lost): ``officer_id`` (user ID), ``visited_at`` (UTC), ``outcome`` (lpt.setups.model.OUTCOMES:
#: spoke_registered, spoke_not_registered, declined, not_in, no_access), ``survey`` (JSON of the
#: doorstep survey's answers, NULL when none), ``member_id`` (the member registered on the doorstep
#: with the resident's consent; no foreign key, so erasure leaves the call counted), ``note``.
setup_visits = Table(
    "setup_visits",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("setup_id", ID, ForeignKey("setups.id"), nullable=False),
    Column("address_id", String(40), nullable=False),
    Column("officer_id", String(40), nullable=False),  # user ID
    Column("visited_at", DateTime(timezone=True), nullable=False),
    Column("outcome", String(24), nullable=False),
    Column("survey", Text, nullable=True),  # JSON of the doorstep answers
    Column("member_id", String(40), nullable=True),  # registered on the doorstep
    Column("note", Text, nullable=True),
    Index("ix_setup_visits_setup_address_at", "setup_id", "address_id", "visited_at"),
    Index("ix_setup_visits_address_at", "address_id", "visited_at"),
)
