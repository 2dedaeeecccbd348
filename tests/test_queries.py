"""Read-only views over linked data: streets, ward figures, quality."""

from __future__ import annotations

import pytest

from lpt.ingest.crime import import_crime_files
from lpt.ingest.reference import import_reference
from lpt.linkage.link import link_all
from lpt.store.queries import quality_reasons, quality_summary, streets, ward_crime_counts
from tests.policeuk_files import crime_row, write_street_file


@pytest.fixture
def linked(store, reference_folder, tmp_path):
    """The tiny reference release and one month of five records, linked."""
    import_reference(store, reference_folder, progress=False)
    rows = [
        crime_row(Crime_ID="a" * 64, Location="On or near Mill Lane", LSOA_code="E01000002"),
        crime_row(Crime_ID="b" * 64, Location="On or near Mill Lane", LSOA_code="E01000002"),
        crime_row(
            Crime_ID="c" * 64, Location="On or near Mill Lane", LSOA_code="E01000002", Longitude="-1.4950"
        ),
        crime_row(Crime_ID="d" * 64, Location="On or near Parking Area", LSOA_code="E01000009"),
        crime_row(Crime_ID="e" * 64, LSOA_code=""),
    ]
    import_crime_files(store, [write_street_file(tmp_path / "2025-03-test-street.csv", rows)], progress=False)
    link_all(store)
    return store


def test_streets_have_one_row_per_key_at_the_most_used_snap_point(linked):
    table = streets(linked).set_index(["lsoa21_code", "street_name"])
    mill = table.loc[("E01000002", "Mill Lane")]
    assert (mill["records"], mill["longitude"], mill["latitude"]) == (3, -1.5, 52.4)
    assert not mill["is_place"] and mill["ward_code"] == "E05000001"
    assert table.loc[("E01000009", "Parking Area"), "is_place"]
    assert len(table) == 2  # the record without an LSOA has no street key


def test_ward_figures_leave_out_flagged_and_unlinked_records(linked):
    figures = ward_crime_counts(linked)
    assert figures.to_dict("records") == [
        {
            "ward_code": "E05000001",
            "ward_name": "North",
            "district_code": "E06000001",
            "month": "2025-03",
            "records": 3,
        }
    ]


def test_quality_counts_every_stored_row_once(linked):
    summary = quality_summary(linked).set_index("source")
    crime = summary.loc["crime: Test Constabulary"]
    assert (crime["stored"], crime["flagged"], crime["unlinked"], crime["rejected"]) == (5, 1, 1, 0)
    postcodes = summary.loc["postcodes"]
    assert (postcodes["stored"], postcodes["flagged"], postcodes["unlinked"]) == (5, 1, 1)
    reasons = quality_reasons(linked)
    linked_rules = reasons[(reasons["source"] == "postcodes") & (reasons["status"] == "linked")]
    assert dict(zip(linked_rules["reason"], linked_rules["rows"])) == {
        "lsoa11_unique": 1,
        "nearest_polygon": 1,
        "point_in_polygon": 2,
    }


def test_records_imported_after_the_last_link_show_as_not_linked_yet(linked, tmp_path):
    import_crime_files(
        linked,
        [write_street_file(tmp_path / "2025-04-test-street.csv", [crime_row(Month="2025-04")])],
        progress=False,
    )
    reasons = quality_reasons(linked)
    april = reasons[reasons["month"] == "2025-04"]
    assert april[["status", "reason", "rows"]].values.tolist() == [
        ["unlinked", "not linked yet (run lpt build)", 1]
    ]


def test_quality_of_an_empty_store_is_empty(store):
    assert quality_summary(store).empty and quality_reasons(store).empty
