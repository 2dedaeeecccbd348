"""Link stored records: read the store, apply the linkage rules, write the links.

:func:`link_all` recomputes ``crime_links`` and ``postcode_links`` as a whole in
one transaction, so it is safe to repeat and always reflects the stored crime
batches and the current reference release. ``lpt build``, ``lpt ingest crime``
and ``lpt ingest reference`` run it after importing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine

from lpt.linkage.areas import force_area_codes, outside_force_area, wards_of
from lpt.linkage.lsoa import BNG, file_vintages, lsoa21_from_2011, postcode_lsoa21
from lpt.linkage.streets import is_place, street_names
from lpt.store.frames import replace_rows
from lpt.store.queries import boundaries, read_table
from lpt.store.schema import (
    crime_links,
    crimes,
    postcode_links,
    ref_districts,
    ref_lsoa11_lsoa21,
    ref_lsoa21,
    ref_postcodes,
)

__all__ = ["LinkReport", "Reference", "link_all", "link_crimes", "link_postcodes", "load_reference"]

NO_REFERENCE = "reference data not imported (run lpt ingest reference)"
NO_LSOA = "no LSOA code in the record"
UNKNOWN_LSOA21 = "LSOA code not in the LSOA 2021 lookup"
NO_WARD = "LSOA 2021 code has no ward in the lookup"


@dataclass(frozen=True)
class Reference:
    """The reference data the rules need.

    ``lsoa21``: columns of ``ref_lsoa21``; ``districts``: of ``ref_districts``;
    ``lsoa11_lookup``: of ``ref_lsoa11_lsoa21``; ``polygons``: LSOA 2021
    polygons in EPSG:27700 with ``code``, ``district_code``, ``geometry``.
    """

    lsoa21: pd.DataFrame
    districts: pd.DataFrame
    lsoa11_lookup: pd.DataFrame
    polygons: gpd.GeoDataFrame


@dataclass
class LinkReport:
    """Counts of one link run."""

    crimes: int
    crimes_unlinked: int
    crimes_outside_force_area: int
    postcodes: int
    postcodes_unlinked: int

    def as_dict(self) -> dict:
        return asdict(self)


def load_reference(engine: Engine) -> Reference:
    """The stored reference data, polygons projected to British National Grid."""
    lsoa21 = read_table(engine, ref_lsoa21)
    polygons = boundaries(engine, "lsoa21_boundaries").to_crs(BNG)
    polygons = polygons.merge(
        lsoa21[["lsoa21_code", "district_code"]], left_on="code", right_on="lsoa21_code", how="left"
    )
    return Reference(
        lsoa21=lsoa21,
        districts=read_table(engine, ref_districts),
        lsoa11_lookup=read_table(engine, ref_lsoa11_lsoa21),
        polygons=polygons[["code", "district_code", "geometry"]],
    )


def link_crimes(records: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Links of crime records (columns of ``crimes``: ``id``, ``batch_id``,
    ``falls_within``, ``longitude``, ``latitude``, ``location``, ``lsoa_code``).

    Returns the columns of ``crime_links``, one row per record (see
    :mod:`lpt.store.schema` for their meaning).
    """
    codes = records["lsoa_code"].astype("string")
    vintage = file_vintages(records["batch_id"], codes, reference.lsoa11_lookup)
    lsoa = pd.DataFrame(
        index=records.index, columns=["lsoa21_code", "lsoa_rule", "unlinked_reason"], dtype="string"
    )

    published = (vintage == 2021) & codes.isin(reference.lsoa21["lsoa21_code"])
    lsoa.loc[published, "lsoa21_code"] = codes
    lsoa.loc[published, "lsoa_rule"] = "as_published"
    lsoa.loc[(vintage == 2021) & ~published, "unlinked_reason"] = UNKNOWN_LSOA21
    old = (vintage == 2011) & codes.notna()
    lsoa.loc[old] = lsoa21_from_2011(records[old], reference.lsoa11_lookup, reference.polygons)
    lsoa.loc[codes.isna(), "unlinked_reason"] = NO_LSOA
    if reference.lsoa21.empty:
        lsoa.loc[:, "unlinked_reason"] = NO_REFERENCE

    areas = wards_of(lsoa["lsoa21_code"], reference.lsoa21)
    lsoa.loc[areas["ward_code"].isna() & lsoa["unlinked_reason"].isna(), "unlinked_reason"] = NO_WARD
    names = street_names(records["location"])
    pfa = force_area_codes(records["falls_within"], reference.districts)
    return pd.DataFrame(
        {
            "record_id": records["id"],
            "lsoa_vintage": vintage.where(codes.notna()),
            "lsoa21_code": lsoa["lsoa21_code"],
            "lsoa_rule": lsoa["lsoa_rule"],
            "street_name": names,
            "is_place": is_place(names),
            "ward_code": areas["ward_code"],
            "district_code": areas["district_code"],
            "pfa_code": pfa,
            "outside_force_area": outside_force_area(areas["district_code"], pfa, reference.districts),
            "unlinked_reason": lsoa["unlinked_reason"],
        }
    )


def link_postcodes(postcodes: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """Links of postcodes (columns of ``ref_postcodes``); returns the columns of ``postcode_links``."""
    found = postcode_lsoa21(postcodes, reference.lsoa11_lookup, reference.polygons)
    areas = wards_of(found["lsoa21_code"], reference.lsoa21)
    return found.assign(ward_code=areas["ward_code"], district_code=areas["district_code"])[
        ["postcode", "lsoa21_code", "rule", "ward_code", "district_code", "unlinked_reason"]
    ]


def link_all(engine: Engine) -> LinkReport:
    """Recompute every crime and postcode link in one transaction."""
    reference = load_reference(engine)
    records = read_table(
        engine, crimes, ["id", "batch_id", "falls_within", "longitude", "latitude", "location", "lsoa_code"]
    )
    crime_rows = link_crimes(records, reference)
    postcode_rows = link_postcodes(read_table(engine, ref_postcodes), reference)
    with engine.begin() as connection:
        replace_rows(connection, crime_links, crime_rows)
        replace_rows(connection, postcode_links, postcode_rows)
    return LinkReport(
        crimes=len(crime_rows),
        crimes_unlinked=int(crime_rows["unlinked_reason"].notna().sum()),
        crimes_outside_force_area=int(crime_rows["outside_force_area"].sum()),
        postcodes=len(postcode_rows),
        postcodes_unlinked=int((postcode_rows["rule"] == "unlinked").sum()),
    )
