"""LSOA 2021 codes for records published on 2011 codes, and for postcodes.

A police.uk file is 2011-vintage when it holds more codes that exist only in
2011 than codes that exist only in 2021. A 2011 code that maps to one 2021 code
takes it; a 2011 LSOA split into several 2021 LSOAs is resolved by the record's
point: the candidate polygon holding it, else the nearest candidate.

Postcodes take the unique 2011 -> 2021 mapping of their ONS LSOA 2011 first,
then the LSOA 2021 polygon holding their Code-Point centroid, then the nearest
polygon of the same district within :data:`NEAREST_LIMIT_M`.

Geometry arguments are polygons in British National Grid (EPSG:27700) with
columns ``code`` and ``geometry``; points are lon/lat (WGS84).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

__all__ = [
    "BNG",
    "NEAREST_LIMIT_M",
    "file_vintages",
    "lsoa21_from_2011",
    "postcode_lsoa21",
]

BNG = 27700
#: How far a postcode centroid outside every polygon may be from its nearest
#: one: the bundled boundaries are generalised, coasts and estuaries clipped.
NEAREST_LIMIT_M = 1000.0

NOT_IN_LOOKUP = "2011 LSOA code not in the 2011 to 2021 lookup"
SPLIT_NO_POINT = "split 2011 LSOA and no coordinates to place the record"
SPLIT_NO_BOUNDARY = "split 2011 LSOA outside the bundled LSOA 2021 boundaries"
POSTCODE_UNPLACED = (
    f"no unique 2011 match, and no bundled LSOA 2021 polygon of its district within {NEAREST_LIMIT_M:.0f} m"
)


def file_vintages(batches: pd.Series, codes: pd.Series, lsoa11_lookup: pd.DataFrame) -> pd.Series:
    """LSOA vintage (2011 or 2021) of each record's file, in the records' index.

    ``batches`` names each record's file, ``codes`` its LSOA code;
    ``lsoa11_lookup`` has columns ``lsoa11_code`` and ``lsoa21_code``.
    """
    only_2011 = codes.isin(set(lsoa11_lookup["lsoa11_code"]) - set(lsoa11_lookup["lsoa21_code"]))
    only_2021 = codes.isin(set(lsoa11_lookup["lsoa21_code"]) - set(lsoa11_lookup["lsoa11_code"]))
    votes = (
        pd.DataFrame({"batch": batches, "v11": only_2011, "v21": only_2021})
        .groupby("batch")[["v11", "v21"]]
        .sum()
    )
    vintage = (votes["v11"] > votes["v21"]).map({True: 2011, False: 2021})
    return batches.map(vintage).astype("Int64")


def _unique_2011(lsoa11_lookup: pd.DataFrame) -> pd.Series:
    """LSOA 2021 code of each 2011 code that maps to exactly one."""
    counts = lsoa11_lookup.groupby("lsoa11_code")["lsoa21_code"].transform("size")
    return lsoa11_lookup[counts == 1].set_index("lsoa11_code")["lsoa21_code"]


def _points(longitude: pd.Series, latitude: pd.Series) -> gpd.GeoSeries:
    return gpd.GeoSeries.from_xy(longitude, latitude, crs=4326, index=longitude.index).to_crs(BNG)


def lsoa21_from_2011(
    records: pd.DataFrame, lsoa11_lookup: pd.DataFrame, polygons: gpd.GeoDataFrame
) -> pd.DataFrame:
    """LSOA 2021 of records published with 2011 codes.

    ``records`` has columns ``lsoa_code``, ``longitude``, ``latitude``.
    Returns, in the records' index, ``lsoa21_code``, ``lsoa_rule``
    (``lsoa11_unique``, ``lsoa11_split_in_polygon``, ``lsoa11_split_nearest``)
    and ``unlinked_reason`` (set where ``lsoa21_code`` is NA).
    """
    out = pd.DataFrame(
        index=records.index, columns=["lsoa21_code", "lsoa_rule", "unlinked_reason"], dtype="string"
    )
    unique = records["lsoa_code"].map(_unique_2011(lsoa11_lookup))
    out.loc[unique.notna(), "lsoa21_code"] = unique
    out.loc[unique.notna(), "lsoa_rule"] = "lsoa11_unique"
    split_codes = set(lsoa11_lookup["lsoa11_code"])
    split = unique.isna() & records["lsoa_code"].isin(split_codes)
    out.loc[unique.isna() & ~split, "unlinked_reason"] = NOT_IN_LOOKUP

    has_point = records["longitude"].notna() & records["latitude"].notna()
    out.loc[split & ~has_point, "unlinked_reason"] = SPLIT_NO_POINT
    todo = records[split & has_point]
    candidates = (
        todo[["lsoa_code"]]
        .assign(point=_points(todo["longitude"], todo["latitude"]))
        .reset_index(names="record")
        .merge(lsoa11_lookup[["lsoa11_code", "lsoa21_code"]], left_on="lsoa_code", right_on="lsoa11_code")
        .merge(polygons[["code", "geometry"]], left_on="lsoa21_code", right_on="code")
    )
    candidates["distance"] = gpd.GeoSeries(candidates["point"], crs=BNG).distance(
        gpd.GeoSeries(candidates["geometry"], crs=BNG)
    )
    best = candidates.sort_values(["record", "distance"]).drop_duplicates("record").set_index("record")
    out.loc[best.index, "lsoa21_code"] = best["lsoa21_code"]
    out.loc[best.index, "lsoa_rule"] = (best["distance"] == 0).map(
        {True: "lsoa11_split_in_polygon", False: "lsoa11_split_nearest"}
    )
    out.loc[todo.index.difference(best.index), "unlinked_reason"] = SPLIT_NO_BOUNDARY
    return out


def postcode_lsoa21(
    postcodes: pd.DataFrame, lsoa11_lookup: pd.DataFrame, polygons: gpd.GeoDataFrame
) -> pd.DataFrame:
    """LSOA 2021 of each postcode with the rule that found it.

    ``postcodes`` has columns ``postcode``, ``lsoa11_code``, ``longitude``,
    ``latitude``, ``district_code``; ``polygons`` also ``district_code``.
    Returns columns ``postcode``, ``lsoa21_code``, ``rule`` (``lsoa11_unique``,
    ``point_in_polygon``, ``nearest_polygon`` or ``unlinked``) and
    ``unlinked_reason``.
    """
    out = pd.DataFrame(
        {
            "postcode": postcodes["postcode"],
            "lsoa21_code": postcodes["lsoa11_code"].map(_unique_2011(lsoa11_lookup)).astype("string"),
            "rule": pd.Series("unlinked", index=postcodes.index, dtype="string"),
            "unlinked_reason": pd.Series(POSTCODE_UNPLACED, index=postcodes.index, dtype="string"),
        }
    )
    out.loc[out["lsoa21_code"].notna(), "rule"] = "lsoa11_unique"
    rest = postcodes[out["lsoa21_code"].isna()]
    points = gpd.GeoDataFrame(
        rest[["district_code"]], geometry=_points(rest["longitude"], rest["latitude"]), crs=BNG
    )
    shapes = polygons[["code", "district_code", "geometry"]]
    inside = gpd.sjoin(points, shapes[["code", "geometry"]], predicate="within")
    inside = inside[~inside.index.duplicated()]
    out.loc[inside.index, "lsoa21_code"] = inside["code"]
    out.loc[inside.index, "rule"] = "point_in_polygon"

    outside = points.drop(inside.index)
    near = gpd.sjoin_nearest(
        outside, shapes.rename(columns={"district_code": "polygon_district"}), max_distance=NEAREST_LIMIT_M
    )
    near = near[near["district_code"] == near["polygon_district"]]
    near = near[~near.index.duplicated()]
    out.loc[near.index, "lsoa21_code"] = near["code"]
    out.loc[near.index, "rule"] = "nearest_polygon"
    out.loc[out["lsoa21_code"].notna(), "unlinked_reason"] = pd.NA
    return out.reset_index(drop=True)
