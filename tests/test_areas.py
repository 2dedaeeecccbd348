"""Ward, district and force-area rules."""

from __future__ import annotations

import pandas as pd

from lpt.linkage.areas import force_area_codes, outside_force_area, wards_of

DISTRICTS = pd.DataFrame(
    {
        "district_code": ["E06000010", "E06000011", "E07000142", "E09000001", "E06000052"],
        "pfa_code": ["E23000012", "E23000012", "E23000020", "E23000034", "E23000035"],
        "pfa_name": ["Humberside", "Humberside", "Lincolnshire", "London, City of", "Devon & Cornwall"],
    }
)


def test_ward_and_district_come_from_the_lsoa_lookup():
    lookup = pd.DataFrame(
        {"lsoa21_code": ["E01000001", "E01000002"], "ward_code": ["W1", "W2"], "district_code": ["D1", "D1"]}
    )
    found = wards_of(pd.Series(["E01000002", None, "E01000001", "E01999999"], index=[5, 6, 7, 8]), lookup)
    assert found.index.tolist() == [5, 6, 7, 8]
    assert found["ward_code"].tolist()[::2] == ["W2", "W1"]
    assert found.loc[[6, 8], "ward_code"].isna().all()


def test_force_names_match_force_areas():
    names = pd.Series(
        ["Humberside Police", "City of London Police", "Devon & Cornwall Police", "Nowhere Police"]
    )
    codes = force_area_codes(names, DISTRICTS)
    assert codes.tolist()[:3] == ["E23000012", "E23000034", "E23000035"]
    assert pd.isna(codes.iloc[3])


def test_outside_force_area_flags_other_districts_and_unknown_forces():
    district = pd.Series(["E06000010", "E07000142", "E06000011", None])
    pfa = pd.Series(["E23000012", "E23000012", None, "E23000012"], dtype="string")
    assert outside_force_area(district, pfa, DISTRICTS).tolist() == [False, True, True, False]
