"""Read-only views of the store, as documented data frames."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Engine, Table, case, func, literal, select

from lpt.store.community import KINDS as COMMUNITY_KINDS
from lpt.store.community import NOT_LINKED as _NOT_LINKED
from lpt.store.community import community_link_counts, community_rejects_listed
from lpt.store.frames import read_query
from lpt.store.schema import (
    crime_batches,
    crime_links,
    crime_rejects,
    crimes,
    postcode_links,
    ref_boundaries,
    ref_lsoa21,
    ref_postcodes,
)

__all__ = [
    "rejected_rows",
    "crime_summary",
    "read_table",
    "boundaries",
    "streets",
    "ward_crime_counts",
    "lsoa_crime_counts",
    "quality_summary",
    "quality_reasons",
]


def rejected_rows(engine: Engine, *, include_replaced: bool = False) -> pd.DataFrame:
    """Rejected rows: police.uk rows, then community export rows, oldest import first.

    Columns: ``source`` (``crime``, or the community kind: ``households``,
    ``members``, ``surveys``, ``visits``), ``file`` (path as imported),
    ``line`` (1-based, header is line 1), ``field`` (column, or ``(row)`` for
    a wrong field count), ``reason``, ``force`` and ``month`` (of a crime
    file; None for community rows), ``raw_values`` (JSON list of a crime row's
    fields as read; None for community rows, which are personal data: file and
    line find them), ``active`` (False once a republished month replaced the
    crime batch or, for community rows, once the file was imported again in
    full or a later file rejected the same row: see
    :func:`lpt.store.community.community_rejects_listed`). Inactive rejects are
    left out unless ``include_replaced``.
    """
    crime = (
        select(
            literal("crime").label("source"),
            crime_rejects.c.source_path.label("file"),
            crime_rejects.c.line,
            crime_rejects.c.field,
            crime_rejects.c.reason,
            crime_batches.c.force,
            crime_batches.c.month,
            crime_rejects.c.raw_values,
            crime_batches.c.active,
        )
        .join(crime_batches, crime_batches.c.id == crime_rejects.c.batch_id)
        .order_by(crime_rejects.c.id)
    )
    if not include_replaced:
        crime = crime.where(crime_batches.c.active)
    community = community_rejects_listed(engine).assign(force=None, month=None, raw_values=None)
    if not include_replaced:
        community = community[community["active"]]
    return pd.concat([read_query(engine, crime), community[crime.selected_columns.keys()]], ignore_index=True)


def crime_summary(engine: Engine) -> pd.DataFrame:
    """Stored records per force and month.

    Columns: ``force``, ``month``, ``records`` (crimes and ASB), ``asb``
    (anti-social behaviour), ``no_location`` (no coordinates), ``no_lsoa``,
    ``shared_crime_id`` (records whose Crime ID other records share).
    """
    query = (
        select(
            crimes.c.force,
            crimes.c.month,
            func.count().label("records"),
            _count_where(crimes.c.crime_type == "Anti-social behaviour").label("asb"),
            _count_where(~crimes.c.has_location).label("no_location"),
            _count_where(crimes.c.lsoa_code.is_(None)).label("no_lsoa"),
            _count_where(crimes.c.shared_crime_id).label("shared_crime_id"),
        )
        .group_by(crimes.c.force, crimes.c.month)
        .order_by(crimes.c.force, crimes.c.month)
    )
    return read_query(engine, query)


def read_table(engine: Engine, table: Table, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Every row of ``table``; columns as documented in :mod:`lpt.store.schema` (all, or ``columns``)."""
    selected = [table.c[c] for c in columns] if columns else list(table.c)
    return read_query(engine, select(*selected))


def boundaries(engine: Engine, dataset: str, codes: Iterable[str] | None = None) -> gpd.GeoDataFrame:
    """Polygons of one boundary dataset (``lsoa21_boundaries``, ``ward_boundaries``), of ``codes`` (None: all).

    Columns: ``code``, ``name``, ``geometry`` (EPSG:4326).
    """
    query = select(ref_boundaries.c.code, ref_boundaries.c.name, ref_boundaries.c.geometry).where(
        ref_boundaries.c.dataset == dataset
    )
    if codes is not None:
        query = query.where(ref_boundaries.c.code.in_(sorted(codes)))
    frame = read_query(engine, query)
    geometry = shapely.from_wkb(frame.pop("geometry").to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)


