"""LSOA 2021 rules: file vintage, 2011 codes (unique and split), postcodes."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from lpt.linkage.lsoa import (
    BNG,
    NOT_IN_LOOKUP,
    POSTCODE_UNPLACED,
    SPLIT_NO_BOUNDARY,
    SPLIT_NO_POINT,
    file_vintages,
    lsoa21_from_2011,
    postcode_lsoa21,
)
from tests.reference_files import LSOA11, SQUARES

LOOKUP = pd.DataFrame(LSOA11, columns=["lsoa11_code", "lsoa21_code", "change_code"])
POLYGONS = gpd.GeoDataFrame(
    {"code": [c for c, _ in SQUARES], "district_code": "E06000001"},
    geometry=[box(w, 52.40, w + 0.01, 52.41) for _, w in SQUARES],
    crs=4326,
).to_crs(BNG)


def test_a_file_is_2011_vintage_when_it_holds_codes_only_2011_has():
    batches = pd.Series([1, 1, 1, 2, 2, 3])
    codes = pd.Series(["E01100002", "E01000001", "E01000001", "E01000002", "E01000001", "E01000009"])
    assert file_vintages(batches, codes, LOOKUP).tolist() == [2011, 2011, 2011, 2021, 2021, 2021]


def test_2011_codes_map_uniquely_or_by_the_point_in_split_lsoas():
    records = pd.DataFrame(
        {
            "lsoa_code": ["E01000001", "E01100004", "E01100002", "E01100002", "E01100002", "E01199999"],
            "longitude": [None, None, -1.495, -1.485, -1.47, None],
            "latitude": [None, None, 52.405, 52.405, 52.405, None],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    out = lsoa21_from_2011(records, LOOKUP, POLYGONS)
    assert out["lsoa21_code"].tolist()[:5] == [
        "E01000001",
        "E01000001",
        "E01000002",
        "E01000003",
        "E01000003",
    ]
    assert out["lsoa_rule"].tolist()[:5] == [
        "lsoa11_unique",
        "lsoa11_unique",
        "lsoa11_split_in_polygon",
        "lsoa11_split_in_polygon",
        "lsoa11_split_nearest",
    ]
    assert out.loc[15, "unlinked_reason"] == NOT_IN_LOOKUP and pd.isna(out.loc[15, "lsoa21_code"])


def test_split_lsoas_without_a_point_or_polygon_are_unlinked_with_a_reason():
    records = pd.DataFrame(
        {"lsoa_code": ["E01100002", "E01100002"], "longitude": [None, -1.495], "latitude": [None, 52.405]}
    )
    out = lsoa21_from_2011(records, LOOKUP, POLYGONS.iloc[:0])
    assert out["unlinked_reason"].tolist() == [SPLIT_NO_POINT, SPLIT_NO_BOUNDARY]
    assert out["lsoa21_code"].isna().all()


def test_postcode_rules_apply_in_order_and_are_recorded():
    postcodes = pd.DataFrame(
        {
            "postcode": ["A", "B", "C", "D", "E", "F"],
            "lsoa11_code": ["E01100004", "E01100002", None, None, None, None],
            "longitude": [-1.40, -1.485, -1.4995, -1.479, -1.479, -1.40],
            "latitude": [52.405, 52.405, 52.4045, 52.405, 52.405, 52.405],
            "district_code": ["E06000001"] * 4 + ["E06000009", "E06000001"],
        }
    )
    out = postcode_lsoa21(postcodes, LOOKUP, POLYGONS)
    assert out["rule"].tolist() == [
        "lsoa11_unique",  # the unique mapping wins even far from the polygon
        "point_in_polygon",
        "point_in_polygon",
        "nearest_polygon",
        "unlinked",  # nearest polygon is of another district
        "unlinked",  # too far
    ]
    assert out["lsoa21_code"].tolist()[:4] == ["E01000001", "E01000003", "E01000002", "E01000003"]
    assert out["unlinked_reason"].tolist()[4:] == [POSTCODE_UNPLACED] * 2
    assert out["unlinked_reason"].iloc[:4].isna().all()