def streets(engine: Engine, wards: Iterable[str] | None = None) -> pd.DataFrame:
    """Streets and places, one row per street key (LSOA 2021 code, street name), of ``wards`` (None: all).

    Columns: ``lsoa21_code``, ``street_name``, ``is_place``, ``longitude`` and
    ``latitude`` (the key's most used snap point: its representative point),
    ``ward_code``, ``district_code``, ``records`` (linked crime records).
    Later stages aggregate at street level on this key.
    """
    columns = [
        *(crime_links.c[c] for c in ("lsoa21_code", "street_name", "is_place", "ward_code", "district_code")),
        crimes.c.longitude,
        crimes.c.latitude,
    ]
    query = (
        select(*columns, func.count().label("records"))
        .join(crimes, crimes.c.id == crime_links.c.record_id)
        .where(crime_links.c.lsoa21_code.is_not(None), crime_links.c.street_name.is_not(None))
        .group_by(*columns)
    )
    if wards is not None:
        query = query.where(crime_links.c.ward_code.in_(sorted(wards)))
    points = read_query(engine, query)
    key = ["lsoa21_code", "street_name"]
    totals = points.groupby(key)["records"].sum()
    order = [*key, "records", "longitude", "latitude"]  # ties go to the westmost, then southmost point
    best = points.sort_values(order, ascending=[True, True, False, True, True]).drop_duplicates(key)
    best = best.set_index(key).assign(records=totals).reset_index()
    return best[[*key, "is_place", "longitude", "latitude", "ward_code", "district_code", "records"]]


def ward_crime_counts(engine: Engine) -> pd.DataFrame:
    """Crime records per ward and month, the basis of ward figures.

    Records flagged ``outside_force_area`` and unlinked records are left out.
    Columns: ``ward_code``, ``ward_name``, ``district_code``, ``month``, ``records``.
    """
    ward_names = (
        select(ref_lsoa21.c.ward_code, func.max(ref_lsoa21.c.ward_name).label("ward_name"))
        .group_by(ref_lsoa21.c.ward_code)
        .subquery()
    )
    query = (
        select(
            crime_links.c.ward_code,
            ward_names.c.ward_name,
            crime_links.c.district_code,
            crimes.c.month,
            func.count().label("records"),
        )
        .join(crimes, crimes.c.id == crime_links.c.record_id)
        .join(ward_names, ward_names.c.ward_code == crime_links.c.ward_code)
        .where(crime_links.c.ward_code.is_not(None), ~crime_links.c.outside_force_area)
        .group_by(
            crime_links.c.ward_code, ward_names.c.ward_name, crime_links.c.district_code, crimes.c.month
        )
        .order_by(crime_links.c.ward_code, crimes.c.month)
    )
    return read_query(engine, query)


def lsoa_crime_counts(engine: Engine) -> pd.DataFrame:
    """Crime records per LSOA 2021, month and crime type, inside the force area.

    Records flagged ``outside_force_area`` and unlinked records are left out.
    Columns: ``lsoa21_code``, ``month``, ``crime_type``, ``records``.
    """
    query = (
        select(crime_links.c.lsoa21_code, crimes.c.month, crimes.c.crime_type, func.count().label("records"))
        .join(crimes, crimes.c.id == crime_links.c.record_id)
        .where(crime_links.c.lsoa21_code.is_not(None), ~crime_links.c.outside_force_area)
        .group_by(crime_links.c.lsoa21_code, crimes.c.month, crimes.c.crime_type)
        .order_by(crime_links.c.lsoa21_code, crimes.c.month, crimes.c.crime_type)
    )
    return read_query(engine, query)


#: Postcodes have no month; their rows in the quality report carry this one.
POSTCODE_RELEASE = "release"


def quality_reasons(engine: Engine) -> pd.DataFrame:
    """Why records are flagged, unlinked or rejected, and by which rule the rest linked.

    One row per source, month, status and reason. Columns: ``source``
    (``crime: <force>``, ``postcodes``, or a community source: ``households``,
    ``members``, ``surveys``, ``visits``), ``month`` (``release`` for
    postcodes; for community sources the month of ``opted_in``,
    ``responded_on`` or ``visited_on``, and of the import for households),
    ``status`` (``linked``, ``flagged``, ``unlinked`` or ``rejected``),
    ``reason`` (the rule for linked rows), ``rows``.
    """
    parts = [
        p[_QUALITY]
        for p in (*_crime_quality(engine), *_postcode_quality(engine), *_community_quality(engine))
        if not p.empty
    ]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "rows" else "object") for c in _QUALITY})
    table = pd.concat(parts, ignore_index=True)
    return (
        table.groupby(_QUALITY[:-1], as_index=False)["rows"]
        .sum()
        .sort_values(_QUALITY[:3], ignore_index=True)
    )


_QUALITY = ["source", "month", "status", "reason", "rows"]
_OUTSIDE = "LSOA outside the force's districts"
_FORCE_NOT_FOUND = "force not found in the force area lookup"
_LARGE_USER = "large-user (business) postcode: holds no households"


def _crime_quality(engine: Engine) -> list[pd.DataFrame]:
    """Quality rows of the crime records of active batches and their rejects."""
    groups = [
        crimes.c.force,
        crimes.c.month,
        crime_links.c.record_id.is_(None).label("not_linked"),
        crime_links.c.outside_force_area,
        crime_links.c.pfa_code.is_(None).label("no_force"),
        crime_links.c.unlinked_reason,
        crime_links.c.lsoa_rule,
    ]
    crime = read_query(
        engine,
        select(*groups, func.count().label("rows"))
        .outerjoin(crime_links, crime_links.c.record_id == crimes.c.id)
        .group_by(*groups),
    )
    crime["source"] = "crime: " + crime["force"]
    not_linked = crime["not_linked"].astype(bool)
    linked = crime[crime["unlinked_reason"].isna() & ~not_linked]
    flagged = crime[crime["outside_force_area"].fillna(False).astype(bool)]
    unlinked = crime[crime["unlinked_reason"].notna() | not_linked]
    rejects = read_query(
        engine,
        select(
            crime_batches.c.force,
            crime_batches.c.month,
            (crime_rejects.c.field + ": " + crime_rejects.c.reason).label("reason"),
        )
        .join(crime_batches, crime_batches.c.id == crime_rejects.c.batch_id)
        .where(crime_batches.c.active),
    )
    return [
        linked.assign(status="linked", reason=linked["lsoa_rule"]),
        flagged.assign(
            status="flagged", reason=flagged["no_force"].map({True: _FORCE_NOT_FOUND, False: _OUTSIDE})
        ),
        unlinked.assign(status="unlinked", reason=unlinked["unlinked_reason"].fillna(_NOT_LINKED)),
        rejects.assign(source="crime: " + rejects["force"], status="rejected", rows=1),
    ]


def _postcode_quality(engine: Engine) -> list[pd.DataFrame]:
    """Quality rows of the stored postcodes: linked by rule, large users flagged, unlinked."""
    groups = [ref_postcodes.c.is_large_user, postcode_links.c.rule, postcode_links.c.unlinked_reason]
    postcodes = read_query(
        engine,
        select(*groups, func.count().label("rows"))
        .outerjoin(postcode_links, postcode_links.c.postcode == ref_postcodes.c.postcode)
        .group_by(*groups),
    ).assign(source="postcodes", month=POSTCODE_RELEASE)
    unlinked = postcodes["rule"].isna() | (postcodes["rule"] == "unlinked")
    linked, missing = postcodes[~unlinked], postcodes[unlinked]
    large = postcodes[postcodes["is_large_user"].fillna(False).astype(bool)]
    return [
        linked.assign(status="linked", reason=linked["rule"]),
        large.assign(status="flagged", reason=_LARGE_USER),
        missing.assign(status="unlinked", reason=missing["unlinked_reason"].fillna(_NOT_LINKED)),
    ]


def _community_quality(engine: Engine) -> list[pd.DataFrame]:
    """Quality rows of the community sources: linked by rule, flagged, unlinked, and their active rejects."""
    parts = []
    for kind in COMMUNITY_KINDS:
        counts = community_link_counts(engine, kind).assign(source=kind)
        linked = counts[counts["unlinked_reason"].isna()]
        flagged = counts[counts["flagged_reason"].notna()]
        unlinked = counts[counts["unlinked_reason"].notna()]
        parts += [
            linked.assign(status="linked", reason=linked["rule"]),
            flagged.assign(status="flagged", reason=flagged["flagged_reason"]),
            unlinked.assign(status="unlinked", reason=unlinked["unlinked_reason"]),
        ]
    rejects = community_rejects_listed(engine)
    rejects = rejects[rejects["active"]]
    return [*parts, rejects.assign(status="rejected", reason=rejects["field"] + ": " + rejects["reason"], rows=1)]


def quality_summary(engine: Engine) -> pd.DataFrame:
    """Rows stored, flagged, unlinked and rejected per source and month.

    Columns: ``source``, ``month`` (see :func:`quality_reasons`), ``stored``,
    ``flagged``, ``unlinked``, ``rejected``. Flagged rows are stored and
    linked but left out of ward figures (crime) or of household placement
    (postcodes), or are households and visits at large-user postcodes;
    unlinked rows are stored without a ward.
    """
    reasons = quality_reasons(engine)
    counts = ["stored", "flagged", "unlinked", "rejected"]
    if reasons.empty:
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c in counts else "object") for c in ["source", "month", *counts]}
        )
    stored = (
        reasons[reasons["status"].isin(["linked", "unlinked"])].groupby(["source", "month"])["rows"].sum()
    )
    table = reasons.pivot_table(index=["source", "month"], columns="status", values="rows", aggfunc="sum")
    table = table.reindex(columns=["flagged", "unlinked", "rejected"]).fillna(0).astype("int64")
    table.insert(0, "stored", stored.reindex(table.index).fillna(0).astype("int64"))
    return table.reset_index().rename_axis(columns=None)


def _count_where(condition):
    return func.sum(case((condition, 1), else_=0))

